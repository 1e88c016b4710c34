// CUDA twin of multiband_blend (see matte_cuda.h): the same OpenCV-style reduce/expand filters and
// borders as blend.cpp, one thread per output value, pyramids kept on the device.
#include <cuda_runtime.h>

#include <vector>

#include "cuda_buffer.cuh"
#include "matte_cuda.h"

namespace faceplate {
namespace cuda {
namespace {

__device__ __constant__ float kBinomial[5] = {1.0f, 4.0f, 6.0f, 4.0f, 1.0f};

__device__ inline int reflect101(int i, int n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}
__device__ inline int expand_source(int i, int n) { return i < 0 ? reflect101(i, n) : min(i, n - 1); }

// One output value of a 1-D reduce or expand along an axis of length n_src (source) / n_dst.
// stride: distance between neighbours along the axis; base: offset of the line's first element.
__device__ inline float reduce_at(const float* src, int64_t base, int64_t stride, int j, int n_src) {
  float acc = 0.0f;
  for (int k = -2; k <= 2; ++k)
    acc += kBinomial[k + 2] / 16.0f * src[base + int64_t(reflect101(2 * j + k, n_src)) * stride];
  return acc;
}
__device__ inline float expand_at(const float* src, int64_t base, int64_t stride, int j, int n_src) {
  const int i = j >> 1;
  if (j & 1) {
    return 0.5f * (src[base + int64_t(expand_source(i, n_src)) * stride] +
                   src[base + int64_t(expand_source(i + 1, n_src)) * stride]);
  }
  return 0.125f * (src[base + int64_t(expand_source(i - 1, n_src)) * stride] +
                   src[base + int64_t(expand_source(i + 1, n_src)) * stride]) +
         0.75f * src[base + int64_t(expand_source(i, n_src)) * stride];
}

// Vertical step: (h_src, row_len) -> (h_dst, row_len). Horizontal: (rows, w_src, c) -> (rows, w_dst, c).
template <bool Expand>
__global__ void resample_vertical(const float* src, float* dst, int h_src, int h_dst, int64_t row_len) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int y = blockIdx.y;
  if (i >= row_len || y >= h_dst) return;
  dst[int64_t(y) * row_len + i] = Expand ? expand_at(src, i, row_len, y, h_src) : reduce_at(src, i, row_len, y, h_src);
}

template <bool Expand>
__global__ void resample_horizontal(const float* src, float* dst, int w_src, int w_dst, int c) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int y = blockIdx.y;
  if (i >= int64_t(w_dst) * c) return;
  const int x = int(i / c), ch = int(i % c);
  const int64_t base = int64_t(y) * w_src * c + ch;
  dst[int64_t(y) * w_dst * c + i] = Expand ? expand_at(src, base, c, x, w_src) : reduce_at(src, base, c, x, w_src);
}

template <bool Expand>
void resample(const float* src, float* dst, int h_src, int w_src, int h_dst, int w_dst, int c) {
  DeviceBuffer<float> tmp(size_t(h_dst) * w_src * c);
  const int64_t row = int64_t(w_src) * c;
  resample_vertical<Expand>
      <<<dim3(unsigned((row + 255) / 256), unsigned(h_dst)), 256>>>(src, tmp.get(), h_src, h_dst, row);
  check(cudaGetLastError(), "multiband_blend (vertical)");
  const int64_t out_row = int64_t(w_dst) * c;
  resample_horizontal<Expand>
      <<<dim3(unsigned((out_row + 255) / 256), unsigned(h_dst)), 256>>>(tmp.get(), dst, w_src, w_dst, c);
  check_launch("multiband_blend (horizontal)");
}

// dst = er + m (ga - ea) + (1 - m) (gb - eb); with keep (0: none, 1: a, 2: b) and no expansions
// (er == nullptr) it blends the coarsest level.
__global__ void combine(float* dst, const float* er, const float* ga, const float* ea, const float* gb, const float* eb,
                        const float* m, int64_t pixels, int c, int keep) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= pixels * c) return;
  const float w = keep == 1 ? 1.0f : keep == 2 ? 0.0f : m[i / c];
  if (!er) {
    dst[i] = w * ga[i] + (1.0f - w) * gb[i];
    return;
  }
  dst[i] = er[i] + w * (ga[i] - ea[i]) + (1.0f - w) * (gb[i] - eb[i]);
}

}  // namespace

void multiband_blend(const float* a, const float* b, const float* matte, float* out, int h, int w, int c, int levels,
                     KeepLow keep_low) {
  const int n = pyramid_levels(h, w, levels);
  std::vector<int> hs(n), ws(n);
  std::vector<DeviceBuffer<float>> ga, gb, gm;
  std::vector<const float*> pa(n), pb(n), pm(n);
  hs[0] = h;
  ws[0] = w;
  pa[0] = a;
  pb[0] = b;
  pm[0] = matte;
  for (int l = 1; l < n; ++l) {
    hs[l] = pyramid_down_size(hs[l - 1]);
    ws[l] = pyramid_down_size(ws[l - 1]);
    const size_t px = size_t(hs[l]) * ws[l];
    ga.emplace_back(px * c);
    gb.emplace_back(px * c);
    gm.emplace_back(px);
    resample<false>(pa[l - 1], ga.back().get(), hs[l - 1], ws[l - 1], hs[l], ws[l], c);
    resample<false>(pb[l - 1], gb.back().get(), hs[l - 1], ws[l - 1], hs[l], ws[l], c);
    resample<false>(pm[l - 1], gm.back().get(), hs[l - 1], ws[l - 1], hs[l], ws[l], 1);
    pa[l] = ga.back().get();
    pb[l] = gb.back().get();
    pm[l] = gm.back().get();
  }
  const int keep = keep_low == KeepLow::A ? 1 : keep_low == KeepLow::B ? 2 : 0;
  const int top = n - 1;
  int64_t px = int64_t(hs[top]) * ws[top];
  DeviceBuffer<float> result(size_t(px) * c);
  float* top_dst = top == 0 ? out : result.get();
  combine<<<unsigned((px * c + 255) / 256), 256>>>(top_dst, nullptr, pa[top], nullptr, pb[top], nullptr, pm[top], px, c,
                                                   keep);
  check_launch("multiband_blend (coarsest level)");
  for (int l = top - 1; l >= 0; --l) {
    px = int64_t(hs[l]) * ws[l];
    DeviceBuffer<float> er(size_t(px) * c), ea(size_t(px) * c), eb(size_t(px) * c);
    resample<true>(result.get(), er.get(), hs[l + 1], ws[l + 1], hs[l], ws[l], c);
    resample<true>(pa[l + 1], ea.get(), hs[l + 1], ws[l + 1], hs[l], ws[l], c);
    resample<true>(pb[l + 1], eb.get(), hs[l + 1], ws[l + 1], hs[l], ws[l], c);
    DeviceBuffer<float> next(l == 0 ? 0 : size_t(px) * c);
    float* dst = l == 0 ? out : next.get();
    combine<<<unsigned((px * c + 255) / 256), 256>>>(dst, er.get(), pa[l], ea.get(), pb[l], eb.get(), pm[l], px, c, 0);
    check_launch("multiband_blend (collapse)");
    if (l > 0) result = std::move(next);
  }
}

}  // namespace cuda
}  // namespace faceplate
