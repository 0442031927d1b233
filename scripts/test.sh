#!/bin/bash
# test.sh - install what is missing, build everything, run the suite.
# This is the README's test command and what CI runs.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make -s all
exec tests/run "$@"
