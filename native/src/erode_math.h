// Per-pixel arithmetic of erode_dilate, shared verbatim by the CPU kernel (matte.cpp) and its CUDA
// twin (cuda/matte.cu) so both produce the same values; the method is described in matte.cpp.
// Mattes are (h, w) float32, row-major; coordinates as in matte.h (pixel centres at +0.5).
#pragma once
#include <cmath>
#include <cstdint>

#include "matte_math.h"

namespace faceplate {
namespace erode_math {

constexpr float kFlat = 1e-6f;
// A hard edge's samples 1.5 px away along the normal are within this of 0 and 1.
constexpr float kHardTolerance = 0.02f;

FP_HD float at_clamped(const float* m, int h, int w, int x, int y) {
  x = x < 0 ? 0 : (x > w - 1 ? w - 1 : x);
  y = y < 0 ? 0 : (y > h - 1 ? h - 1 : y);
  return m[int64_t(y) * w + x];
}

// Edge pixel: not saturated, or a 4-neighbour on the other side of 0.5.
FP_HD bool is_edge(const float* m, int h, int w, int x, int y) {
  const int64_t p = int64_t(y) * w + x;
  const float v = m[p];
  if (v > kFlat && v < 1.0f - kFlat) return true;
  const bool in = v >= 0.5f;
  return (x > 0 && (m[p - 1] >= 0.5f) != in) || (x + 1 < w && (m[p + 1] >= 0.5f) != in) ||
         (y > 0 && (m[p - w] >= 0.5f) != in) || (y + 1 < h && (m[p + w] >= 0.5f) != in);
}

FP_HD void gradient(const float* m, int h, int w, int x, int y, float* gx, float* gy) {
  constexpr float r2 = 1.41421356f;  // isotropic weights: accurate directions on anti-aliased edges
  const float nw = at_clamped(m, h, w, x - 1, y - 1), n = at_clamped(m, h, w, x, y - 1);
  const float ne = at_clamped(m, h, w, x + 1, y - 1), west = at_clamped(m, h, w, x - 1, y);
  const float east = at_clamped(m, h, w, x + 1, y), sw = at_clamped(m, h, w, x - 1, y + 1);
  const float s = at_clamped(m, h, w, x, y + 1), se = at_clamped(m, h, w, x + 1, y + 1);
  *gx = (ne + r2 * east + se) - (nw + r2 * west + sw);
  *gy = (sw + r2 * s + se) - (nw + r2 * n + ne);
}

// Bilinear sample at continuous pixel coordinates (centres at +0.5), edges clamped.
FP_HD float sample_bilinear(const float* m, int h, int w, double x, double y) {
  x -= 0.5;
  y -= 0.5;
  const double fx = floor(x), fy = floor(y);
  const int ix = int(fx), iy = int(fy);
  const float tx = float(x - fx), ty = float(y - fy);
  const float a = at_clamped(m, h, w, ix, iy), b = at_clamped(m, h, w, ix + 1, iy);
  const float c = at_clamped(m, h, w, ix, iy + 1), d = at_clamped(m, h, w, ix + 1, iy + 1);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

// The edge through edge pixel (x, y): its uphill unit normal, whether it is hard (saturated 1.5 px
// either side along the normal) and, if so, the pixel centre's signed distance s (> 0 inside).
struct EdgeFrame {
  bool valid = false, hard = false;
  double ux = 0, uy = 0, s = 0;
};

FP_HD EdgeFrame edge_frame_at(const float* m, int h, int w, int x, int y) {
  EdgeFrame f;
  float gx, gy;
  gradient(m, h, w, x, y, &gx, &gy);
  const double norm = hypot(double(gx), double(gy));
  if (norm < 1e-6) return f;
  f.valid = true;
  f.ux = gx / norm;
  f.uy = gy / norm;
  const double cx = x + 0.5, cy = y + 0.5;
  const float hi = sample_bilinear(m, h, w, cx + 1.5 * f.ux, cy + 1.5 * f.uy);
  const float lo = sample_bilinear(m, h, w, cx - 1.5 * f.ux, cy - 1.5 * f.uy);
  f.hard = hi >= 1.0f - kHardTolerance && lo <= kHardTolerance;
  if (f.hard) {  // invert the (non-decreasing) coverage of a straight edge by bisection
    const float v = m[int64_t(y) * w + x];
    // Saturated values give the edge at the fringe of the pixel's footprint: +-half.
    const double half = 0.5 * (fabs(f.ux) + fabs(f.uy));
    double lo_s = -half, hi_s = half;
    for (int i = 0; i < 40; ++i) {
      const double mid = 0.5 * (lo_s + hi_s);
      if (matte_math::pixel_value(mid, 0.0, 0.0, f.ux, f.uy) < v) {
        lo_s = mid;
      } else {
        hi_s = mid;
      }
    }
    f.s = 0.5 * (lo_s + hi_s);
  }
  return f;
}

// As edge_frame_at, taken at the pixel of the 3x3 neighbourhood whose value is closest to 0.5 (the
// coverage of a pixel far into the edge's fringe says little about where the edge is) and carried
// back to (x, y) along the normal.
FP_HD EdgeFrame edge_frame(const float* m, int h, int w, int x, int y) {
  int bx = -1, by = -1;
  float best = 0.5f - kFlat;
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      const int nx = x + dx, ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
      const float d = fabsf(m[int64_t(ny) * w + nx] - 0.5f);
      if (d < best || (d == best && dx == 0 && dy == 0)) {
        best = d;
        bx = nx;
        by = ny;
      }
    }
  }
  if (bx < 0) return edge_frame_at(m, h, w, x, y);
  EdgeFrame f = edge_frame_at(m, h, w, bx, by);
  f.s += (x - bx) * f.ux + (y - by) * f.uy;
  return f;
}

// The value of pixel (x, y) moved by a, given the edge pixel (sx, sy) it follows (itself when it is
// an edge pixel) at distance dist (0 for an edge pixel).
FP_HD float moved_value(const float* m, int h, int w, int x, int y, int sx, int sy, double dist, double a) {
  const EdgeFrame f = edge_frame(m, h, w, sx, sy);
  const double ox = x - sx, oy = double(y) - sy;  // from the edge pixel to this one
  if (f.valid && f.hard) {
    const double s = f.s + ox * f.ux + oy * f.uy;
    return matte_math::pixel_value(s + a, 0.0, 0.0, f.ux, f.uy);
  }
  double ux = f.ux, uy = f.uy;
  if (!f.valid && dist > 0) {
    const double sign =
        m[int64_t(y) * w + x] >= 0.5f ? 1.0 : -1.0;  // uphill: away from the edge inside, towards it outside
    ux = sign * ox / dist;
    uy = sign * oy / dist;
  } else if (!f.valid) {
    return m[int64_t(y) * w + x];
  }
  return sample_bilinear(m, h, w, x + 0.5 + a * ux, y + 0.5 + a * uy);
}

}  // namespace erode_math
}  // namespace faceplate
