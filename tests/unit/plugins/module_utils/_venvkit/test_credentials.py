"""credentials.py: which parts of a URL are secrets, and how they are masked (pip's rules)."""

import pytest

from ansible_collections.venvkit.python.plugins.module_utils._venvkit.credentials import (
    redact, secrets_in, strip_credentials)


@pytest.mark.parametrize('text, secrets, masked', [
    ('https://deploy:s3cret@pypi.example/simple', ['s3cret'], 'https://deploy:********@pypi.example/simple'),
    ('https://TOKEN123@pypi.example/simple', ['TOKEN123'], 'https://********@pypi.example/simple'),
    ('https://u:p@ss@host/simple', ['p@ss'], 'https://u:********@host/simple'),
    ('https://u:p%40ss@host/simple', ['p%40ss', 'p@ss'], 'https://u:********@host/simple'),
    ('vkdemo @ https://u:pw@host/vkdemo-1.0-py3-none-any.whl', ['pw'],
     'vkdemo @ https://u:********@host/vkdemo-1.0-py3-none-any.whl'),
    ('--index-url=https://u:pw2@host/s', ['pw2'], '--index-url=https://u:********@host/s'),
    ('git+ssh://git@github.com/x/y.git', [], 'git+ssh://git@github.com/x/y.git'),
    ('git+https://github.com/x/y.git@v1.0', [], 'git+https://github.com/x/y.git@v1.0'),
    ('https://pypi.example/simple', [], 'https://pypi.example/simple'),
])
def test_secrets_and_masks(text, secrets, masked):
    assert sorted(secrets_in(text)) == sorted(secrets)
    assert redact(text, secrets_in(text)) == masked


def test_secrets_in_nested_options_and_free_text():
    found = secrets_in({'a': ['https://u:one@h/', {'b': 'https://two@h/'}], 'c': 'no url here'})
    assert sorted(found) == ['one', 'two']
    assert redact('pip said: one failed', found) == 'pip said: ******** failed'


def test_strip_credentials_keeps_the_host():
    assert strip_credentials('https://u:p@ss@host:8080/simple') == 'https://host:8080/simple'
