# Shared set-up of every .bats file: bats-support and bats-assert from node_modules
# (the test runner sets BATS_LIB_PATH to it), and the repository's root.
bats_load_library bats-support
bats_load_library bats-assert

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
export REPO_ROOT
KINDLING=(node "$REPO_ROOT/build/cli.js")
