// Per-pixel arithmetic of polygon_matte, shared verbatim by the CPU kernel (matte.cpp) and its CUDA
// twin (cuda/matte.cu) so both produce the same values.
//
// Feather profile. A pixel centre at signed distance d from the contour (d < 0 inside) with inner
// width wi and outer width wo (interpolated at the nearest contour point) has the continuous value
//     f(d) = S((wo - d) / (wi + wo)),   S(x) = 3x^2 - 2x^3 on [0, 1], 0 below, 1 above,
// i.e. 1 at d = -wi, 0 at d = +wo, 0.5 where d = (wo - wi) / 2. When wi + wo is (nearly) 0, f is the
// unit step at d = 0. The pixel's value is f averaged over the pixel's unit square, treating the
// contour as straight there: the square projected on the contour normal (nx, ny) has the density
// box(|nx|) * box(|ny|), so the average is a second difference of f's second antiderivative. With no
// feather this is the exact area coverage of the pixel by a straight edge; near vertices it is an
// approximation.
#pragma once
#include <cmath>

#ifdef __CUDACC__
#define FP_HD __host__ __device__ inline
#else
#define FP_HD inline
#endif

namespace faceplate {
namespace matte_math {

// Below this total width (pixels) the profile is the unit step.
constexpr double kMinFeather = 1e-4;
// Below this |n| component the projected pixel is a single box (avoids dividing by ~0).
constexpr double kMinBox = 1e-3;

// First and second antiderivatives of S (0 for x <= 0).
FP_HD double ramp_r1(double x) {
  if (x <= 0) return 0;
  if (x >= 1) return x - 0.5;
  const double x3 = x * x * x;
  return x3 - 0.5 * x3 * x;
}
FP_HD double ramp_r2(double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 0.5 * x * x - 0.5 * x + 0.15;
  const double x4 = x * x * x * x;
  return x4 * (0.25 - 0.1 * x);
}

// Antiderivatives of g(s) = f(-s) (s = -d, so g rises from 0 at s = -wo to 1 at s = wi).
FP_HD double profile_g1(double s, double wi, double wo) {
  const double w = wi + wo;
  if (w < kMinFeather) return s > 0 ? s : 0;
  return w * ramp_r1((s + wo) / w);
}
FP_HD double profile_g2(double s, double wi, double wo) {
  const double w = wi + wo;
  if (w < kMinFeather) return s > 0 ? 0.5 * s * s : 0;
  return w * w * ramp_r2((s + wo) / w);
}

// The pixel's value: g averaged over the pixel square projected on the unit normal (nx, ny).
FP_HD float pixel_value(double s, double wi, double wo, double nx, double ny) {
  double a = fabs(nx), b = fabs(ny);
  if (a < b) {
    const double t = a;
    a = b;
    b = t;
  }
  const double half = 0.5 * (a + b);
  const double w = wi + wo;
  const double lo = w < kMinFeather ? 0.0 : -wo, hi = w < kMinFeather ? 0.0 : wi;
  if (s - half >= hi) return 1.0f;
  if (s + half <= lo) return 0.0f;
  double v;
  if (b < kMinBox) {
    v = (profile_g1(s + 0.5 * a, wi, wo) - profile_g1(s - 0.5 * a, wi, wo)) / a;
  } else {
    const double c = 0.5 * (a - b);
    v = (profile_g2(s + half, wi, wo) - profile_g2(s + c, wi, wo) - profile_g2(s - c, wi, wo) +
         profile_g2(s - half, wi, wo)) /
        (a * b);
  }
  return float(v < 0 ? 0 : (v > 1 ? 1 : v));
}

// Squared distance from (px, py) to segment a-b and the parameter t in [0, 1] of the closest point.
FP_HD double segment_dist2(double px, double py, double ax, double ay, double bx, double by, double* t_out) {
  const double ex = bx - ax, ey = by - ay;
  const double len2 = ex * ex + ey * ey;
  double t = len2 > 0 ? ((px - ax) * ex + (py - ay) * ey) / len2 : 0.0;
  t = t < 0 ? 0 : (t > 1 ? 1 : t);
  const double dx = ax + t * ex - px, dy = ay + t * ey - py;
  *t_out = t;
  return dx * dx + dy * dy;
}

// Winding contribution of edge a-b to a point at (px, py): +-1 when the edge crosses the row y = py
// (half-open in y) strictly left of px, else 0. Summed over edges: the nonzero winding rule.
FP_HD int edge_crossing_x(double py, double ax, double ay, double bx, double by, double* x_out) {
  if ((ay <= py) == (by <= py)) return 0;
  *x_out = ax + (py - ay) * (bx - ax) / (by - ay);
  return by > ay ? 1 : -1;
}

// A closed contour with per-vertex widths; edge k joins vertex k and vertex (k + 1) % n.
struct Contour {
  const double* xy;     // (n, 2)
  const double* inner;  // (n,)
  const double* outer;  // (n,)
  int n;
};

// Winding number of the contour around (px, py): nonzero means inside (the nonzero rule).
FP_HD int winding_number(const Contour& c, double px, double py) {
  int w = 0;
  for (int k = 0; k < c.n; ++k) {
    const int k1 = k + 1 == c.n ? 0 : k + 1;
    double x;
    const int dir = edge_crossing_x(py, c.xy[2 * k], c.xy[2 * k + 1], c.xy[2 * k1], c.xy[2 * k1 + 1], &x);
    if (dir && x < px) w += dir;
  }
  return w;
}

// Value of the pixel whose centre is (px, py), given whether the centre is inside (nonzero winding)
// and the edges that can hold its nearest point (edges == nullptr: all of them).
FP_HD float contour_pixel(const Contour& c, double px, double py, bool inside, const int* edges, int n_edges) {
  double best = 1e300, best_t = 0;
  int best_k = 0;
  const int count = edges ? n_edges : c.n;
  for (int i = 0; i < count; ++i) {
    const int k = edges ? edges[i] : i;
    const int k1 = k + 1 == c.n ? 0 : k + 1;
    double t;
    const double d2 = segment_dist2(px, py, c.xy[2 * k], c.xy[2 * k + 1], c.xy[2 * k1], c.xy[2 * k1 + 1], &t);
    if (d2 < best) {
      best = d2;
      best_t = t;
      best_k = k;
    }
  }
  const int k = best_k, k1 = k + 1 == c.n ? 0 : k + 1;
  const double ax = c.xy[2 * k], ay = c.xy[2 * k + 1], bx = c.xy[2 * k1], by = c.xy[2 * k1 + 1];
  const double dist = sqrt(best);
  double nx, ny;
  if (dist > 1e-9) {
    nx = (px - (ax + best_t * (bx - ax))) / dist;
    ny = (py - (ay + best_t * (by - ay))) / dist;
  } else {  // on the contour: the edge's own normal
    const double ex = bx - ax, ey = by - ay, len = sqrt(ex * ex + ey * ey);
    nx = len > 0 ? -ey / len : 1.0;
    ny = len > 0 ? ex / len : 0.0;
  }
  const double wi = c.inner[k] + best_t * (c.inner[k1] - c.inner[k]);
  const double wo = c.outer[k] + best_t * (c.outer[k1] - c.outer[k]);
  return pixel_value(inside ? dist : -dist, wi, wo, nx, ny);
}

}  // namespace matte_math
}  // namespace faceplate
