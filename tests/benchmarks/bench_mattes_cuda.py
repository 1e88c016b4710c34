"""CUDA twins of the matte and blend kernels: device timings at the sizes of bench_mattes.py.

Needs a CUDA build, a device and PyTorch with CUDA:  python tests/benchmarks/bench_mattes_cuda.py
"""

import time, numpy as np, torch, sys
sys.path.insert(0, "tests/native")
from faceplate import _native
from matte_reference import face_contour
def t(fn, r=10):
    fn(); torch.cuda.synchronize(); s=time.perf_counter()
    for _ in range(r): fn()
    torch.cuda.synchronize(); return (time.perf_counter()-s)/r*1e3
th = np.linspace(0, 2*np.pi, 68, endpoint=False); hull = np.stack([1920+450*np.cos(th), 1080+600*np.sin(th)], 1)
out = torch.zeros((2160, 3840), device="cuda")
print("cuda polygon_matte 4K 40px: %.2f ms" % t(lambda: _native.cuda_polygon_matte(hull, out, inner=20.0, outer=20.0, mode="replace")))
print("cpu  polygon_matte 4K 40px: %.2f ms (%d threads)" % (t(lambda: _native.polygon_matte(hull, (3840, 2160), inner=20.0, outer=20.0), 3), _native.thread_count()))
o2 = torch.empty_like(out)
print("cuda blur gaussian 4K r=20: %.2f ms" % t(lambda: _native.cuda_blur(out, o2, 20.0, "gaussian")))
a = torch.rand((1024, 1024, 3), device="cuda"); b = torch.rand_like(a); m = torch.rand((1024, 1024), device="cuda"); o = torch.empty_like(a)
print("cuda multiband 1024^2 RGB 6: %.2f ms" % t(lambda: _native.cuda_multiband_blend(a, b, m, o, 6)))
