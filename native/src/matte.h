// Mattes: polygon rasterization with a signed-distance feather, sub-pixel erode/dilate, separable blur.
// Mattes are (H, W) float32, images (H, W, C) float32 channels-last, row-major and contiguous.
// Pixel [j, i] covers [i, i+1) x [j, j+1); its centre is (i + 0.5, j + 0.5).
#pragma once
#include <cstdint>

namespace faceplate {

// Half-open pixel rectangle [x0, x1) x [y0, y1).
struct PixelRect {
  int x0, y0, x1, y1;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

// The pixels polygon_matte may change: the contour's bounding box grown by its largest outer width
// plus one pixel, clipped to the image and to roi.
PixelRect polygon_matte_region(const double* xy, const double* outer, int n, int height, int width, PixelRect roi);

// Rasterizes the closed contour xy (n, 2) into matte (height, width) inside region (from
// polygon_matte_region), with per-vertex inner/outer feather widths (see matte_math.h for the
// profile). replace: region pixels are overwritten; otherwise matte = max(matte, value).
// Inside is decided by the nonzero winding rule.
void polygon_matte(float* matte, int height, int width, const double* xy, const double* inner, const double* outer,
                   int n, PixelRect region, bool replace);

// Moves the matte's edges outward by amount pixels (amount < 0: inward), keeping the edge profile.
// See matte.cpp for the method.
void erode_dilate(const float* src, float* dst, int height, int width, float amount);

enum class BlurKind { Box, Gaussian };

// The 1-D kernel of blur(): taps [-K, K] with K = ceil(radius), normalized to sum 1.
// Box: the box [-radius - 0.5, radius + 0.5] integrated over each tap's pixel (fractional ends).
// Gaussian: sigma = radius / 3, sampled at the taps.
void blur_kernel(float radius, BlurKind kind, float* taps_out, int* k_out);
int blur_kernel_half_width(float radius);

// Separable blur of an (height, width, channels) image with edge clamping (replicate).
void blur(const float* src, float* dst, int height, int width, int channels, float radius, BlurKind kind);

}  // namespace faceplate
