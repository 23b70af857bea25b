"""A package index on 127.0.0.1 for containers, which cannot reach PyPI.

wheels() fills a directory of wheels for the containers' Pythons: uv
resolves each spec for that Python and platform, and the host's pip
downloads exactly those pins. Server serves a directory over HTTP, and pip
reads its listing through --find-links.

As a program, for demo/run:
    python tests/harness/index.py wheels NAME PYVERSIONS SPEC...   prints the directory
    python tests/harness/index.py serve DIR                        prints the URL, serves until stopped
"""

import functools
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

if __package__ in (None, ''):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import pins  # noqa: E402  pylint: disable=wrong-import-position
from harness.env import BUILD, tool  # noqa: E402  pylint: disable=wrong-import-position

GLIBC = ['manylinux_2_28_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'linux_x86_64']
# For the musl python3 of the Alpine image (tests/lib/alpine-image.sh).
MUSL = ['musllinux_1_2_x86_64', 'musllinux_1_1_x86_64']


def wheels(name: str, pythons: str, specs: list[str], platforms: list[str] | None = None,
           pin_set: str = 'scenarios') -> Path:
    """The wheels of each spec and of all it needs on each Python of pythons ("3.9 3.13").

    Downloaded once into build/wheels/NAME; NAME/.pins-<version> says which. Resolved within
    pin_set of tests/pins.txt.
    manylinux (glibc) wheels, unless platforms names others (MUSL).
    """
    dest = BUILD / 'wheels' / name
    stamp = dest / '.specs'
    # "uv": sets from before uv resolved them may lack dependencies.
    want = 'uv %s %s' % (pythons, ' '.join(specs))
    uv_platform = 'x86_64-manylinux_2_28'
    if platforms:
        want += ' [%s]' % ' '.join(platforms)
        if any('musllinux' in platform for platform in platforms):
            uv_platform = 'x86_64-unknown-linux-musl'
    # Resolved within the pinned list (tests/pins.txt), and checked against its hashes.
    # A spec's own == pin wins over the set's (the guide pins httpx 0.28.1); its files must still be pinned.
    exact = tuple(re.split(r'[=<>\[ ;]', spec, maxsplit=1)[0] for spec in specs if '==' in spec)
    constraints = pins.constraints(pin_set, leave_out=exact, hashes=True)
    want += ' ' + constraints.name
    if stamp.is_file() and stamp.read_text().strip() == want:
        return dest
    # What other pins brought goes: the check below sees this download only.
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True, exist_ok=True)
    # The controller of controller.py has no network: VENVKIT_OFFLINE_WHEELS
    # names its wheel directory, given to uv and pip themselves (uv pip
    # compile reads no pip.conf, and no variable makes it skip the index).
    offline = os.environ.get('VENVKIT_OFFLINE_WHEELS')
    sources = ['--no-index', '--find-links', offline] if offline else []
    # Beyond the pins (a spec the list lacks), uv sees the index as it was at the snapshot.
    snapshot = [] if offline else ['--exclude-newer', pins.SNAPSHOT]
    for python in pythons.split():
        # pip download evaluates environment markers for the Python it runs
        # on, so for another Python it misses conditional dependencies (anyio
        # needs exceptiongroup below 3.11). uv resolves for the Python and
        # platform it is given; pip fetches exactly those pins.
        pinned = dest / ('.pins-' + python)
        subprocess.run([tool('uv'), 'pip', 'compile', '--quiet', '--no-header', '--no-annotate', '--system-certs',
                        '--cache-dir', str(BUILD / 'uv-cache'), '--only-binary', ':all:', '--no-config',
                        '--constraint', str(constraints)] + sources + snapshot
                       + ['--python-version', python, '--python-platform', uv_platform, '-o', str(pinned), '-'],
                       input='\n'.join(specs) + '\n', text=True, check=True)
        platform_options = [option for platform in platforms or GLIBC for option in ('--platform', platform)]
        subprocess.run([tool('pip'), 'download', '-qq', '--disable-pip-version-check', '-d', str(dest), '--no-deps']
                       + sources + ['--only-binary=:all:', '--python-version', python] + platform_options
                       + ['-r', str(pinned)], check=True)
    pins.check(dest)
    stamp.write_text(want + '\n')
    return dest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


class Server:
    """Serves a directory on a free port of 127.0.0.1 while the with block runs."""

    def __init__(self, directory: Path | str) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
        self.url = 'http://127.0.0.1:%d/' % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> 'Server':
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving; nothing may need the index afterwards."""
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.thread.join()
        self.httpd.server_close()


def main(argv: list[str]) -> int:
    if len(argv) >= 4 and argv[1] == 'wheels':
        print(wheels(argv[2], argv[3], argv[4:]))
        return 0
    if len(argv) == 3 and argv[1] == 'serve':
        server = Server(argv[2])
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print(server.url, flush=True)
        try:
            server.httpd.serve_forever()
        finally:
            server.httpd.server_close()
        return 0
    sys.stderr.write('usage: index.py wheels NAME PYVERSIONS SPEC... | index.py serve DIR\n')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
