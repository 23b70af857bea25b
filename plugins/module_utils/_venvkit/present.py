# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""state=present: build or update one venv, plan then apply, all or nothing.

Private to the venvkit.python collection. The handler takes the run's
owner and passes every source and directory through the gate (guard),
takes the venv's lock, plans (reads only: what to build, the package sets,
the links and PATH files), and hands the plan to an update of updates.py:
the Preview in check mode, otherwise the one ``select_update()`` picks
(Keep, or one of the builds of builds.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import grp
import os
import pwd
import re

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.context import Context
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import secrets_in
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.fs import (
    DIR_MODE, Trust, check_trusted, describe_uid, make_dirs, private_dir, remove_created, remove_tree)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.gate import Gate
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installed import (
    SEED_DISTRIBUTIONS, changes, format_packages, installed_packages, listing_signature)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.select import (
    SETTINGS, select_installer)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.installers.selection import Selection
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.interpreter import (
    BasePython, Choice, find_python, health)
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.lock import Lock
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.plan import VenvPlan
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.process import RunAs
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.requirements import read_inputs
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.run import StateHandler
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.state import fingerprint
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.updates import Keep, Preview
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.usable import cannot_run


def select_update(plan, options):
    """The class of Update that carries out plan outside check mode (where Preview describes it instead).

    The builds are imported by the runs that build: a no-op compiles only what it uses.
    """
    if plan.action in ('none', 'refresh'):
        return Keep
    from ansible_collections.venvkit.python.plugins.module_utils._venvkit.builds import AtomicUpdate, InPlaceUpdate
    if options['update'] == 'in_place' and plan.current.kind != 'generation':
        return InPlaceUpdate
    return AtomicUpdate


class Owner:
    """Who the venv's files belong to, and who its code runs as."""

    def __init__(self, params):
        self.uid = self._id(params['owner'], pwd.getpwnam, 'pw_uid', 'owner', 'user')
        self.gid = self._id(params['group'], grp.getgrnam, 'gr_gid', 'group', 'group')
        euid = os.geteuid()
        if euid != 0 and (self.uid not in (-1, euid) or self.gid not in (-1, os.getegid()) + tuple(os.getgroups())):
            raise VenvkitError('owner and group: only root can build a venv for another user or group (this run is '
                               'uid %d)' % euid)
        self.run_as = None
        if euid == 0 and self.uid not in (-1, 0):
            self.run_as = RunAs(self.uid, self.gid if self.gid != -1 else pwd.getpwuid(self.uid).pw_gid)

    @staticmethod
    def _id(value, lookup, field, option, kind):
        if value in (None, ''):
            return -1
        if str(value).isdigit():
            return int(value)
        try:
            return getattr(lookup(value), field)
        except KeyError:
            raise VenvkitError('%s: %s %r does not exist on the target' % (option, kind, value))

    def change_reason(self, venv):
        """Why the live venv must be rebuilt for this owner, or None.

        Rebuilt, not chowned: a venv's files may share inodes with an
        installer's cache, and a chown would hand those to the new owner.
        """
        st = os.lstat(venv)
        uid = self.uid if self.uid != -1 else os.geteuid()
        if st.st_uid != uid or (self.gid != -1 and st.st_gid != self.gid):
            gid = self.gid if self.gid != -1 else st.st_gid
            return 'the owner changed from %d:%d to %d:%d' % (st.st_uid, st.st_gid, uid, gid)
        return None

    def give(self, path):
        """Hand a directory the module just made to the owner (before anything runs in it)."""
        if self.run_as is not None:
            os.lchown(path, self.run_as.uid, self.run_as.gid)
        elif self.gid != -1:
            os.lchown(path, -1, self.gid)

    def record(self):
        return [self.uid, self.gid]


class Present(StateHandler):
    """state=present for the run's path; see the module docstring."""

    def __init__(self, run):
        super(Present, self).__init__(run)
        self.ctx = None
        self.gate = Gate()
        self.wheelhouse = None
        self.owner = None
        self.live_before = None
        self.update = None
        self.sources = None
        self.choice = None
        self.installed_python = None
        self.python_scratch = None

    def failure_note(self, msg):
        """msg, with what became of the venv that was live before the run."""
        if not self.live_before:
            return msg
        msg += '' if msg.endswith('.') else '.'
        if self.update is not None and self.update.touching_live:
            return msg + ' update=in_place: the venv at %s may be partly updated.' % self.run.path
        return msg + ' The venv that was live before this run (%s) is unchanged and still in use.' % self.live_before

    def close(self):
        if self.python_scratch is not None:
            remove_tree(self.python_scratch)
            self.python_scratch = None
        if self.ctx is not None:
            self.ctx.cleanup()
            self.run.outcome.warnings.extend(self.ctx.warnings)
            self.ctx = None

    def _guard(self):
        """Refuse a place for the venv that anyone but root (or this user) controls."""
        trust = Trust()
        layout = self.run.layout
        check_trusted(layout.parent, trust, 'build the venv at %s' % self.run.path, container=True)
        for entry in (layout.gens_dir, layout.marker, layout.path):
            try:
                st = os.lstat(entry)
            except OSError:
                continue
            allowed = trust if entry != layout.path or self.owner.run_as is None else trust.with_uid(self.owner.uid)
            why = allowed.problem(st, last=True)
            if why:
                raise VenvkitError('%s %s; refusing to build the venv at %s, since whoever controls it could change '
                                   'what the module builds or runs as root' % (entry, why, self.run.path))
        # What is at path is judged before anything is written beside it (a file, a directory of
        # someone's files, another user's venv): a refused run leaves no trace.
        current = layout.current()
        if current.kind == 'foreign_dir' and os.lstat(current.venv).st_uid not in trust.uids:
            raise VenvkitError('path %s is a venv of %s, which this module did not make; refusing to take it '
                               'over' % (self.run.path, describe_uid(os.lstat(current.venv).st_uid)))

    def guard(self):
        """The owner, the place, and everything the run reads, installs from or writes into, through the gate;
        then the interpreter, the installer and the PATH files' planner. Reads only."""
        p = self.run.options
        self.owner = Owner(p)
        self._guard()
        run_as = self.owner.run_as
        self.gate = gate = Gate(run_as)
        inputs = read_inputs(p, gate)
        self.run.secrets = sorted(set(self.run.secrets + secrets_in(inputs.texts)))
        self._admit(inputs)
        self.choice = self._choose_python(gate)
        if self.choice.install is None:
            self._owner_can_run(self.choice.path)
        self.ctx = Context(self.run.process, run_as, self.run.secrets, self.run.check_mode)
        installer = select_installer(self.ctx, Selection.from_options(p), p['installer'],
                                     **dict((name, p[name]) for name in SETTINGS))
        exposure = None
        if p['expose']:
            from ansible_collections.venvkit.python.plugins.module_utils._venvkit.exposure.plan import PathExposure
            exposure = PathExposure.of_venv(p['expose'], os.path.join(self.run.path, 'bin'),
                                            check_mode=self.run.check_mode, diff_mode=self.run.diff_mode)
        self.sources = (installer, inputs, exposure)

    def _choose_python(self, gate):
        """The interpreter of the python option: a path or name as given, or what answers a version request."""
        p = self.run.options
        if p['python_archive'] is None and p['python_source'] == 'auto' and not p['python'][:1].isdigit() \
                and p['python'][:1] not in '=!<>~':
            return Choice(find_python(p['python'], Trust()), None, 'given', 'python names the interpreter')
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.pythons import Chooser
        recorded = self.run.layout.current().state.get('python')
        return Chooser(p, self.run.process, recorded).choose(gate)

    def _owner_can_run(self, python_path):
        run_as = self.owner.run_as
        if run_as is not None:
            why = cannot_run(run_as.name, run_as.uid, set([run_as.gid]), python_path)
            if why:
                raise VenvkitError('owner: %s, and the venv\'s code runs as its owner; choose an interpreter the owner '
                                   'can run, for example python: /usr/bin/python3' % why)

    def _install_python(self):
        """A managed CPython that the choice needs, installed (in check mode: into this run's private directory,
        for the dry runs); returns whether the host changed."""
        install = self.choice.install
        if install is None:
            return False
        if self.run.check_mode:
            # Root's own directory, not the run's work directory, which belongs to the venv's owner: root runs
            # the interpreter once to check it, and the owner must not be able to swap it in between.
            self.python_scratch = private_dir(prefix='venvkit-python-')
            os.chmod(self.python_scratch, DIR_MODE)
            self.choice.path = install.install(self.run.process, into=self.python_scratch)
        else:
            self.choice.path = install.install(self.run.process)
            self.installed_python = install
        self._owner_can_run(self.choice.path)
        return True

    def lock(self):
        """Check mode: the lock if there is one. Otherwise the parent and generations directories are made, the
        lock taken, and what killed runs left is cleared; on a failure the generations directory is left as it
        was found, and a first build leaves nothing behind."""
        if self.run.check_mode:
            return super(Present, self).lock()
        return self._building()

    @contextlib.contextmanager
    def _building(self):
        created = self._make_dirs()
        lock = Lock(self.run.layout.lock_path, self.run.options['lock_timeout'])
        with lock:
            self.run.outcome.set(lock_waited=round(lock.waited, 3))
            self._clean_leftovers()
            times = os.stat(self.run.layout.gens_dir)
            try:
                self.ctx.workdir_parent = self.run.layout.gens_dir
                yield lock
            except BaseException:
                self.ctx.cleanup()
                self._undo_python()
                # A failed run leaves the generations directory as it found it, down to its times.
                os.utime(self.run.layout.gens_dir, ns=(times.st_atime_ns, times.st_mtime_ns))
                try:
                    kind = self.run.layout.current().kind
                except VenvkitError:
                    kind = 'foreign'
                # What this run made holds only what this run wrote, unless a venv went live from it.
                if created and (kind == 'missing' or (self.run.layout.gens_dir in created and kind != 'generation')):
                    # A first build that failed leaves nothing behind: lock, generations, parent.
                    lock.release(remove=True)
                    self._remove_made(created)
                raise

    def plan(self, lock):
        """The wheels where the installer looks, then the plan (which reads only)."""
        installer, inputs, exposure = self.sources
        self.run.outcome.changed_if(self._unpack_wheelhouse(installer.selection))
        self.run.outcome.changed_if(self._install_python())
        return self.decide(installer, inputs, exposure)

    def writes(self, plan):
        """Always: an update builds, then compares what it built."""
        return True

    def preview(self, plan):
        self._carry_out(plan, Preview)

    def apply(self, plan, lock):
        self._carry_out(plan, select_update(plan, self.run.options))
        if self.run.outcome.changed and plan.action not in ('none', 'refresh'):
            self._share_pythons()

    def _share_pythons(self):
        """The managed CPythons this path's kept generations use count it among their users; one that no kept
        generation of any venv uses any more (after a prune, or a move to another build) goes."""
        from ansible_collections.venvkit.python.plugins.module_utils._venvkit.managed import reconcile, used_by
        used, roots = used_by(self.run.layout)
        removed = reconcile(roots | set([self.run.options['managed_pythons']]), self.run.path, used,
                            warn=self.run.outcome.warn)
        if removed:
            self.run.outcome.set(removed_pythons=removed)

    def _carry_out(self, plan, update):
        """The update (a class of updates.py) carries out the plan; what it did is described."""
        self.update = update(self.run, self.owner, self.ctx, self.gate)
        self.report(plan, self.update.apply(plan))

    def _admit(self, inputs):
        """Everything the run will build from, install from or write into passes the gate, before any write."""
        p, gate = self.run.options, self.gate
        gate.requirement_lines(inputs.lines)
        gate.packages(p['packages'])
        gate.pip_args(p['pip_args'])
        gate.locations('find_links', p['find_links'])
        gate.locations('index_url', [p['index_url']] if p['index_url'] else [])
        gate.locations('extra_index_urls', p['extra_index_urls'])
        gate.environment(self.run.process.environ)
        if p['link_scripts']:
            gate.write_dir(p['link_scripts']['dest'], 'console-script links')
        if p['wheelhouse']:
            from ansible_collections.venvkit.python.plugins.module_utils._venvkit.wheelhouse import Wheelhouse
            self.wheelhouse = Wheelhouse(p['wheelhouse'], gate)
            self.wheelhouse.check()

    def _unpack_wheelhouse(self, selection):
        """Put the shipped wheels where the installer looks; in check mode, into this run's private directory
        (which the selection then reads instead)."""
        wheelhouse = self.wheelhouse
        if wheelhouse is None or not wheelhouse.wanted:
            return False
        if self.run.check_mode:
            scratch = os.path.join(self.ctx.workdir(), 'wheels')
            os.mkdir(scratch, 0o755)
            wheelhouse.unpack_into(scratch)
            selection.replace_find_link(wheelhouse.dir, scratch)
        else:
            wheelhouse.apply()
        self.run.outcome.set(wheelhouse=dict(changed=True, key=wheelhouse.key, dir=wheelhouse.dir))
        return True

    def _interpreter_fields(self, plan):
        """Where the base interpreter is, and, for a version request, how it was chosen."""
        chosen = plan.base.chosen
        if not chosen or chosen.get('source') == 'given':
            return dict(base=plan.base.path, source='given')
        return dict(base=chosen['path'], source=chosen['source'], request=chosen['request'], reason=chosen['reason'],
                    sha256=chosen['sha256'], installed=chosen['installed'])

    def _undo_python(self):
        """A managed CPython this run installed goes with the failed run, unless the live venv uses it."""
        install = self.installed_python
        if install is None or install.made is None:
            return
        live = self.run.layout.current().venv if os.path.lexists(self.run.path) else None
        if live and os.path.realpath(os.path.join(live, 'bin', 'python')).startswith(install.made + os.sep):
            return
        install.undo()

    def _make_dirs(self):
        """The parent (marked as the module's) and the generations directory; returns what was created."""
        layout = self.run.layout
        created = make_dirs(layout.parent, DIR_MODE)
        if created and created[-1] == layout.parent:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0)
            fd = os.open(layout.marker, flags, 0o644)
            with os.fdopen(fd, 'w') as handle:
                handle.write(layout.marker_text())
                os.fchmod(handle.fileno(), 0o644)
        created += make_dirs(layout.gens_dir, DIR_MODE)
        # A concurrent run of another user could have made it first.
        why = Trust().problem(os.lstat(layout.gens_dir), last=True)
        if why or os.path.islink(layout.gens_dir):
            raise VenvkitError('%s %s; refusing to use it' % (layout.gens_dir, why or 'is a symbolic link'))
        return created

    def _remove_made(self, created):
        layout = self.run.layout
        for entry in sorted(os.listdir(layout.gens_dir)) if os.path.isdir(layout.gens_dir) else []:
            remove_tree(os.path.join(layout.gens_dir, entry))
        if layout.parent in created:
            try:
                os.unlink(layout.marker)
            except OSError:
                pass
        remove_created(created)

    def _clean_leftovers(self):
        """What killed runs left in the generations directory: it is all this module's."""
        layout = self.run.layout
        live = layout.current().venv
        for path in layout.incomplete(live):
            remove_tree(path)
        for entry in os.listdir(layout.gens_dir):
            if entry.startswith(('tmp-', 'in-place-new', 'retired-')):
                remove_tree(os.path.join(layout.gens_dir, entry))
        # The swap links of killed runs: ours only (a symlink of root's with our name), never another user's.
        swap_name = re.compile(r'\.%s\.venvkit-swap-[a-z0-9]{7}\Z' % re.escape(layout.name))
        for entry in os.listdir(layout.parent):
            leftover = os.path.join(layout.parent, entry)
            if swap_name.match(entry) and os.path.islink(leftover) and os.lstat(leftover).st_uid in Trust().uids:
                os.unlink(leftover)

    # -- planning -------------------------------------------------------------

    def decide(self, installer, inputs, exposure):
        """Decide what this run does; reads only (check mode may build a venv in a temporary directory)."""
        p = self.run.options
        ctx = self.ctx
        current = self.run.layout.current()
        if current.kind == 'foreign_link':
            raise VenvkitError('path %s is a symbolic link to %s, which this module did not make; refusing to '
                               'replace it. Remove the link, or choose another path' % (self.run.path, current.target))
        self.live_before = current.venv
        choice = self.choice
        base = BasePython(choice.path, recorded=current.state.get('python'), chosen=choice.describe())
        base.version = base.version or choice.version
        plan = VenvPlan(current, base, fingerprint(p, base, inputs, installer.name))
        plan.installer = installer
        if plan.live is None:
            plan.decide('create', 'no venv at %s' % self.run.path if current.kind != 'dangling' else
                        'the link at %s points to a generation that is gone' % self.run.path)
        else:
            if current.kind == 'foreign_dir' and os.lstat(plan.live).st_uid not in Trust().uids:
                raise VenvkitError('path %s is a venv of %s, which this module did not make; refusing to take it '
                                   'over' % (self.run.path, describe_uid(os.lstat(plan.live).st_uid)))
            reason = (health(plan.live, current.state.get('python'), base, p['system_site_packages'], ctx)
                      or (self.owner.change_reason(plan.live) if current.ours or current.kind == 'foreign_dir' else None)
                      or ('force is set' if p['force'] else None)
                      or installer.broken(plan.live))
            plan.decide('recreate' if reason else 'update', reason)
            plan.before = installed_packages(plan.live)
            plan.listing = listing_signature(plan.live)
        atomic = p['update'] == 'atomic'
        moves_dir = atomic and current.kind in ('foreign_dir', 'in_place')
        if (plan.action == 'update' and current.state.get('fingerprint') == plan.fingerprint
                and current.state.get('listing') == plan.listing and not moves_dir and not p['upgrade']):
            plan.decide('none')
        if plan.action == 'update' and current.kind == 'foreign_dir':
            if atomic:
                plan.decide('migrate', 'moving the directory at %s, which this module did not make, into %s, where '
                            'it is kept, and replacing it with an atomically swapped symlink'
                            % (self.run.path, self.run.layout.gens_dir))
            else:
                plan.decide('update', 'updating in place the venv at %s, which this module did not make; the '
                            'module never removes it' % self.run.path)
        elif plan.action == 'update' and moves_dir:
            plan.decide('update', 'turning the venv built in place at %s into an atomically swapped symlink'
                        % self.run.path)
        plan.exposure = exposure
        if exposure is not None:
            try:
                exposure.make_plan()
            except VenvkitError as exc:
                raise VenvkitError('expose: %s' % exc.msg)
        if plan.action in ('create', 'recreate'):
            plan.fresh = True
        if plan.action != 'none':
            base.ensure_version(ctx.process)
        # Check mode predicts with a dry run; so does sync, which must know what to keep. A real
        # update builds at once and compares afterwards (build_then_compare): a dry run first
        # would resolve everything twice, and the copy of a generation costs little.
        plan.moves_dir = moves_dir
        if plan.action in ('update', 'migrate') and (self.run.check_mode or p['sync']):
            self._predict(plan, installer)
            if not plan.package_changes and plan.action == 'update' and not moves_dir and not plan.fresh:
                plan.decide('refresh')
            else:
                plan.upgrade_reason(p['upgrade'])
        if plan.action in ('none', 'refresh'):
            plan.after = plan.before
        return plan

    def _predict(self, plan, installer):
        """What an update leaves in the venv, from dry runs of the installer in the live venv."""
        wanted = installer.resolve(plan.live, fresh=False)
        after = dict(plan.before)
        after.update(wanted)
        if self.run.options['sync']:
            keep = installer.resolve(plan.live, fresh=True)
            if self.run.options['update'] == 'atomic':
                # A fresh generation holds exactly what is required, with the seeds of a fresh venv
                # as this installer makes it (uv seeds no setuptools; venv does before 3.12).
                seeds = installer.fresh_seeds(plan.base) & SEED_DISTRIBUTIONS
                after = dict((n, v) for n, v in plan.before.items() if n in seeds)
                after.update(keep)
                plan.fresh = bool(changes(plan.before, after))
            else:
                after = dict((n, v) for n, v in after.items() if n in keep or n in SEED_DISTRIBUTIONS)
        plan.after = after

    # -- reporting ------------------------------------------------------------

    def report(self, plan, changed):
        """Record what the run did (or, in check mode, would do) into the outcome."""
        outcome = self.run.outcome
        ch = changes(plan.before, plan.after)
        base_version = plan.base.version or (plan.state.get('python') or {}).get('version')
        outcome.changed_if(changed)
        outcome.set(
            active=plan.venv, packages=plan.after, created=plan.action == 'create',
            recreated=plan.action == 'recreate', reason=plan.reason, fingerprint=plan.fingerprint,
            installer=plan.installer.name, installed=ch.get('installed', []), upgraded=ch.get('upgraded', []),
            upgraded_from=ch.get('upgraded_from', []), removed=ch.get('removed', []),
            python=dict(path=os.path.join(self.run.path, 'bin', 'python'),
                        executable=os.path.realpath(os.path.join(plan.venv, 'bin', 'python')) if plan.venv else None,
                        version=base_version, **self._interpreter_fields(plan)))
        if plan.scripts is not None:
            outcome.set(console_scripts=sorted(plan.scripts))
        outcome.set(links=plan.links.links(), links_changed=plan.links.summary())
        outcome.set(**plan.fields)
        outcome.set(**self.ctx.notes)
        if self.run.diff_mode:
            header = '%s (packages)' % self.run.path
            outcome.diff(format_packages(plan.before), format_packages(plan.after), header, header)
        if plan.exposure is not None:
            exposed = plan.exposure.result()
            diffs = exposed.pop('diff', [])
            outcome.set(exposure=exposed)
            outcome.changed_if(exposed['changed'])
            for warning in plan.exposure.warnings:
                outcome.warn(warning)
            if self.run.diff_mode:
                outcome.add_diffs(diffs)
