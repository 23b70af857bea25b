# shellcheck shell=sh
# Points Ansible at the built collection artifact (tests/lib/artifact.sh),
# so that tests run what users install, plus containers.podman, which
# Molecule's Podman driver needs. Galaxy cannot be reached: containers.podman
# comes from the `ansible` package on PyPI, without its dependencies.
# Source it, then call collection_use_artifact, or collection_bundle for the
# path of the bundled collections alone.

# The `ansible` release whose bundled collections go with ansible-core 2.19.
VENVKIT_ANSIBLE_BUNDLE=${VENVKIT_ANSIBLE_BUNDLE:-ansible==12.*}

collection_bundle() {
    bundle="$VENVKIT_BUILD/ansible-pkg"
    if [ ! -d "$bundle/ansible_collections/containers/podman" ]; then
        echo "collection: installing the collections of $VENVKIT_ANSIBLE_BUNDLE" >&2
        rm -rf "$bundle"
        pip install -qq --disable-pip-version-check --no-deps --target "$bundle" \
            "$VENVKIT_ANSIBLE_BUNDLE" >&2 || return 1
    fi
    printf '%s\n' "$bundle"
}

collection_use_artifact() {
    bundle=$(collection_bundle) || return 1
    tree=$(sh "$VENVKIT_ROOT/tests/lib/artifact.sh") || return 1
    ANSIBLE_COLLECTIONS_PATH="$tree:$bundle"
    export ANSIBLE_COLLECTIONS_PATH
}
