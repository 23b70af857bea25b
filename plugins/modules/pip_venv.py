#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) venvkit contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: pip_venv
short_description: Build and maintain a Python virtual environment, exactly, atomically and fast
version_added: 0.1.0
description:
  - Creates a Python virtual environment (venv) at O(path) and installs into it the packages of
    requirements files and of a package list, with C(uv) where the target has it and C(pip)
    otherwise (O(installer=auto)), or the one O(installer) names.
  - Knows when nothing changed without running the installer. A fingerprint of every input (the interpreter,
    the content of every requirements and constraints file including the files they include,
    O(packages), the index options, O(pip_args), O(system_site_packages), O(sync)) and of the
    installed set is kept in the venv. A run whose fingerprint matches starts no process.
  - With O(update=atomic) every change is built in a new generation beside the live one and swapped
    in with one rename of the symlink at O(path). A failed run leaves the previous venv live and
    unchanged.
  - Recreates the venv when its interpreter changed or no longer runs, and says why.
  - Check mode resolves the requirements with the installer's dry run and reports exactly the
    packages a real run would install, upgrade or remove; diff mode shows the package set before and
    after as C(name==version) lines.
author:
  - venvkit maintainers (@venvkit)
extends_documentation_fragment:
  - venvkit.python.path_exposure.expose
attributes:
  action:
    support: full
    description: An action on the controller ships O(wheelhouse.src) in the module's own call.
  check_mode:
    support: full
    description: Writes nothing; reports V(changed) exactly when a real run would change the venv.
  diff_mode:
    support: full
    description:
      - Shows the installed packages before and after as C(name==version) lines, and every file
        O(expose) writes or removes.
  idempotent:
    support: full
    description: A second run with the same inputs reports no change and does not start pip.
