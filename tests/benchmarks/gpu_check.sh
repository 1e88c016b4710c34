#!/usr/bin/env bash
# GPU check of the native CUDA twins, for a fresh x86-64 machine with an NVIDIA GPU.
#
#   bash tests/benchmarks/gpu_check.sh        # from anywhere; logs go to $OUT (or a temp folder)
#
# Needs nvcc (exits 2 without it) and a working nvidia-smi (exits 3), python3 with torch (CUDA),
# numpy, pybind11, scikit-build-core, cmake, pytest and cv2 (the image this project's GPU machines
# run has them). Builds faceplate for this GPU's architecture into a throw-away --target folder
# put first on PYTHONPATH (no network needed, the environment is not changed), runs `pytest tests/native -k cuda -v`, the whole native
# suite, the native and CUDA matte benchmarks, and the swap model's training and inference benchmarks. Exit status: 0 when the build and the tests passed.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
LOG=${OUT:-$(mktemp -d /tmp/faceplate-gpu-check.XXXX)}
mkdir -p "$LOG"
exec > >(tee "$LOG/gpu_check.log") 2>&1
echo "logs: $LOG"
step() { echo; echo "== $* ($(date +%T))"; }

step "toolkit and driver"
[ -x /usr/local/cuda/bin/nvcc ] && export PATH="$PATH:/usr/local/cuda/bin"
if ! command -v nvcc >/dev/null 2>&1; then
  echo "no nvcc on PATH or in /usr/local/cuda/bin: the CUDA twins cannot be built here"
  exit 2
fi
nvcc --version | tail -n 2
if ! nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv; then
  echo "nvidia-smi failed: no usable GPU"
  exit 3
fi
ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n 1 | tr -d '. ')

step "python"
PY=$(command -v python3 || command -v python) || { echo "no python3"; exit 4; }
"$PY" -c 'import sys, platform; print(sys.version.split()[0], platform.machine())'
for module in numpy torch cupy pybind11 scikit_build_core pytest cv2 cmake ninja; do
  "$PY" -c "import $module, sys; print('  have', '$module', getattr($module, '__version__', ''))" 2>/dev/null || echo "  missing $module"
done
"$PY" -c 'import torch; print("  torch sees CUDA:", torch.cuda.is_available())' 2>/dev/null

step "build (sm_$ARCH) into a throw-away --target folder (the python environment is left alone)"
SITE=/tmp/faceplate-gpu-site
rm -rf "$SITE" /tmp/faceplate-gpu-build
if ! timeout 420 "$PY" -m pip install --no-deps --no-build-isolation --no-cache-dir -v --target "$SITE" . \
    -Ccmake.define.CMAKE_CUDA_ARCHITECTURES="$ARCH" -Cbuild-dir=/tmp/faceplate-gpu-build >"$LOG/build.log" 2>&1; then
  echo "build failed; the end of $LOG/build.log:"
  tail -n 60 "$LOG/build.log"
  exit 5
fi
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
grep -E "faceplate: CUDA twins|CUDA compiler identification" "$LOG/build.log" | head -n 3
"$PY" -c 'import faceplate._native as n; print("built_with_cuda", n.built_with_cuda, "cuda_available", n.cuda_available())'

step "pytest tests/native -k cuda -v"
timeout 240 "$PY" -m pytest tests/native -k cuda -v -p no:cacheprovider 2>&1 | tee "$LOG/pytest_cuda.log"
cuda_rc=${PIPESTATUS[0]}

step "pytest tests/native (everything)"
timeout 180 "$PY" -m pytest tests/native -q -p no:cacheprovider 2>&1 | tee "$LOG/pytest_all.log" | tail -n 15
all_rc=${PIPESTATUS[0]}

step "benchmark"
timeout 240 "$PY" tests/benchmarks/bench_native.py --repeat 7 2>&1 | tee "$LOG/bench.txt"

step "CUDA matte and blend twins"
timeout 60 "$PY" tests/benchmarks/bench_mattes_cuda.py 2>&1 | tee "$LOG/bench_mattes_cuda.txt"

step "swap model: training it/s and inference ms/face"
timeout 150 "$PY" tests/benchmarks/bench_swap.py --steps 5 --faces 8 2>&1 | grep -v Warning | tee "$LOG/bench_swap.txt"

step "the real trainer on CUDA: AMP against fp32"
timeout 200 "$PY" tests/benchmarks/bench_train_gpu.py --steps 25 2>&1 | grep -v -i "warn\|rationality" | tee "$LOG/bench_train_gpu.txt"

step "done: cuda tests rc=$cuda_rc, all native tests rc=$all_rc"
[ "$cuda_rc" -eq 0 ] && [ "$all_rc" -eq 0 ]
