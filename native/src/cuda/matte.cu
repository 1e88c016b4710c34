// CUDA twins of polygon_matte and blur (see matte_cuda.h). polygon_matte evaluates every pixel of
// the region against all edges (no tiles: a face contour has tens of edges), with the per-pixel
// arithmetic shared with the CPU kernel through matte_math.h.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "cuda_buffer.cuh"
#include "matte_cuda.h"
#include "matte_math.h"

namespace faceplate {
namespace cuda {
namespace {

__global__ void polygon_matte_kernel(float* matte, int width, matte_math::Contour c, PixelRect region, bool replace) {
  const int i = region.x0 + blockIdx.x * blockDim.x + threadIdx.x;
  const int j = region.y0 + blockIdx.y * blockDim.y + threadIdx.y;
  if (i >= region.x1 || j >= region.y1) return;
  const double px = i + 0.5, py = j + 0.5;
  const float v = matte_math::contour_pixel(c, px, py, matte_math::winding_number(c, px, py) != 0, nullptr, 0);
  float* dst = matte + int64_t(j) * width + i;
  *dst = replace ? v : fmaxf(*dst, v);
}

// out[y][i] = sum_k taps[K + k] * src[clamp(y + k)][i] over rows of row_len floats.
__global__ void blur_vertical(const float* src, float* dst, int h, int64_t row_len, const float* taps, int K) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int y = blockIdx.y;
  if (i >= row_len) return;
  float acc = taps[K] * src[int64_t(y) * row_len + i];
  for (int k = 1; k <= K; ++k) {
    const int up = max(y - k, 0), down = min(y + k, h - 1);
    acc += taps[K + k] * (src[int64_t(up) * row_len + i] + src[int64_t(down) * row_len + i]);
  }
  dst[int64_t(y) * row_len + i] = acc;
}

__global__ void blur_horizontal(const float* src, float* dst, int w, int c, const float* taps, int K) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;  // x * c + channel within the row
  const int y = blockIdx.y;
  if (i >= int64_t(w) * c) return;
  const int x = int(i / c), ch = int(i % c);
  const float* row = src + int64_t(y) * w * c;
  float acc = taps[K] * row[i];
  for (int k = 1; k <= K; ++k) {
    const int l = max(x - k, 0), r = min(x + k, w - 1);
    acc += taps[K + k] * (row[int64_t(l) * c + ch] + row[int64_t(r) * c + ch]);
  }
  dst[int64_t(y) * w * c + i] = acc;
}

}  // namespace

void polygon_matte(float* matte, int height, int width, const double* xy, const double* inner, const double* outer, int n,
                   PixelRect region, bool replace) {
  (void)height;
  if (region.empty() || n < 3) return;
  DeviceBuffer<double> d_xy(xy, 2 * size_t(n)), d_in(inner, n), d_out(outer, n);
  const matte_math::Contour c{d_xy.get(), d_in.get(), d_out.get(), n};
  const dim3 block(32, 8);
  const dim3 grid((region.x1 - region.x0 + block.x - 1) / block.x, (region.y1 - region.y0 + block.y - 1) / block.y);
  polygon_matte_kernel<<<grid, block>>>(matte, width, c, region, replace);
  check_launch("polygon_matte");
}

void blur(const float* src, float* dst, int height, int width, int channels, float radius, BlurKind kind) {
  const int64_t row_len = int64_t(width) * channels;
  const int K = blur_kernel_half_width(radius);
  if (K == 0) {
    check(cudaMemcpy(dst, src, sizeof(float) * row_len * height, cudaMemcpyDeviceToDevice), "blur copy");
    return;
  }
  std::vector<float> taps(2 * K + 1);
  int k_out;
  blur_kernel(radius, kind, taps.data(), &k_out);
  DeviceBuffer<float> d_taps(taps.data(), taps.size()), tmp(size_t(row_len) * height);
  const dim3 grid(unsigned((row_len + 255) / 256), unsigned(height));
  blur_vertical<<<grid, 256>>>(src, tmp.get(), height, row_len, d_taps.get(), K);
  check_launch("blur (vertical)");
  blur_horizontal<<<grid, 256>>>(tmp.get(), dst, width, channels, d_taps.get(), K);
  check_launch("blur (horizontal)");
}

}  // namespace cuda
}  // namespace faceplate
