#!/usr/bin/env bash
# The README's main job: on a fresh machine, from nothing to a trained pose network and a
# picture of its predictions, in about ten minutes on two cores:
#   1. install the Debian dependencies and build the engine (release preset);
#   2. render a synthetic-people dataset in the COCO layout (data/synthetic/, kept for reruns);
#   3. train the demo config (a narrow HRNet, 128x96) on it with the official recipe, validating
#      with COCO AP after every epoch (output/coco/pose_hrnet/w8_128x96_demo/);
#   4. evaluate the best model with the official pipeline (flip test, OKS-NMS, AP table);
#   5. draw its predictions on a held-out image (output/demo_pose.png, output/demo_pose.json).
#
# Knobs (environment): HRNET_DEMO_IMAGES (synthetic images, default 300), HRNET_DEMO_EPOCHS
# (default from the config), HRNET_PRESET (default release), HRNET_JOBS (build jobs).
# Real datasets: see README.md ("Real datasets").
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${HRNET_PRESET:-release}"
JOBS="${HRNET_JOBS:-$(nproc)}"
IMAGES="${HRNET_DEMO_IMAGES:-300}"
CFG=experiments/demo/hrnet/w8_128x96_demo.yaml
DATA=data/synthetic
OUT=output/coco/pose_hrnet/w8_128x96_demo

bash scripts/install-deps.sh
cmake --preset "$PRESET" > /dev/null
cmake --build --preset "$PRESET" -j "$JOBS" --target hrnet-data hrnet-train hrnet-eval hrnet-infer
BIN="build/$PRESET/apps"
start=$(date +%s)

if [ ! -f "$DATA/annotations/person_keypoints_val2017.json" ]; then
  echo "== synthetic dataset: $IMAGES images -> $DATA"
  "$BIN/hrnet-data/hrnet-data" synth --out "$DATA" --images "$IMAGES" --seed 1
else
  echo "== synthetic dataset: using $DATA"
fi

EPOCHS=()
if [ -n "${HRNET_DEMO_EPOCHS:-}" ]; then EPOCHS=(TRAIN.END_EPOCH "$HRNET_DEMO_EPOCHS"); fi
echo "== training $CFG on the CPU"
"$BIN/hrnet-train/hrnet-train" --cfg "$CFG" --progress lines "${EPOCHS[@]}"

echo "== evaluating the best model (official pipeline, GT boxes, flip test)"
"$BIN/hrnet-eval/hrnet-eval" --cfg "$CFG" --out "$OUT/eval" TEST.MODEL_FILE "$OUT/model_best.safetensors"

IMAGE=$(ls "$DATA/images/val2017" | head -n 1)
echo "== predictions on $DATA/images/val2017/$IMAGE (detector boxes of the synthetic set)"
"$BIN/hrnet-infer" --cfg "$CFG" --weights "$OUT/model_best.safetensors" \
  --image "$DATA/images/val2017/$IMAGE" \
  --boxes "$DATA/person_detection_results/COCO_val2017_detections_AP_H_56_person.json" \
  --box-thre 0.5 --out output/demo_pose.png --json output/demo_pose.json

echo "== done in $(( $(date +%s) - start )) s (after the build): $OUT (checkpoints, log.jsonl, plots), output/demo_pose.png"
