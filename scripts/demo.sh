#!/usr/bin/env bash
# The README's main job: on a fresh machine, from nothing to a trained pose network and a
# picture of its predictions, in about ten minutes of training on two cores:
#   1. install the Debian dependencies and build the engine (release preset);
#   2. render the demo's synthetic-people dataset in the COCO layout (`hrnet-data synth --preset
#      demo`, 1000 images, 10% held out; data/synthetic-demo/, kept for reruns);
#   3. train the demo config (W16 HRNet, 128x96) on it with the official recipe, validating with
#      the official COCO AP on the held-out images after every epoch
#      (output/coco/pose_hrnet/w16_128x96_demo/: checkpoints, log.jsonl with the wall time of
#      every epoch, loss/accuracy/AP plots);
#   4. evaluate the best model with the official pipeline (flip test, OKS-NMS, AP table);
#   5. draw its predictions on held-out images (output/demo_pose*.png, output/demo_pose*.json).
#
# Knobs (environment): HRNET_DEMO_IMAGES (images to render, default 1000), HRNET_DEMO_EPOCHS
# (default from the config), HRNET_DEMO_DEVICE (cpu or cuda; default cuda when nvidia-smi sees a
# GPU), HRNET_PRESET (default release), HRNET_JOBS (build jobs).
# Real datasets: see README.md ("Real datasets").
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${HRNET_PRESET:-release}"
JOBS="${HRNET_JOBS:-$(nproc)}"
IMAGES="${HRNET_DEMO_IMAGES:-1000}"
CFG=experiments/demo/hrnet/w16_128x96_demo.yaml
DATA=data/synthetic-demo
OUT=output/coco/pose_hrnet/w16_128x96_demo
DEVICE="${HRNET_DEMO_DEVICE:-}"
if [ -z "$DEVICE" ]; then
  DEVICE=cpu
  if command -v nvidia-smi > /dev/null && nvidia-smi -L > /dev/null 2>&1; then DEVICE=cuda; fi
fi

bash scripts/install-deps.sh
cmake --preset "$PRESET" > /dev/null
cmake --build --preset "$PRESET" -j "$JOBS" --target hrnet-data hrnet-train hrnet-eval hrnet-infer
BIN="build/$PRESET/apps"
start=$(date +%s)

if [ ! -f "$DATA/annotations/person_keypoints_val2017.json" ]; then
  echo "== synthetic dataset (demo preset): $IMAGES images -> $DATA"
  "$BIN/hrnet-data/hrnet-data" synth --preset demo --out "$DATA" --images "$IMAGES" --seed 1
else
  echo "== synthetic dataset: using $DATA"
fi

EPOCHS=()
if [ -n "${HRNET_DEMO_EPOCHS:-}" ]; then EPOCHS=(TRAIN.END_EPOCH "$HRNET_DEMO_EPOCHS"); fi
echo "== training $CFG on the $DEVICE"
train_start=$(date +%s)
"$BIN/hrnet-train/hrnet-train" --cfg "$CFG" --device "$DEVICE" --progress lines "${EPOCHS[@]}"
train_s=$(( $(date +%s) - train_start ))

echo "== evaluating the best model (official pipeline, GT boxes, flip test)"
"$BIN/hrnet-eval/hrnet-eval" --cfg "$CFG" --device "$DEVICE" --out "$OUT/eval" \
  TEST.MODEL_FILE "$OUT/model_best.safetensors"

echo "== predictions on held-out images (detector boxes of the synthetic set)"
n=0
for IMAGE in $(ls "$DATA/images/val2017" | head -n 3); do
  suffix=$([ "$n" -eq 0 ] && echo "" || echo "_$n")
  "$BIN/hrnet-infer" --cfg "$CFG" --device "$DEVICE" --weights "$OUT/model_best.safetensors" \
    --image "$DATA/images/val2017/$IMAGE" \
    --boxes "$DATA/person_detection_results/COCO_val2017_detections_AP_H_56_person.json" \
    --box-thre 0.5 --out "output/demo_pose$suffix.png" --json "output/demo_pose$suffix.json"
  n=$((n + 1))
done

echo "== done in $(( $(date +%s) - start )) s after the build (training ${train_s} s):"
echo "   $OUT (checkpoints, log.jsonl, loss.svg, accuracy.svg, AP.svg), output/demo_pose*.png"
