// CUDA twins of polygon_matte, erode_dilate and blur (see matte_cuda.h). polygon_matte evaluates every
// pixel of the region against all edges (no tiles: a face contour has tens of edges), with the
// per-pixel arithmetic shared with the CPU kernel through matte_math.h. erode_dilate shares its
// per-pixel arithmetic through erode_math.h; its nearest-edge search differs from the CPU's (see
// erode_kernel) but finds the same edge pixel.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "cuda_buffer.cuh"
#include "erode_math.h"
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

__global__ void edge_kernel(const float* m, uint8_t* edge, int h, int w) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  edge[int64_t(y) * w + x] = erode_math::is_edge(m, h, w, x, y);
}

// For every pixel, the row of the nearest edge pixel in its column within reach rows (ties: the row
// above), else -1: one thread per column, as the CPU's nearest_in_column.
__global__ void column_kernel(const uint8_t* edge, int32_t* row_of, int h, int w, int reach) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  if (x >= w) return;
  int last = -1;
  for (int y = 0; y < h; ++y) {
    const int64_t p = int64_t(y) * w + x;
    if (edge[p]) last = y;
    row_of[p] = (last >= 0 && y - last <= reach) ? last : -1;
  }
  last = -1;
  for (int y = h - 1; y >= 0; --y) {
    const int64_t p = int64_t(y) * w + x;
    if (edge[p]) last = y;
    const int32_t r = row_of[p];
    if (last >= 0 && last - y <= reach && (r < 0 || last - y < y - r)) row_of[p] = last;
  }
}

// The CPU finds a flat pixel's nearest edge pixel with Felzenszwalb's lower envelope along each row
// (sequential); here each pixel searches the columns within reach of it directly. Only edge pixels
// within |a| + 1.5 < reach px matter, so the window holds every candidate, and ties go to the
// leftmost column as the envelope's do (it keeps the earlier parabola at an exact crossing).
__global__ void erode_kernel(const float* src, float* dst, const uint8_t* edge, const int32_t* row_of, int h, int w,
                             int reach, double reach_d, double a) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= w || y >= h) return;
  const int64_t p = int64_t(y) * w + x;
  int sx = x, sy = y;
  double dist = 0;
  if (!edge[p]) {
    int64_t best = -1;
    const int32_t* ry = row_of + int64_t(y) * w;
    for (int q = max(0, x - reach); q <= min(w - 1, x + reach); ++q) {
      if (ry[q] < 0) continue;
      const int64_t dx = q - x, dy = y - ry[q], d2 = dx * dx + dy * dy;
      if (best < 0 || d2 < best) {
        best = d2;
        sx = q;
        sy = ry[q];
      }
    }
    if (best < 0) {
      dst[p] = src[p];
      return;
    }
    dist = hypot(double(sx - x), double(sy - y));
    if (dist > reach_d) {
      dst[p] = src[p];
      return;
    }
  }
  dst[p] = erode_math::moved_value(src, h, w, x, y, sx, sy, dist, a);
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

void polygon_matte(float* matte, int height, int width, const double* xy, const double* inner, const double* outer,
                   int n, PixelRect region, bool replace) {
  (void)height;
  if (region.empty() || n < 3) return;
  DeviceBuffer<double> d_xy(xy, 2 * size_t(n)), d_in(inner, n), d_out(outer, n);
  const matte_math::Contour c{d_xy.get(), d_in.get(), d_out.get(), n};
  const dim3 block(32, 8);
  const dim3 grid((region.x1 - region.x0 + block.x - 1) / block.x, (region.y1 - region.y0 + block.y - 1) / block.y);
  polygon_matte_kernel<<<grid, block>>>(matte, width, c, region, replace);
  check_launch("polygon_matte");
}

void erode_dilate(const float* src, float* dst, int height, int width, float amount) {
  const int64_t n = int64_t(height) * width;
  if (amount == 0.0f) {
    check(cudaMemcpy(dst, src, sizeof(float) * n, cudaMemcpyDeviceToDevice), "erode_dilate copy");
    return;
  }
  const double a = amount, reach_d = fabs(a) + 1.5;  // as the CPU kernel (matte.cpp)
  const int reach = int(ceil(fabs(a))) + 2;
  DeviceBuffer<uint8_t> edge(n);
  DeviceBuffer<int32_t> row_of(n);
  const dim3 block(32, 8), grid((width + 31) / 32, (height + 7) / 8);
  edge_kernel<<<grid, block>>>(src, edge.get(), height, width);
  check_launch("erode_dilate (edges)");
  column_kernel<<<(width + 127) / 128, 128>>>(edge.get(), row_of.get(), height, width, reach);
  check_launch("erode_dilate (columns)");
  erode_kernel<<<grid, block>>>(src, dst, edge.get(), row_of.get(), height, width, reach, reach_d, a);
  check_launch("erode_dilate");
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
