#!/usr/bin/env bash
# The README's test command: install the deps, configure the `release` preset (CPU + CUDA code;
# CPU-only if nvcc is absent), build everything, run every test through CTest.
# [cuda] tests report themselves skipped where no GPU exists.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${HRNET_PRESET:-release}"
JOBS="${HRNET_JOBS:-$(nproc)}"

bash scripts/install-deps.sh
export HRNET_TEST_DATA="${HRNET_TEST_DATA:-$(cd .. && pwd)/shared/data}"
cmake --preset "$PRESET"
cmake --build --preset "$PRESET" -j "$JOBS"
ctest --preset "$PRESET" -j "$JOBS"
