#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU: configure and build with every core for
# this GPU's architecture only, run every test including [cuda], time hrnet-bench model for
# W32 and W48 at 256x192 (batch 32 and 1), the op table (cuDNN / cuBLAS per conv shape), the
# kernels tables (native convs against cuDNN, the fused exchange unit against the unfused
# sequence, our BN against cuDNN's) and the W32 step with the kernel registry choosing, then
# compare with PyTorch on the same GPU when it is installed, and print one report (also
# written to build/gpu/gpu-check-report.txt). Sized to finish within 9 minutes on an
# H100 machine with 16 cores: every step is cut off at its own cap and at DEADLINE, so the
# summary always prints. HRNET_GPU_CHECK_TORCH=0 skips the PyTorch part.
#
#   bash scripts/gpu-check.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
BUILD="${HRNET_GPU_BUILD:-build/gpu}"
JOBS="${HRNET_JOBS:-$(nproc)}"
ARCH="${HRNET_CUDA_ARCH:-native}"  # one architecture keeps the CUDA compile short
mkdir -p "$BUILD"
REPORT="$BUILD/gpu-check-report.txt"
START=$SECONDS
DEADLINE=530  # seconds after START by which every step has ended, so that the summary prints
FAILED=()

section() { printf '\n== %s  [%d s]\n' "$*" "$((SECONDS - START))"; }
# run [--cap SECS] CMD...: prints it, runs it for at most SECS and what is left before the
# DEADLINE (a hung or slow step must not take the report with it), remembers a failure.
run() {
  local cap=$DEADLINE rc
  if [ "$1" = --cap ]; then cap=$2; shift 2; fi
  local left=$((DEADLINE - (SECONDS - START)))
  [ "$left" -lt "$cap" ] && cap=$left
  echo "\$ $*"
  if [ "$left" -le 5 ]; then echo "!! SKIPPED (the ${DEADLINE} s budget is spent): $*"; FAILED+=("skipped: $*"); return 1; fi
  timeout -k 10 "$cap" "$@"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 124 ] && echo "!! TIMED OUT after $cap s: $*" || echo "!! FAILED ($rc): $*"
    FAILED+=("$*")
  fi
  return "$rc"
}

{
  section "machine"
  if ! command -v nvidia-smi >/dev/null; then echo "error: nvidia-smi not found: no GPU driver"; exit 2; fi
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
  echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $JOBS cores"
  command -v nvcc >/dev/null || export PATH="/usr/local/cuda/bin:$PATH"
  nvcc --version | tail -1

  section "configure and build (CUDA arch $ARCH, -j $JOBS)"
  GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
  run cmake -S . -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DHRNET_ENABLE_CUDA=ON \
      -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DCMAKE_CUDA_COMPILER="$(command -v nvcc)"
  run cmake --build "$BUILD" -j "$JOBS"
  if [ ! -x "$BUILD/tests/hrnet_cuda_tests" ]; then echo "error: the build failed; see above"; exit 1; fi

  section "tests: [cuda] parity"
  CUDA_TESTS="$BUILD/tests/hrnet_cuda_tests"
  run --cap 240 "$CUDA_TESTS" --reporter compact "[cuda]"
  rc=$?
  # A crash (a signal, e.g. an illegal address that kills the CUDA context) hides the result of
  # every test after it: then run each test case in its own process, so that the report says
  # which ones pass, fail or crash. Catch test specs split names at commas and brackets:
  # those are escaped.
  if [ "$rc" -ge 128 ] && [ "$rc" -ne 124 ]; then
    section "tests: [cuda] again, one process per test case (the run above crashed)"
    while IFS= read -r name; do
      [ -z "$name" ] && continue
      run --cap 60 "$CUDA_TESTS" --reporter compact "$(printf '%s' "$name" | sed 's/[],[\\]/\\&/g')" \
        && echo "   ok: $name"
    done < <("$CUDA_TESTS" --list-test-names-only "[cuda]" 2>/dev/null)
  fi

  BENCH="$BUILD/apps/hrnet-bench"
  for W in 32 48; do
    section "hrnet-bench model W$W 256x192 on CUDA"
    run --cap 150 "$BENCH" model --cfg "experiments/coco/hrnet/w${W}_256x192_adam_lr1e-3.yaml" --device cuda \
        --batch 32,1 --warmup 3 --repeat 10 --json "$BUILD/bench_w$W.json"
  done

  section "hrnet-bench ops W32 256x192 batch 32 on CUDA (cuDNN per shape, cuBLAS for 1x1)"
  run --cap 150 "$BENCH" ops --device cuda --width 32 --batch 32 --backward --warmup 3 --repeat 10

  section "hrnet-bench kernels W32 256x192 batch 32 (native convs vs cuDNN, fused exchange unit, BN vs cuDNN)"
  run --cap 120 "$BENCH" kernels --width 32 --image-height 256 --image-width 192 --batch 32 --warmup 2 --repeat 5 \
      --json "$BUILD/kernels_w32.json"

  section "hrnet-bench model W32 256x192 with the kernel registry choosing per conv shape and exchange unit (HRNET_KERNELS=auto)"
  # The same step as above with our convolutions wherever the registry finds them correct and
  # faster (its choices go to $BUILD/kernels.json); compare with the cuDNN-only run above.
  HRNET_KERNELS=auto HRNET_KERNEL_CACHE="$BUILD/kernels.json" run --cap 120 "$BENCH" model \
      --cfg experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml --device cuda --batch 32 --warmup 3 --repeat 10 \
      --json "$BUILD/bench_w32_registry.json"

  # The CPU suite after the GPU measurements (it needs no GPU, but with one present pinned
  # memory is live), so that a slow CPU suite cannot crowd them out of the budget.
  section "tests: every other test through CTest (log: $BUILD/ctest.log)"
  run --cap 240 ctest --test-dir "$BUILD" -j "$JOBS" -LE cuda --output-on-failure --timeout 300 > "$BUILD/ctest.log" 2>&1
  tail -5 "$BUILD/ctest.log"

  if [ "${HRNET_GPU_CHECK_TORCH:-1}" != 0 ] && python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    section "PyTorch on the same GPU"
    # What is left of the 9 minutes, less a margin: torch.compile is the slow part.
    LEFT=$((520 - (SECONDS - START)))
    if [ "$LEFT" -gt 60 ]; then
      run --cap "$LEFT" python3 benchmarks/pytorch_gpu_model.py --ours "$BUILD/bench_w32.json" \
          "$BUILD/bench_w48.json" --json "$BUILD/pytorch_gpu.json"
    else
      echo "skipped: only $LEFT s of the budget left"
    fi
  else
    section "PyTorch: not installed with CUDA here, comparison skipped"
  fi

  section "summary"
  if [ "${#FAILED[@]}" -eq 0 ]; then echo "gpu-check: all steps passed"; else
    echo "gpu-check: ${#FAILED[@]} step(s) failed:"; printf '  %s\n' "${FAILED[@]}"; fi
  echo "total $((SECONDS - START)) s; record the numbers in docs/results.md with the GPU, the date and the command"
  [ "${#FAILED[@]}" -eq 0 ]
} 2>&1 | tee "$REPORT"
exit "${PIPESTATUS[0]}"
