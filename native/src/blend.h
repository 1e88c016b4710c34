// Multiband (Laplacian pyramid) blending of two images under a matte, and the pyramid steps it is
// built from. Images are (H, W, C) float32 channels-last, mattes (H, W) float32, contiguous.
#pragma once
#include <cstdint>

namespace faceplate {

// The size of the next pyramid level: ceil(n / 2) (OpenCV's pyrDown).
inline int pyramid_down_size(int n) { return (n + 1) / 2; }

// Number of pyramid levels multiband_blend uses when asked for `levels`: `levels`, or fewer when
// the image is already 1 x 1 at a coarser level.
int pyramid_levels(int height, int width, int levels);

// Gaussian reduce: 5-tap binomial [1 4 6 4 1] / 16 filter then every other sample, per axis,
// reflect-101 borders (OpenCV's pyrDown). dst is (ceil(h/2), ceil(w/2), c).
void pyramid_reduce(const float* src, float* dst, int h, int w, int c);

// Expand to (h, w, c) from (ceil(h/2), ceil(w/2), c): zero-insertion upsampling filtered by
// 2 x [1 4 6 4 1] / 16 per axis (OpenCV's pyrUp borders).
void pyramid_expand(const float* src, float* dst, int h, int w, int c);

enum class KeepLow { None, A, B };

// out = collapse(sum over levels of L_a * G_m + L_b * (1 - G_m)); with keep_low A (B) the coarsest
// level (the residual Gaussian) is a's (b's) alone.
void multiband_blend(const float* a, const float* b, const float* matte, float* out, int h, int w, int c, int levels,
                     KeepLow keep_low);

}  // namespace faceplate
