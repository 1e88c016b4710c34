// CUDA twins of warp() and paste_back(): one thread per output pixel, the same filters, border
// modes and matrix conventions as the CPU kernels (sampling.h), positions in double per pixel.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "cuda/warp_cuda.h"

namespace faceplate::cuda {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear a sticky launch error so the next call starts clean
    throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
  }
}

// Makes `device` current for the scope, restoring the caller's device afterwards.
struct DeviceScope {
  int previous = 0;
  explicit DeviceScope(int device) {
    check(cudaGetDevice(&previous), "cudaGetDevice");
    if (previous != device) check(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceScope() { cudaSetDevice(previous); }
};

struct DeviceMatrix {
  double m[9];
};

__device__ __forceinline__ float load(const float* p) { return __ldg(p); }
__device__ __forceinline__ float load(const half_t* p) { return __half2float(__ushort_as_half(__ldg(&p->bits))); }
__device__ __forceinline__ void store(float* p, float v) { *p = v; }
__device__ __forceinline__ void store(half_t* p, float v) { p->bits = __half_as_ushort(__float2half_rn(v)); }

__device__ __forceinline__ void d_cubic_weights(float t, float w[4]) {
  const float a = -0.5f;
  w[0] = ((a * t - 2 * a) * t + a) * t;
  w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  w[2] = ((-(a + 2) * t + (2 * a + 3)) * t - a) * t;
  w[3] = a * t * t * (1 - t);
}

// Maps pixel (x, y)'s centre through t; false behind the projection centre.
__device__ __forceinline__ bool map_pixel(const DeviceMatrix& t, int x, int y, double& sx, double& sy) {
  const double X = x + 0.5, Y = y + 0.5;
  sx = t.m[0] * X + t.m[1] * Y + t.m[2];
  sy = t.m[3] * X + t.m[4] * Y + t.m[5];
  const double w = t.m[6] * X + t.m[7] * Y + t.m[8];
  if (!(w > 1e-12)) return false;
  if (w != 1.0) sx /= w, sy /= w;
  return true;
}

// Samples (sx, sy) of a (h, w, nc) source with the border mode applied tap by tap (sampling.h's
// sample_border semantics). False: leave the pixel untouched (transparent border, outside).
template <Filter F, int C, class T>
__device__ bool sample(const T* src, int w, int h, int nc, double sx, double sy, Border border, float border_value,
                       float* out) {
  if (border == Border::transparent && !(sx >= 0 && sx < w && sy >= 0 && sy < h)) return false;
  sx = fmin(fmax(sx, -8.0), w + 8.0);
  sy = fmin(fmax(sy, -8.0), h + 8.0);
  constexpr int n = F == Filter::nearest ? 1 : F == Filter::bilinear ? 2 : 4;
  int x0, y0;
  float wx[4] = {1.f, 0.f, 0.f, 0.f}, wy[4] = {1.f, 0.f, 0.f, 0.f};
  if (F == Filter::nearest) {
    x0 = int(floor(sx)), y0 = int(floor(sy));
  } else {
    const double u = sx - 0.5, v = sy - 0.5;
    const double fu = floor(u), fv = floor(v);
    const float tx = float(u - fu), ty = float(v - fv);
    x0 = int(fu), y0 = int(fv);
    if (F == Filter::bilinear) {
      wx[0] = 1.f - tx, wx[1] = tx, wy[0] = 1.f - ty, wy[1] = ty;
    } else {
      d_cubic_weights(tx, wx), d_cubic_weights(ty, wy);
      x0 -= 1, y0 -= 1;
    }
  }
  const int channels = C ? C : nc;
  for (int c = 0; c < channels; ++c) out[c] = 0.f;
  float outside = 0.f;
#pragma unroll
  for (int j = 0; j < n; ++j) {
    int y = y0 + j;
    const bool y_in = y >= 0 && y < h;
    y = min(max(y, 0), h - 1);
#pragma unroll
    for (int i = 0; i < n; ++i) {
      int x = x0 + i;
      const bool x_in = x >= 0 && x < w;
      x = min(max(x, 0), w - 1);
      const float wt = wx[i] * wy[j];
      if (border == Border::constant && !(x_in && y_in)) {
        outside += wt;
        continue;
      }
      const T* p = src + (int64_t(y) * w + x) * channels;
      for (int c = 0; c < channels; ++c) out[c] += wt * load(p + c);
    }
  }
  if (outside != 0.f) {
    for (int c = 0; c < channels; ++c) out[c] += outside * border_value;
  }
  return true;
}

template <class In, class Out, int C, Filter F>
__global__ void warp_kernel(const In* src, int sw, int sh, int nc, Out* dst, int dw, Box roi, DeviceMatrix t,
                            Border border, float border_value) {
  const int x = roi.x0 + int(blockIdx.x * blockDim.x + threadIdx.x);
  const int y = roi.y0 + int(blockIdx.y * blockDim.y + threadIdx.y);
  if (x >= roi.x1 || y >= roi.y1) return;
  const int channels = C ? C : nc;
  float px[C ? C : 64];
  double sx, sy;
  if (map_pixel(t, x, y, sx, sy)) {
    if (!sample<F, C>(src, sw, sh, channels, sx, sy, border, border_value, px)) return;
  } else {
    if (border == Border::transparent) return;
    for (int c = 0; c < channels; ++c) px[c] = border_value;
  }
  Out* d = dst + (int64_t(y) * dw + x) * channels;
  for (int c = 0; c < channels; ++c) store(d + c, px[c]);
}

struct ChannelMap {
  int index[64];
};

template <int C, Filter F>
__global__ void paste_kernel(float* plate, int pw, int pc, const float* face, const float* matte, int fw, int fh,
                             int nc, Box box, DeviceMatrix t, ChannelMap channels) {
  const int x = box.x0 + int(blockIdx.x * blockDim.x + threadIdx.x);
  const int y = box.y0 + int(blockIdx.y * blockDim.y + threadIdx.y);
  if (x >= box.x1 || y >= box.y1) return;
  double qx, qy;
  float alpha;
  if (!map_pixel(t, x, y, qx, qy)) return;
  sample<F, 1>(matte, fw, fh, 1, qx, qy, Border::constant, 0.f, &alpha);
  if (!(alpha > 0.f)) return;
  alpha = fminf(alpha, 1.f);
  const int n = C ? C : nc;
  float px[C ? C : 64];
  sample<F, C>(face, fw, fh, n, qx, qy, Border::edge, 0.f, px);
  float* d = plate + (int64_t(y) * pw + x) * pc;
  for (int c = 0; c < n; ++c) {
    float& v = d[channels.index[c]];
    v += alpha * (px[c] - v);
  }
}

DeviceMatrix device_matrix(const Matrix3& m) {
  DeviceMatrix d;
  for (int i = 0; i < 9; ++i) d.m[i] = m.m[i];
  return d;
}

const dim3 kBlock(32, 8);
dim3 grid_for(const Box& b) { return dim3(unsigned(b.x1 - b.x0 + 31) / 32, unsigned(b.y1 - b.y0 + 7) / 8); }

template <class In, class Out, int C>
void launch_warp(const Image& src, const Image& dst, const WarpParams& p, cudaStream_t s) {
  const auto* in = static_cast<const In*>(src.data);
  auto* out = static_cast<Out*>(dst.data);
  const DeviceMatrix t = device_matrix(p.src_from_dst);
  const dim3 grid = grid_for(p.roi);
  switch (p.filter) {
    case Filter::nearest:
      warp_kernel<In, Out, C, Filter::nearest><<<grid, kBlock, 0, s>>>(in, src.width, src.height, src.channels, out,
                                                                       dst.width, p.roi, t, p.border, p.border_value);
      break;
    case Filter::bilinear:
      warp_kernel<In, Out, C, Filter::bilinear><<<grid, kBlock, 0, s>>>(in, src.width, src.height, src.channels, out,
                                                                        dst.width, p.roi, t, p.border, p.border_value);
      break;
    default:
      warp_kernel<In, Out, C, Filter::bicubic><<<grid, kBlock, 0, s>>>(in, src.width, src.height, src.channels, out,
                                                                       dst.width, p.roi, t, p.border, p.border_value);
  }
}

template <int C>
void launch_paste(const Image& plate, const Image& face, const Image& matte, const PasteParams& p, const Box& box,
                  cudaStream_t s) {
  ChannelMap channels;
  for (int c = 0; c < 64; ++c) channels.index[c] = p.plate_channel[c];
  const DeviceMatrix t = device_matrix(p.aligned_from_plate);
  auto* pl = static_cast<float*>(plate.data);
  const auto* f = static_cast<const float*>(face.data);
  const auto* m = static_cast<const float*>(matte.data);
  const dim3 grid = grid_for(box);
  switch (p.filter) {
    case Filter::nearest:
      paste_kernel<C, Filter::nearest><<<grid, kBlock, 0, s>>>(pl, plate.width, plate.channels, f, m, face.width,
                                                               face.height, face.channels, box, t, channels);
      break;
    case Filter::bilinear:
      paste_kernel<C, Filter::bilinear><<<grid, kBlock, 0, s>>>(pl, plate.width, plate.channels, f, m, face.width,
                                                                face.height, face.channels, box, t, channels);
      break;
    default:
      paste_kernel<C, Filter::bicubic><<<grid, kBlock, 0, s>>>(pl, plate.width, plate.channels, f, m, face.width,
                                                               face.height, face.channels, box, t, channels);
  }
}

}  // namespace

void warp(const Image& src, const Image& dst, const WarpParams& params, int device, uintptr_t stream) {
  DeviceScope scope(device);
  const auto s = reinterpret_cast<cudaStream_t>(stream);
  const bool src16 = src.dtype == DType::float16, dst16 = dst.dtype == DType::float16;
  if (src16 && dst16)
    launch_warp<half_t, half_t, 0>(src, dst, params, s);
  else if (src16)
    launch_warp<half_t, float, 0>(src, dst, params, s);
  else if (dst16)
    launch_warp<float, half_t, 0>(src, dst, params, s);
  else if (src.channels == 1)
    launch_warp<float, float, 1>(src, dst, params, s);
  else if (src.channels == 3)
    launch_warp<float, float, 3>(src, dst, params, s);
  else if (src.channels == 4)
    launch_warp<float, float, 4>(src, dst, params, s);
  else
    launch_warp<float, float, 0>(src, dst, params, s);
  check(cudaGetLastError(), "warp kernel launch");
}

void paste_back(const Image& plate, const Image& face, const Image& matte, const PasteParams& params, const Box& box,
                int device, uintptr_t stream) {
  if (box.empty()) return;
  DeviceScope scope(device);
  const auto s = reinterpret_cast<cudaStream_t>(stream);
  switch (face.channels) {
    case 1:
      launch_paste<1>(plate, face, matte, params, box, s);
      break;
    case 3:
      launch_paste<3>(plate, face, matte, params, box, s);
      break;
    case 4:
      launch_paste<4>(plate, face, matte, params, box, s);
      break;
    default:
      launch_paste<0>(plate, face, matte, params, box, s);
  }
  check(cudaGetLastError(), "paste_back kernel launch");
}

void* device_alloc(size_t bytes, int device) {
  DeviceScope scope(device);
  void* p = nullptr;
  check(cudaMalloc(&p, bytes), "cudaMalloc");
  return p;
}

void device_free(void* p, int device) noexcept {
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess) return;
  cudaSetDevice(device);
  cudaFree(p);
  cudaSetDevice(previous);
}

void device_zero(void* p, size_t bytes, int device, uintptr_t stream) {
  DeviceScope scope(device);
  check(cudaMemsetAsync(p, 0, bytes, reinterpret_cast<cudaStream_t>(stream)), "cudaMemsetAsync");
}

void stream_synchronize(int device, uintptr_t stream) {
  DeviceScope scope(device);
  check(cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(stream)), "cudaStreamSynchronize");
}

}  // namespace faceplate::cuda
