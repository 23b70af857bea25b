"""Class 4 of SECURITY.md: index credentials are never on a command line, where
every local user reads them, and never in a result, message or invocation."""

import base64
import http.server
import os
import threading
import time

import pytest

from helpers import run_module


class SlowIndex:
    """A PEP 503 index over a wheel directory that wants a password and answers slowly,
    so that pip runs long enough for its command line to be read."""

    def __init__(self, wheels, user, password):
        self.seen_auth = []
        index = self
        token = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):  # noqa: N802
                self.do_GET(head=True)

            def do_GET(self, head=False):  # noqa: N802
                index.seen_auth.append(self.headers.get('Authorization') == 'Basic ' + token)
                time.sleep(0.5)
                parts = [p for p in self.path.split('/') if p]
                if len(parts) == 2 and parts[0] == 'simple':
                    name = parts[1].replace('-', '_')
                    links = ''.join('<a href="/files/%s">%s</a>' % (f, f) for f in sorted(os.listdir(wheels))
                                    if f.startswith(name + '-'))
                    body, kind = ('<html><body>%s</body></html>' % links).encode(), 'text/html'
                elif len(parts) == 2 and parts[0] == 'files':
                    with open(os.path.join(wheels, parts[1]), 'rb') as handle:
                        body, kind = handle.read(), 'application/octet-stream'
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Type', kind)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://%s:%s@127.0.0.1:%d/simple/' % (user, password, self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def command_lines():
    found = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                    found.append(handle.read().replace(b'\0', b' ').decode('utf-8', 'replace'))
            except OSError:
                continue
    return found


@pytest.mark.parametrize('installer', ['pip', 'uv'])
def test_the_index_password_is_never_on_a_command_line(run, installer):
    secret = 'cmdline-s3cret-%s' % installer
    index = SlowIndex(run.wheelhouse, 'deploy', secret)
    leaked = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            leaked.extend(line for line in command_lines() if secret in line)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        params = dict(packages=['vkdemo==1.0'], no_index=False, find_links=[], index_url=index.url,
                      installer=installer, seed_pip=False)
        if installer == 'uv':
            from helpers import UV
            params['uv'] = UV
        result = run(**params)
    finally:
        done.set()
        watcher.join()
        index.stop()
    assert result['packages']['vkdemo'] == '1.0'
    assert any(index.seen_auth), 'the installer never sent the password: the test proves nothing'
    assert leaked == []


@pytest.mark.parametrize('case', ['token only', 'raw @ in the password', 'percent-encoded', 'pip_args',
                                  'direct URL', 'inline requirements', 'downloads JSON', 'install mirror'])
def test_every_credential_form_is_masked_in_the_result_and_invocation(run, case):
    secret = 'm4sk-me-%d' % len(case)
    args = run.params(packages=['vkextra'], no_index=False, find_links=[],
                      pip_args=['--retries', '0', '--timeout', '1'])
    if case == 'token only':
        args['index_url'] = 'http://%s@127.0.0.1:9/simple' % secret
    elif case == 'raw @ in the password':
        secret = 'p@ss-' + secret
        args['index_url'] = 'http://deploy:%s@127.0.0.1:9/simple' % secret
    elif case == 'percent-encoded':
        args['index_url'] = 'http://deploy:%s%%21x@127.0.0.1:9/simple' % secret
    elif case == 'pip_args':
        args['pip_args'] = ['--index-url=http://deploy:%s@127.0.0.1:9/simple' % secret]
    elif case == 'direct URL':
        args['packages'] = ['vkextra @ http://deploy:%s@127.0.0.1:9/vkextra-1.0-py3-none-any.whl' % secret]
    elif case in ('downloads JSON', 'install mirror'):
        # A managed CPython from a list that cannot be read: the run fails before any install.
        args.update(python='3.13', python_source='managed', managed_pythons=os.path.join(run.root, 'pythons'),
                    python_downloads_json_url='http://deploy:%s@127.0.0.1:9/d.json' % secret)
        if case == 'install mirror':
            args['python_downloads_json_url'] = 'http://127.0.0.1:9/d.json'
            args['python_install_mirror'] = 'https://deploy:%s@mirror.example/pbs' % secret
    else:
        args['inline_requirements'] = [dict(name='r.txt', content='--index-url http://u:%s@127.0.0.1:9/s\nvkextra\n'
                                            % secret)]
    rc, result, raw = run_module(args, env=run.env, verbosity=4)
    assert rc != 0 and result['failed']
    # Releases before 2.21 return the invocation with a failure, 2.21 not always:
    # either way nothing the module prints may hold the secret.
    assert secret not in raw
    assert secret.split('@')[-1] not in raw
