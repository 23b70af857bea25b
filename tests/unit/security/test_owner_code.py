"""Class 3 of SECURITY.md: code the venv's owner controls never runs as root."""

import os
import time

from conftest import NOBODY, as_nobody


def test_a_pth_file_planted_by_the_owner_runs_as_the_owner_not_root(open_run):
    first = open_run(packages=['vkdemo==1.0'], owner='nobody')
    site = [p for p in (os.path.join(first['active'], 'lib', d, 'site-packages')
                        for d in os.listdir(os.path.join(first['active'], 'lib'))) if os.path.isdir(p)][0]
    proof = os.path.join(open_run.root, 'who-ran-it')
    os.mkdir(proof)
    os.chmod(proof, 0o1777)
    code = "import os; open(os.path.join(%r, str(os.getuid()) + '-' + str(time.time())), 'w').close()" % proof
    planted = as_nobody(['sh', '-c', 'echo "import time; $1" > "$2/zz-planted.pth"', 'sh', code, site])
    assert planted.returncode == 0, planted.stdout
    # A change of inputs: dry run, clone and install in the owner's venv.
    time.sleep(0.01)
    result = open_run(packages=['vkdemo==2.0'], owner='nobody')
    assert result['changed']
    runs = os.listdir(proof)
    assert runs, 'the planted .pth never ran: the test proves nothing'
    assert all(name.startswith('%d-' % NOBODY) for name in runs), runs


def test_the_owners_venv_is_built_by_the_owner(open_run):
    result = open_run(packages=['vkdemo==1.0'], owner='nobody')
    uids = set()
    for top, dirs, files in os.walk(result['active']):
        for name in dirs + files:
            uids.add(os.lstat(os.path.join(top, name)).st_uid)
    assert uids == {NOBODY}
    # and what decides what the module made stays root's
    assert os.stat(result['active'] + '.json').st_uid == 0
    assert os.lstat(open_run.path).st_uid == 0
