"""The test wheelhouse, for the unit tests: the same builder as the integration targets' setup_venvkit.

It lives in tests/integration/targets/setup_venvkit/files/wheels.py, since
ansible-test copies only the integration targets where it runs them.
"""

import importlib.util
import os

_SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       'integration', 'targets', 'setup_venvkit', 'files', 'wheels.py')
_SPEC = importlib.util.spec_from_file_location('venvkit_test_wheels', _SOURCE)
_BUILDER = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_BUILDER)

build_wheel = _BUILDER.build_wheel
build_wheelhouse = _BUILDER.build_wheelhouse
sha256_file = _BUILDER.sha256_file
