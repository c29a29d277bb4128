#!/usr/bin/env bash
# The README's main job (until training lands, issue 6): build the engine and show what it
# does on this machine with no dataset needed:
#   1. the network summary of the official HRNet-W32 config (params, multiply-adds),
#   2. the CPU op benchmark (every HRNet-W32 conv shape vs. an Eigen GEMM of the same size),
#   3. the whole-network timing (eval forward and training step per image).
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${HRNET_PRESET:-release}"
JOBS="${HRNET_JOBS:-$(nproc)}"

bash scripts/install-deps.sh
cmake --preset "$PRESET" > /dev/null
cmake --build --preset "$PRESET" -j "$JOBS" --target hrnet-bench hrnet-infer
BIN="build/$PRESET/apps"

echo "== network summary: HRNet-W32, COCO 256x192"
"$BIN/hrnet-bench" summary --cfg experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml
echo
echo "== CPU conv benchmark: HRNet-W32 shapes at 256x192, batch 8"
"$BIN/hrnet-bench" ops --device cpu --batch 8 --repeat 3
echo
echo "== whole network on the CPU: HRNet-W32 256x192"
"$BIN/hrnet-bench" model --cfg experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml --device cpu --batch 1,4 --repeat 2
