#!/usr/bin/env bash
# GPU verification in one command, for a machine with an NVIDIA GPU, PyPI
# torch (its LibTorch), nvcc, meson and ninja, and no GStreamer, OpenCV or
# dlib:
#
#   tools/gpu/verify.sh [OUT_DIR]        (default: $OUT, else out/gpu)
#
# 1. builds core/ (CUDA kernels included) and gpu-check with -Dcore_only=true
#    in build-gpu/ (kept between runs);
# 2. gpu-check: CUDA output against CPU output on the same frames (fp32 tight,
#    fp16 looser, padded BGRx rows, half-strength blend; the element's
#    memory:CUDAMemory entry point, Engine::cartoonize_device_frame, on the same
#    padded frame already in GPU memory against the host-staged path); the
#    face warp and paste on the GPU (core/face_warp.h) against the OpenCV
#    path's own output (faces-*.pt references in FRAMES) and
#    Engine::cartoonize_device_faces on the GPU against the CPU engine
#    (mode=face and mode=both); CUDA graphs against eager frame by frame
#    through two frame-size changes (fp32 @256, fp16 full), with the replay
#    count; then the frame-mode benchmark on the GPU (640x480, 1280x720,
#    1920x1080; fp32 and fp16; CUDA graphs off and on; full resolution and
#    inference sizes 256 and 512) next to baseline (a), plain eager fp32 with
#    host<->device copies, in the same run, and the device face path with 1,
#    3 and 8 faces at 1920x1080;
# 3. baseline (c): tools/bench/eager_baseline.py, PyTorch eager from Python on
#    the same weights and frame, fp32 and fp16;
# and writes gpu-check.md/.csv, eager_python.csv, environment.txt and the log
# to OUT_DIR. Exit status: non-zero when the build or a check failed.
#
# Frames: FRAMES (default out/gpu-frames) with frame-WxH.ppm files and the
# faces-*.pt references made on the development machine (OpenCV, dlib) by
# `meson devenv -C build cartoonize-bench --save-frames out/gpu-frames --quick
# --no-faces --no-gst --threads 2 --reps 1` from the shared photos (carry that
# folder to the GPU machine, about 30 MB); missing frames are replaced by
# synthetic ones, missing references fail the face checks.
#
# Time: one 10-minute call on a 16-core GPU machine is the budget. The build
# (core and gpu-check only) is the largest part; gpu-check runs under
# `timeout $GPU_CHECK_TIMEOUT` (default 360 s) so the log and environment
# still come back when something hangs.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT_DIR=${1:-${OUT:-out/gpu}}
BUILD=${BUILD:-build-gpu}
FRAMES=${FRAMES:-out/gpu-frames}
# The default style's model (models/styles/, or the older models/default.ctzm).
MODEL=${MODEL:-$(ls models/styles/ink.ctzm models/default.ctzm 2>/dev/null | head -n 1)}
mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/verify.log"
: > "$LOG"
step() { echo "== $*" | tee -a "$LOG"; }
fail() { echo "verify.sh: $*" | tee -a "$LOG" >&2; exit 1; }

step "environment"
{
  date -u
  nvidia-smi || echo "nvidia-smi: not available"
  nvcc --version | tail -n 2
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
  nproc
} > "$OUT_DIR/environment.txt" 2>&1
cat "$OUT_DIR/environment.txt" >> "$LOG"

step "configure + build ($BUILD, core_only, cuda enabled)"
t0=$(date +%s)
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dcore_only=true -Dcuda=enabled -Dtests=false >> "$LOG" 2>&1 ||
    { tail -n 30 "$LOG"; fail "meson setup failed (see $LOG)"; }
fi
ninja -C "$BUILD" tools/gpu/gpu-check >> "$LOG" 2>&1 || { tail -n 40 "$LOG"; fail "build failed (see $LOG)"; }
step "built in $(( $(date +%s) - t0 )) s"

step "gpu-check (checks + benchmark)"
ls "$FRAMES"/faces-*.pt > /dev/null 2>&1 ||
  echo "verify.sh: no faces-*.pt in $FRAMES: the face warp/paste checks against OpenCV will fail" | tee -a "$LOG"
timeout "${GPU_CHECK_TIMEOUT:-360}" meson devenv -C "$BUILD" --workdir "$PWD" "$BUILD/tools/gpu/gpu-check" \
  --model "$MODEL" --frames "$FRAMES" --out "$OUT_DIR" --reps 20 --inference-sizes 256,512 2>&1 | tee -a "$LOG"
check_status=${PIPESTATUS[0]}
[ "$check_status" = 124 ] && echo "verify.sh: gpu-check timed out" | tee -a "$LOG"

step "baseline (c): PyTorch eager from Python"
frame_args=(--size 1920x1080)
[ -f "$FRAMES/frame-1920x1080.ppm" ] && frame_args=(--frame "$FRAMES/frame-1920x1080.ppm")
: > "$OUT_DIR/eager_python.csv"
for precision in "" --half; do
  python3 tools/bench/eager_baseline.py --model "$MODEL" "${frame_args[@]}" $precision --reps 20 \
    --csv "$OUT_DIR/eager_python.csv" 2>&1 | grep -v -i numpy | tee -a "$LOG"
done

step "done: gpu-check exit status $check_status; results in $OUT_DIR"
exit "$check_status"
