"""The pinned list of test inputs (tests/pins.txt): a file the tests fetched is used only when pinned, by hash."""

import hashlib
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness import pins  # noqa: E402  pylint: disable=wrong-import-position

WHEEL = b'PK\x05\x06' + b'\x00' * 18


def _pin_list(tmp_path, monkeypatch, text):
    path = tmp_path / 'pins.txt'
    path.write_text(text)
    monkeypatch.setattr(pins, 'PINS', path)
    monkeypatch.setattr(pins, 'BUILD', tmp_path / 'build')


def _wheel(directory, name, data=WHEEL):
    directory.mkdir(exist_ok=True)
    (directory / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_a_pinned_file_with_its_hash_passes(tmp_path, monkeypatch):
    digest = _wheel(tmp_path / 'wheels', 'pip-26.0.1.post1-py3-none-any.whl')
    _pin_list(tmp_path, monkeypatch, '# [scenarios] x\npip==26.0.1.post1 ; python_full_version < "3.10" \\\n'
                                     '    --hash=sha256:%s\n' % digest)
    assert pins.check(tmp_path / 'wheels') == 1


def test_a_newer_release_on_the_index_fails_by_name(tmp_path, monkeypatch):
    digest = _wheel(tmp_path / 'wheels', 'pip-26.0.1-py3-none-any.whl')
    _wheel(tmp_path / 'wheels', 'pip-26.0.1.post1-py3-none-any.whl', WHEEL + b'new')
    _pin_list(tmp_path, monkeypatch, '# [scenarios] x\npip==26.0.1 \\\n    --hash=sha256:%s\n' % digest)
    with pytest.raises(pins.PinError, match=r'pip-26\.0\.1\.post1-py3-none-any\.whl: pip==26\.0\.1\.post1 is not in'):
        pins.check(tmp_path / 'wheels')


def test_other_bytes_under_a_pinned_version_fail(tmp_path, monkeypatch):
    digest = _wheel(tmp_path / 'wheels', 'idna-3.20-py3-none-any.whl')
    (tmp_path / 'wheels' / 'idna-3.20-py3-none-any.whl').write_bytes(WHEEL + b'tampered')
    _pin_list(tmp_path, monkeypatch, '# [scenarios] x\nidna==3.20 --hash=sha256:%s\n' % digest)
    with pytest.raises(pins.PinError, match='its sha256 is not the one pinned for idna==3.20'):
        pins.check(tmp_path / 'wheels')


def test_constraints_keep_markers_and_leave_out_what_a_spec_pins_itself(tmp_path, monkeypatch):
    _pin_list(tmp_path, monkeypatch, '# [benchmarks] x\nclick==8.3.0 --hash=sha256:%s\nanyio==4.12.1 ; '
                                     'python_full_version < "3.10" --hash=sha256:%s\n' % ('a' * 64, 'b' * 64))
    text = pins.constraints('benchmarks', leave_out=('Click',)).read_text()
    assert text == 'anyio==4.12.1 ; python_full_version < "3.10"\n'
    with_hashes = pins.constraints('benchmarks', hashes=True).read_text()
    assert '--hash=sha256:' + 'a' * 64 in with_hashes


def test_the_list_in_the_repository_pins_every_set_the_tests_use():
    sets = pins.sections()
    assert set(pins.SETS) <= set(sets)
    for name, entries in sets.items():
        assert entries, name
        for dist, version, digests, dummy in entries:
            assert digests, '%s==%s in set %s has no hash' % (dist, version, name)
