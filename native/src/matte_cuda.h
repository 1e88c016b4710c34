// CUDA twins of the matte and blend kernels (cuda/matte.cu, cuda/blend.cu): same semantics as the
// CPU versions in matte.h / blend.h, on device pointers (contiguous float32, row-major). Host-side
// arguments (vertices, widths) stay on the host. Every call synchronizes before returning and throws
// std::runtime_error naming the CUDA error.
#pragma once
#include "blend.h"
#include "matte.h"

namespace faceplate {
namespace cuda {

void polygon_matte(float* matte, int height, int width, const double* xy, const double* inner, const double* outer,
                   int n, PixelRect region, bool replace);

void erode_dilate(const float* src, float* dst, int height, int width, float amount);

void blur(const float* src, float* dst, int height, int width, int channels, float radius, BlurKind kind);

void multiband_blend(const float* a, const float* b, const float* matte, float* out, int h, int w, int c, int levels,
                     KeepLow keep_low);

}  // namespace cuda
}  // namespace faceplate