options:
  path:
    description:
      - Absolute, normalised path where the venv is reached, for example C(/opt/semaphore/venv).
      - With O(update=atomic) this becomes a symlink to the active generation, which lives in the
        hidden directory C(.<name>.venvkit) beside it.
      - Only letters, digits and C(. _ + @ - /) are accepted, so that the path is safe in a
        C(PATH) entry, a shell line and a systemd unit.
    type: path
    required: true
  state:
    description:
      - V(present) builds or updates the venv; V(absent) removes it, its generations, the links
        and the O(expose) files this module made for it.
      - V(rollback) points O(path) at an earlier generation in one rename, building nothing - the
        newest generation older than the live one, or the one O(generation) names. It fails, changing
        nothing, when there is no such generation or its interpreter no longer runs. The next run
        with V(present) rebuilds forward if the declared inputs differ from those the generation was
        built from; to make a rollback stick, declare what it holds (pin those versions).
      - A parent directory of O(path) that V(present) had to create is marked as the module's, and
        V(absent) removes it again once nothing else is in it.
    type: str
    choices: [present, absent, rollback]
    default: present
  generation:
    description:
      - With O(state=rollback), the generation to go back to, by its id (V(g2) or V(2)), as
        M(venvkit.python.venv_info) lists them. By default the newest one older than the live one.
    type: str
    version_added: 0.3.0
  upgrade:
    description:
      - Re-resolve the requirements against the index and install newer releases of what is not
        pinned (C(pip install --upgrade --upgrade-strategy eager), C(uv pip install --upgrade)), in a
        new generation. Check mode says exactly which packages would move, from what version to what.
      - Without it an unpinned requirement is not upgraded when a newer release appears, and a run
        whose inputs did not change starts no process.
    type: bool
    default: false
    version_added: 0.3.0
  python:
    description:
      - The interpreter to build the venv with, an absolute path or a name looked up in the system's
        directories C(/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin), like sudo's
        C(secure_path), never on the E(PATH) of whoever runs Ansible.
      - It and every directory above it must belong to root (or the user the module runs as) and
        not be writable by others; the run fails naming the one that is not.
      - When it resolves to another interpreter than the venv's, or the venv's interpreter was
        upgraded or removed, the venv is recreated.
      - Or a version request, such as V(3.13), V(3.13.5) or V(>=3.12,<3.14) (a bare version matches
        every release that starts with it). An interpreter of the system, in the directories above,
        that satisfies it and has the C(venv) module comes first (the newest of them), unless
        O(python_source) says otherwise; then the managed CPython of O(python_archive); then a managed
        CPython installed before under O(managed_pythons). The result's RV(python.source) and
        RV(python.reason) say which and why.
      - The choice is kept with the venv. While that interpreter's file is unchanged and still
        satisfies the request, a run starts no process to choose again; an interpreter of the system
        installed later is taken when the venv is next rebuilt for another reason.
    type: str
    default: python3
  python_source:
    description:
      - Where the interpreter of a version request in O(python) may come from.
      - V(auto) takes one of the system's first, then a managed one.
      - V(system) only the system's; V(managed) only a managed CPython.
    type: str
    choices: [auto, system, managed]
    default: auto
  python_archive:
    description:
      - A managed CPython for a version request in O(python), as a python-build-standalone C(install_only)
        archive (C(.tar.gz)), as uv installs them, named as that project names them
        (C(cpython-3.13.5+20250612-x86_64-unknown-linux-gnu-install_only.tar.gz)); the name gives the
        version and the platform, which must be the target's.
      - It is installed once per host and build, into C(<managed_pythons>/cpython-<version>+<build>-<platform>),
        a directory of root's that others cannot write, and shared by every venv built with it.
      - Nothing is unpacked unless the bytes match the SHA-256. Only directories, regular files and
        symbolic links that stay inside the tree are taken (no absolute names, no C(..), no devices or
        hard links); the tree is unpacked under a new name, run once to check its version, and renamed
        into place.
      - In check mode it is unpacked into a private temporary directory, to predict from; nothing is
        written under O(managed_pythons).
      - A directory of that name holding another build is never replaced; the run fails naming both hashes.
      - Each venv built with it is recorded in it. It stays while a kept generation of any venv uses it,
        and goes with the last one, when that venv moves to another interpreter and the generations
        that used it are pruned, or with O(state=absent).
    type: dict
    suboptions:
      src:
        description:
          - The archive on the controller (an absolute path, of root's or the controller user's). The
            module's action hashes it there and ships it only to targets that do not have that build yet.
          - Mutually exclusive with O(python_archive.path).
        type: str
      path:
        description:
          - The archive on the target.
        type: path
      url:
        description:
          - An C(http://) or C(https://) URL the target downloads the archive from, such as a company's
            mirror of python-build-standalone's releases. O(python_archive.sha256) is required.
          - The download is hashed as it is read, and only bytes that match are unpacked. User and
            password in the URL are sent as HTTP basic authentication and masked in every message.
        type: str
      name:
        description:
          - The archive's file name, when O(python_archive.path) or O(python_archive.src) is named otherwise.
        type: str
      sha256:
        description:
          - The archive's SHA-256. Required with O(python_archive.path) and O(python_archive.url).
          - With O(python_archive.src), the hash the archive must have, as published beside it. The
            action refuses, before anything reaches the target, a file that does not match, and reads the
            file only when a target needs it. Without it the action hashes the file on every run, and the
            target checks that what arrived is what was hashed.
        type: str
  python_downloads_json_url:
    description:
      - For a version request in O(python) that nothing on the target satisfies (neither the system's
        interpreters nor a managed CPython installed before), a list of python-build-standalone builds in
        the format of uv's C(download-metadata.json), as uv's C(--python-downloads-json-url) takes it;
        the target reads it and installs the newest default CPython build for its platform that satisfies
        the request, from the URL and with the SHA-256 the list gives (an entry without a SHA-256 is never
        taken), as O(python_archive.url) would.
      - It must be an C(https://) URL, or C(http://) on the target itself on a port below 1024, which only
        root can serve. The list names the hashes, so whoever could change it in transit, or serve it first,
        would choose the interpreter.
      - It is read only when a managed CPython has to be installed. A venv whose interpreter is recorded
        and unchanged, or a host that has one that satisfies the request, does not read it. With
        O(upgrade=true) it is read on every run, and a venv on a managed CPython moves to the newest
        release it lists when that is newer (the venv is recreated, with a RV(reason)).
      - Mutually exclusive with O(python_archive).
    type: str
  python_install_mirror:
    description:
      - Replaces C(https://github.com/astral-sh/python-build-standalone/releases/download) at the start of
        the URLs that O(python_downloads_json_url) lists, as uv's C(--mirror) does, for a company's copy of
        python-build-standalone's releases. The SHA-256 stays the one the list gives.
    type: str
  managed_pythons:
    description:
      - Where managed CPythons are installed. It and every directory above it must belong to root and
        not be writable by others.
    type: path
    default: /opt/venvkit/python
  requirements:
    description:
      - Requirements files on the target. C(-r) and C(-c) includes inside them are followed and
        their content is part of the fingerprint.
      - Each must be a regular UTF-8 file (through links), not writable by anyone but root, the user
        the module runs as or O(owner); an include loop fails the run naming the loop.
    type: list
    elements: path
    default: []
  packages:
    description:
      - Requirement specifiers, such as V(httpx[cli]) or V(ansible-core>=2.16,<2.22).
      - Options (anything starting with C(-)) are refused; they belong in O(pip_args).
    type: list
    elements: str
    default: []
  constraints:
    description:
      - Constraints files on the target (C(pip install -c)).
    type: list
    elements: path
    default: []
  inline_requirements:
    description:
      - Requirements files given by content rather than by path, for example files read on the
        controller with P(ansible.builtin.file#lookup). Check mode then sees a change made on the
        controller, and nothing needs copying to the target.
      - They are written into a private directory for the installer only while it runs. They may
        include each other by name with C(-r) and C(-c).
    type: list
    elements: dict
    default: []
    version_added: 0.3.0
    suboptions:
      name:
        description: File name, as other inline files include it; letters, digits and C(. _ @ -).
        type: str
        required: true
      content:
        description: The file's text.
        type: str
        required: true
  inline_constraints:
    description: Constraints files given by content, like O(inline_requirements).
    type: list
    elements: dict
    default: []
    version_added: 0.3.0
    suboptions:
      name:
        description: File name, as other inline files include it.
        type: str
        required: true
      content:
        description: The file's text.
        type: str
        required: true
  index_url:
    description:
      - Base URL of the package index (C(--index-url)). Credentials in it (C(https://user:secret@host/),
        C(https://token@host/)) are masked in every result and message.
      - Index URLs reach pip and uv through their environment, never their command line, which every
        local user can read.
    type: str
  extra_index_urls:
    description:
      - Extra package indexes (C(--extra-index-url)).
    type: list
    elements: str
    default: []
  find_links:
    description:
      - Directories or URLs with distributions to install from (C(--find-links)).
    type: list
    elements: str
    default: []
  no_index:
    description:
      - Ignore the package index; install only from O(find_links).
    type: bool
    default: false
  require_hashes:
    description:
      - Require a hash for every requirement (C(--require-hashes)); a mismatch fails the run and
        leaves the venv as it was.
    type: bool
    default: false
  pip_args:
    description:
      - Extra arguments for C(pip install), an escape hatch. They are part of the fingerprint.
      - Arguments that install elsewhere (C(--target), C(--prefix), C(--root), C(--user)) and URLs with
        credentials (use O(index_url) and O(extra_index_urls)) are refused.
    type: list
    elements: str
    default: []
  system_site_packages:
    description:
      - Give the venv access to the system site-packages. Changing it recreates the venv.
    type: bool
    default: false
  sync:
    description:
      - Make the installed set exactly what the requirements need, like C(pip-sync). Packages
        installed by hand are removed; C(pip), C(setuptools) and C(wheel) are kept.
    type: bool
    default: false
  force:
    description:
      - Rebuild the venv even when nothing changed.
    type: bool
    default: false
  owner:
    description:
      - User that every file of the venv belongs to. By default the files belong to the user the
        module runs as.
      - Every process that runs the venv's code (its python, pip, uv) then runs as that user, never as
        root, since that user can change the venv. The generations directory, the state and the lock
        stay root's.
      - Changing the owner rebuilds the venv rather than changing the owner of its files.
    type: str
  group:
    description:
      - Group that every file of the venv belongs to.
    type: str
  usable_by:
    description:
      - Users that must be able to run the venv's python and console scripts, such as the service
        account the venv is for. The run fails before anything changes, naming the directory or
        file whose mode stops them.
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  update:
    description:
      - V(atomic) builds every change in a new generation and swaps it in with one rename, so a
        failure never leaves a half-built venv and running programs keep their files.
        A real directory already at O(path) is moved into the generations once the new
        generation is built.
      - V(in_place) runs pip inside the live venv, which is faster for large venvs, but a failing pip
        run may leave it half upgraded. A new venv is built beside and renamed into place, so a
        failed or killed creation leaves none.
      - A directory at O(path) that the module did not build is never deleted. V(atomic) moves it
        into the generations directory; V(in_place) updates it in place and leaves it there on
        O(state=absent).
    type: str
    choices: [atomic, in_place]
    default: atomic
  keep_generations:
    description:
      - How many earlier generations to keep beside the active one with O(update=atomic).
    type: int
    default: 2
  link_scripts:
    description:
      - Symlink console scripts of the venv into a directory, such as C(/usr/local/bin), for
        programs that read neither C(/etc/profile.d) nor a service's environment.
      - Links this module made that the venv no longer provides are removed. A file or a link it did
        not make is never overwritten; the run fails and nothing changes.
    type: dict
    suboptions:
      dest:
        description: Directory to put the links in.
        type: path
        required: true
      scripts:
        description:
          - V(all) for every console script except those of C(pip), C(setuptools) and C(wheel), or
            a list of script names.
        type: list
        elements: str
        default: [all]
  installer:
    description:
      - What installs the packages. V(pip) runs the venv's own pip. V(uv) runs C(uv pip), which is
        many times faster on a cold venv. V(auto) uses uv when the target has it, else pip.
      - Both give the same package set for the same inputs; the result's RV(installer) says which ran.
    type: str
    choices: [auto, pip, uv]
    default: auto
  uv:
    description:
      - Path to the C(uv) executable. By default it is looked up on the target's E(PATH).
    type: path
  seed_pip:
    description:
      - With uv, still install C(pip) into the venv, because users and programs such as Semaphore call
        C(pip) inside it later. The pip wheel comes from the index options, else from the
        interpreter's own bundled wheel, else from C(ensurepip).
      - Venvs built with pip always have pip; one seeded with a pip older than 22.2 (Debian 11's
        20.3.4) gets a current one from the index or the interpreter, once, at creation.
    type: bool
    default: true
  wheelhouse:
    description:
      - A tar archive of wheels (flat, as the wheelhouse of the C(venvkit.python.venv) role is built) to
        unpack into O(wheelhouse.dir) before installing, in the same call.
      - Nothing is unpacked, and nothing is shipped, when O(wheelhouse.dir) already holds the wheels of
        O(wheelhouse.key). Otherwise the directory is replaced whole, in one rename, by a new one made
        beside it under an unguessable name.
      - The parent of O(wheelhouse.dir) must belong to root and be writable by nobody else, and the
        archive may hold only plain files with plain names.
      - In check mode the archive is unpacked into a private temporary directory, to predict from.
    type: dict
    suboptions:
      src:
        description:
          - The archive on the controller. The module's action ships it into the connection's temporary
            directory in the same call, and hashes it on the controller; the module unpacks it only if
            the bytes it reads match.
          - Mutually exclusive with O(wheelhouse.archive).
        type: str
      archive:
        description:
          - The archive's path on the target, removed after it is unpacked.
          - It must be a regular file of root's, unless O(wheelhouse.sha256) is given.
        type: path
      sha256:
        description:
          - The archive's SHA-256. Its bytes are copied while hashed, and only a copy that matches is
            unpacked; then the archive may belong to anyone.
          - Set by the action when O(wheelhouse.src) is given.
        type: str
      dir:
        description: The directory of wheels; it must also be among O(find_links).
        type: path
        required: true
      key:
        description: What identifies the archive's content; written into the directory last.
        type: str
        required: true
  lock_timeout:
    description:
      - Seconds to wait for another run on the same O(path) to finish. Concurrent runs are
        serialised; the later one then usually finds nothing to do. 0 or more.
    type: int
    default: 300
notes:
  - The fingerprint does not cover the content of the package index. An unpinned requirement is
    not upgraded when a newer release appears; set O(upgrade) to take newer releases on purpose.
  - Every generation keeps a software bill of materials (CycloneDX 1.5 JSON, with the wheels'
    SHA-256 where pip reported them) beside its state; M(venvkit.python.venv_info) returns it.
  - C(bin/activate) and its siblings in every generation name O(path), not the generation, so a
    shell activated before a swap follows it.
  - V(changed) reports a change of the system - the package set, the venv, its owner or the
    links. An input that changes but resolves to the same packages updates the recorded
    fingerprint and reports no change.
  - PEP 668 C(EXTERNALLY-MANAGED) markers are never touched; everything goes into the venv.
  - Safe to run as root on a host others use (see C(SECURITY.md) in the collection) - every file
    and directory it makes gets an explicit mode whatever the umask; it refuses to build in, read
    from or run anything that a user other than root (or O(owner), for what runs as O(owner)) could
    have written; and it removes only what it provably made.
  - A program started as a console script of the venv keeps the files of its generation until that
    generation is pruned (its first line names the generation). One started as C(<path>/bin/python)
    finds its modules through O(path), so after a swap it imports from the new generation.
  - The role C(venvkit.python.venv) installs the prerequisites, calls this module and puts the venv's
    C(bin) on PATH for login shells and services.
seealso:
  - module: ansible.builtin.pip
"""

EXAMPLES = r"""
- name: Current ansible-core on a host whose Python is older (Debian 12 has 3.11)
  venvkit.python.pip_venv:
    path: /opt/semaphore/venv
    python: "3.13"
    python_archive:
      src: /srv/pythons/cpython-3.13.5+20250612-x86_64-unknown-linux-gnu-install_only.tar.gz
    packages:
      - ansible-core>=2.21,<2.22

- name: Tools for Semaphore tasks in a venv
  venvkit.python.pip_venv:
    path: /opt/semaphore/venv
    requirements:
      - /opt/semaphore/requirements.txt
    packages:
      - ansible-core>=2.16,<2.22

- name: Install from a local wheel directory only, with hashes
  venvkit.python.pip_venv:
    path: /opt/tools/venv
    requirements:
      - /opt/tools/requirements.lock
    find_links:
      - /srv/wheels
    no_index: true
    require_hashes: true

- name: Exactly these packages, and their scripts in /usr/local/bin
  venvkit.python.pip_venv:
    path: /opt/tools/venv
    packages:
      - httpx[cli]==0.28.1
    sync: true
    link_scripts:
      dest: /usr/local/bin
      scripts:
        - httpx

- name: Requirements from the controller, by content, so that check mode sees changes made there
  venvkit.python.pip_venv:
    path: /opt/semaphore/venv
    inline_requirements:
      - name: requirements.txt
        content: "{{ lookup('ansible.builtin.file', 'requirements.txt') }}"
    usable_by: [semaphore]

- name: Build the venv and put its bin directory on PATH for shells and the semaphore service
  venvkit.python.pip_venv:
    path: /opt/semaphore/venv
    requirements:
      - /opt/semaphore/requirements.txt
    expose:
      name: semaphore
      services: [semaphore]

- name: Take newer releases of what is not pinned
  venvkit.python.pip_venv:
    path: /opt/semaphore/venv
    requirements:
      - /opt/semaphore/requirements.txt
    upgrade: true

- name: Go back to the previous generation
  venvkit.python.pip_venv:
    path: /opt/semaphore/venv
    state: rollback

- name: Remove the venv, its generations and its links
  venvkit.python.pip_venv:
    path: /opt/tools/venv
    state: absent
"""

RETURN = r"""
path:
  description: The path the venv is reached at.
  returned: always
  type: str
  sample: /opt/semaphore/venv
active:
  description: The real path of the active venv (its generation with O(update=atomic)).
  returned: when state=present
  type: str
  sample: /opt/semaphore/.venv.venvkit/g3
python:
  description: The venv's interpreter.
  returned: when state=present
  type: dict
  contains:
    path:
      description: The venv's C(bin/python).
      type: str
      sample: /opt/semaphore/venv/bin/python
    executable:
      description: The real path of the interpreter.
      type: str
      sample: /usr/bin/python3.12
    version:
      description: Its version.
      type: str
      sample: 3.12.8
    base:
      description: The interpreter the venv is built with (for a managed one installed in check mode, where it would be).
      type: str
      sample: /opt/venvkit/python/cpython-3.13.5+20250612-x86_64-unknown-linux-gnu/bin/python3
    source:
      description:
        - V(given) when O(python) names the interpreter; for a version request V(system) or V(managed).
      type: str
      sample: managed
    request:
      description: The version request of O(python).
      type: str
      returned: for a version request
      sample: "3.13"
    reason:
      description: Why that interpreter answers the request.
      type: str
      returned: for a version request
      sample: "no interpreter of the system satisfies 3.13; CPython 3.13.5 from cpython-3.13.5+20250612-x86_64-unknown-linux-gnu-install_only.tar.gz"
    sha256:
      description: The SHA-256 of the managed CPython's archive.
      type: str
      returned: for a managed interpreter
    installed:
      description: Whether this run installed the managed CPython (in check mode, would install it).
      type: bool
      returned: for a version request
python_archive_shipped:
  description: Whether the action sent O(python_archive.src) to the target, which it does only when the target
    has not got that build.
  returned: with O(python_archive.src)
  type: bool
removed_pythons:
  description:
    - The managed CPythons removed because no venv uses them any more (with O(state=absent), or once the
      generations that used one were pruned); in check mode, those that would be.
  returned: when any, and always with O(state=absent)
  type: list
  elements: str
needs:
  description:
    - V(python_archive) when the run needs the archive of O(python_archive) and was given its name and hash only;
      nothing was written. The action then ships O(python_archive.src) and runs the module again.
  returned: on that failure
  type: str
packages:
  description: The installed distributions, name to version (after the run, or as predicted in check mode).
  returned: when state=present
  type: dict
  sample: {"httpx": "0.28.1", "pip": "24.3.1"}
console_scripts:
  description: The console scripts the venv provides.
  returned: when state=present
  type: list
  elements: str
  sample: [httpx, pip, pip3]
installed:
  description: Packages newly installed, as C(name==version).
  returned: when state=present
  type: list
  elements: str
  sample: ["httpx==0.28.1"]
upgraded:
  description: Packages whose version changed, as C(name==new_version).
  returned: when state=present
  type: list
  elements: str
upgraded_from:
  description: What each package of RV(upgraded) moves from, as C(name==old_version), in the same order.
  returned: when state=present
  type: list
  elements: str
removed:
  description: Packages removed, as C(name==version).
  returned: when state=present
  type: list
  elements: str
created:
  description: Whether the venv was created.
  returned: when state=present
  type: bool
recreated:
  description: Whether the venv was rebuilt from scratch.
  returned: when state=present
  type: bool
reason:
  description: Why the venv was created, recreated or migrated.
  returned: when state=present
  type: str
  sample: the venv's interpreter changed from Python 3.11.7 to 3.12.8 (upgraded in place)
installer:
  description: The installer that was chosen, V(pip) or V(uv).
  returned: when state=present
  type: str
  sample: uv
fingerprint:
  description: The SHA-256 fingerprint of the inputs.
  returned: when state=present
  type: str
links:
  description: The links O(link_scripts) manages.
  returned: when state=present
  type: list
  elements: str
  sample: [/usr/local/bin/httpx]
links_changed:
  description: The links O(link_scripts) created and removed in this run.
  returned: when state=present and O(link_scripts) is set
  type: dict
  contains:
    created:
      description: Links made.
      type: list
      elements: str
    removed:
      description: Links removed because the venv no longer provides their script.
      type: list
      elements: str
migrated:
  description: Where a real directory found at O(path) was moved, inside the generations directory.
  returned: when a directory was migrated
  type: str
pruned:
  description: Earlier generations removed beyond O(keep_generations).
  returned: when a new generation was swapped in
  type: list
  elements: str
lock_waited:
  description: Seconds this run waited for another run on the same O(path).
  returned: when state=present, except in check mode
  type: float
kept:
  description:
    - Directories that were found at O(path), moved aside by the module, and that O(state=absent) keeps,
      since the module never removes what it did not make.
  returned: when state=absent
  type: list
  elements: str
pip_upgraded:
  description: The pip of a new venv was older than 22.2 and was upgraded, from where.
  returned: when it happened
  type: dict
  version_added: 0.3.0
pip_seeded_from:
  description: Where uv took the new venv's pip from (the index, the interpreter's bundled wheel, ensurepip).
  returned: when uv created a venv with O(seed_pip)
  type: str
  version_added: 0.3.0
rolled_back_from:
  description: The generation that was live before a rollback.
  returned: when state=rollback changed the live generation
  type: str
  version_added: 0.3.0
generation:
  description: The id of the generation a rollback made live.
  returned: when state=rollback
  type: str
  version_added: 0.3.0
removed_links:
  description: Links removed with the venv.
  returned: when state=absent
  type: list
  elements: str
removed_parent:
  description:
    - The parent directory of O(path), removed with the venv because this module created it and
      nothing else is in it now.
  returned: when state=absent removed it
  type: str
exposure:
  description:
    - What O(expose) did, as M(venvkit.python.path_exposure) returns it.
  returned: when O(expose) is set
  type: dict
  version_added: 0.2.0
  contains:
    profile:
      description: The profile.d script, or null when none is written.
      type: str
    service_manager:
      description: The service manager the drop-ins or blocks are for.
      type: str
    service_manager_running:
      description: Whether that service manager runs the host now.
      type: bool
    systemd_changed:
      description: Whether a systemd drop-in was written or removed (daemon-reload needed).
      type: bool
    systemd_running:
      description: Whether systemd runs the host now.
      type: bool
    services:
      description: The services with the venv on PATH.
      type: list
      elements: str
    services_changed:
      description: Listed services whose PATH this run wrote or changed.
      type: list
      elements: str
    services_removed:
      description: Services that lost the venv's PATH in this run.
      type: list
      elements: str
      version_added: 0.3.0
    files:
      description: Every file written or removed, with its action.
      type: list
      elements: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import redact
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.engine import PipVenv
from ansible_collections.venvkit.python.plugins.module_utils._venvkit import process
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.errors import VenvkitError
from ansible_collections.venvkit.python.plugins.module_utils._venvkit.options import PIP_VENV_OPTIONS


def main():
    module = AnsibleModule(argument_spec=PIP_VENV_OPTIONS, supports_check_mode=True)
    process.use(module.run_command)
    engine = PipVenv(module.params, check_mode=module.check_mode, diff_mode=module._diff)
    # Credentials are masked in the result and its invocation, including any
    # found later in a requirements file.
    module.no_log_values.update(engine.secrets)
    try:
        result = engine.execute()
    except VenvkitError as exc:
        module.no_log_values.update(engine.secrets)
        module.fail_json(msg=exc.msg, **exc.details)
    except Exception as exc:  # pylint: disable=broad-except
        module.no_log_values.update(engine.secrets)
        module.fail_json(msg='unexpected error: %s' % redact(str(exc), engine.secrets),
                         exception=redact(traceback.format_exc(), engine.secrets))
    module.no_log_values.update(engine.secrets)
    for warning in engine.warnings:
        module.warn(redact(warning, engine.secrets))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
