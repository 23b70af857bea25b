#!/bin/sh
# Docs: antsibull-docs lints the collection's documentation (module and role
# docs render for the docsite, references resolve), and the README's role
# variable table must agree with the role's meta/argument_specs.yml.
set -eu
. "$(dirname "$0")/../lib/env.sh"
cd "$VENVKIT_ROOT"

sh "$VENVKIT_ROOT/tests/lib/gates.sh"

status=0
echo "--- antsibull-docs lint-collection-docs"
# The collection as Ansible sees it (ansible_collections/venvkit/python), so
# that ansible-doc finds its plugins and roles.
antsibull-docs lint-collection-docs --plugin-docs \
    --validate-collection-refs dependent --disallow-unknown-collection-refs \
    "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/venvkit/python" || status=1

echo "--- README variable table against argument_specs.yml"
python -m pytest -q --tb=line -p no:cacheprovider tests/docs || status=1
exit "$status"
