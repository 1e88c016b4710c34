// Pixel sampling shared by the CPU warps and paste_back: image views, float16 conversion,
// filters, border modes and the projective pixel mapping.
//
// Conventions: images are channels-last (H, W, C) and C-contiguous; pixel centres sit at +0.5 with
// the origin at the top-left corner, so pixel (i, j) covers [j, j+1) x [i, i+1). A "source
// position" (sx, sy) below is in those continuous coordinates.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__GNUC__)
#define FP_INLINE inline __attribute__((always_inline))
#else
#define FP_INLINE inline
#endif

namespace faceplate {

// No Lanczos: measured (issue #3) and left out. On the astronaut photo in linear light, a rotate and
// back round trip gains ~2-3 dB PSNR over bicubic with cv2's INTER_LANCZOS4 (37-39 -> 40-42 dB, a
// gain below what the swap network's own output loses), at ~3.4x bicubic's time (UHD RGBA: 451 vs
// 131 ms), and its larger negative lobes ring harder at scene-linear highlights: a 0.05 -> 20 edge,
// rotated 7 degrees and scaled 1.3, undershoots to -2.47 (OpenCV a = -0.75 bicubic -2.17, ours
// Catmull-Rom -1.43). Shrinking crops get AlignEdit's anti-alias pre-blur, not a wider kernel.
enum class Filter : int { nearest, bilinear, bicubic };
enum class Border : int { constant, edge, transparent };
enum class DType : int { float32, float16 };

// IEEE binary16 storage; arithmetic always happens in float.
struct half_t {
  uint16_t bits;
};

FP_INLINE float to_float(float v) { return v; }
FP_INLINE float to_float(half_t h) {
  // Exponent rebias with the denormal fix-up (F. Giesen, "half_to_float_fast4").
  uint32_t u = uint32_t(h.bits & 0x7fffu) << 13;
  const uint32_t exp = u & (0x7c00u << 13);
  u += (127 - 15) << 23;
  float f;
  if (exp == (0x7c00u << 13)) {
    u += (128 - 16) << 23;  // inf / nan
    std::memcpy(&f, &u, 4);
  } else if (exp == 0) {
    u += 1 << 23;  // denormal: renormalise through a float subtraction
    std::memcpy(&f, &u, 4);
    f -= 6.103515625e-05f;  // 2^-14
  } else {
    std::memcpy(&f, &u, 4);
  }
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits |= uint32_t(h.bits & 0x8000u) << 16;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <class T>
FP_INLINE T from_float(float v);
template <>
FP_INLINE float from_float<float>(float v) {
  return v;
}
template <>
FP_INLINE half_t from_float<half_t>(float v) {
  // Round to nearest even, overflow to inf, nan stays nan (F. Giesen, "float_to_half_fast3_rtne").
  uint32_t f;
  std::memcpy(&f, &v, 4);
  const uint32_t sign = f & 0x80000000u;
  f ^= sign;
  uint16_t o;
  if (f >= (127u + 16u) << 23) {
    o = f > (255u << 23) ? 0x7e00 : 0x7c00;
  } else if (f < (113u << 23)) {
    const uint32_t magic_bits = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    float magic, x;
    std::memcpy(&magic, &magic_bits, 4);
    std::memcpy(&x, &f, 4);
    x += magic;
    std::memcpy(&f, &x, 4);
    o = uint16_t(f - magic_bits);
  } else {
    const uint32_t mant_odd = (f >> 13) & 1u;
    f += (uint32_t(15 - 127) << 23) + 0xfffu;
    f += mant_odd;
    o = uint16_t(f >> 13);
  }
  return half_t{uint16_t(o | (sign >> 16))};
}

// A borrowed (H, W, C) C-contiguous image.
struct Image {
  void* data = nullptr;
  int height = 0, width = 0, channels = 0;
  DType dtype = DType::float32;
};

// Half-open pixel box [x0, x1) x [y0, y1).
struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

// Row-major 3x3 projective matrix; affine ones have the last row (0, 0, 1).
struct Matrix3 {
  double m[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  bool is_affine() const { return m[6] == 0.0 && m[7] == 0.0 && m[8] == 1.0; }
};

// Inverse of a; false when a is singular (relative to its scale) or the inverse is not finite.
bool invert(const Matrix3& a, Matrix3& inv);

// Maps pixel centres of one image to continuous positions in another through a 3x3 matrix.
// Points that land behind the projection (w <= 0) are reported as not mapped.
struct PixelMapper {
  Matrix3 t;
  bool perspective;
  explicit PixelMapper(const Matrix3& to) : t(to), perspective(!to.is_affine()) {}

  FP_INLINE bool map(int x, int y, double& sx, double& sy) const {
    const double X = x + 0.5, Y = y + 0.5;
    sx = t.m[0] * X + t.m[1] * Y + t.m[2];
    sy = t.m[3] * X + t.m[4] * Y + t.m[5];
    if (perspective) {
      const double w = t.m[6] * X + t.m[7] * Y + t.m[8];
      if (!(w > 1e-12)) return false;
      const double inv = 1.0 / w;
      sx *= inv;
      sy *= inv;
    }
    return true;
  }
};

// floor() for values already clamped into int range (no libm call on plain x86-64).
FP_INLINE int floor_int(double v) {
  const int i = int(v);
  return i - (v < double(i));
}

// Keys cubic convolution weights with a = -0.5 (Catmull-Rom) for taps at -1, 0, +1, +2.
FP_INLINE void cubic_weights(float t, float w[4]) {
  const float a = -0.5f;
  w[0] = ((a * t - 2 * a) * t + a) * t;
  w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  w[2] = ((-(a + 2) * t + (2 * a + 3)) * t - a) * t;
  w[3] = a * t * t * (1 - t);
}

// Source image seen through typed pointers. C is the channel count when known at compile time,
// 0 for a run-time count.
template <class T, int C>
struct Source {
  const T* data;
  int width, height, channels;
  explicit Source(const Image& im)
      : data(static_cast<const T*>(im.data)), width(im.width), height(im.height), channels(C ? C : im.channels) {}
  FP_INLINE int nc() const { return C ? C : channels; }
  FP_INLINE const T* pixel(int x, int y) const { return data + (int64_t(y) * width + x) * nc(); }
};

template <int C, class T>
FP_INLINE void add_weighted(float* acc, const T* p, float w, int nc) {
  for (int c = 0; c < (C ? C : nc); ++c) acc[c] += w * to_float(p[c]);
}

// Filtered value at tap origin p (the pixel at (ix, iy) of SpanCoords) with fractions fx, fy, for
// a sample whose taps are all inside the source (bilinear and bicubic).
template <Filter F, int C, class T>
FP_INLINE void interpolate_interior(const Source<T, C>& s, const T* p, float fx, float fy, float* out) {
  const int nc = s.nc();
  const int64_t row = int64_t(s.width) * nc;
  if constexpr (F == Filter::bilinear) {
    for (int c = 0; c < (C ? C : nc); ++c) {
      const float a = to_float(p[c]), b = to_float(p[(C ? C : nc) + c]);
      const float e = to_float(p[row + c]), f = to_float(p[row + (C ? C : nc) + c]);
      const float top = a + fx * (b - a), bottom = e + fx * (f - e);
      out[c] = top + fy * (bottom - top);
    }
  } else {
    float wx[4], wy[4];
    cubic_weights(fx, wx);
    cubic_weights(fy, wy);
    for (int c = 0; c < (C ? C : nc); ++c) out[c] = 0.f;
    p -= row + (C ? C : nc);
    for (int j = 0; j < 4; ++j, p += row) {
      for (int c = 0; c < (C ? C : nc); ++c) {
        const float r = wx[0] * to_float(p[c]) + wx[1] * to_float(p[(C ? C : nc) + c]) +
                        wx[2] * to_float(p[2 * (C ? C : nc) + c]) + wx[3] * to_float(p[3 * (C ? C : nc) + c]);
        out[c] += wy[j] * r;
      }
    }
  }
}

// Clamps a source position so that floor_int() stays in range; far-away positions stay far away.
FP_INLINE double clamp_position(double v, int extent) {
  if (!(v >= -8.0)) return -8.0;  // also catches NaN
  if (v > extent + 8.0) return extent + 8.0;
  return v;
}

// Filter footprint in one axis: tap count, first tap index and weights for position s.
template <Filter F>
struct Taps {
  static constexpr int n = F == Filter::nearest ? 1 : F == Filter::bilinear ? 2 : 4;
  int first;
  float w[n];
  FP_INLINE explicit Taps(double s) {
    if constexpr (F == Filter::nearest) {
      first = floor_int(s);
      w[0] = 1.f;
    } else {
      const double u = s - 0.5;
      const int i = floor_int(u);
      const float t = float(u - i);
      if constexpr (F == Filter::bilinear) {
        first = i;
        w[0] = 1.f - t;
        w[1] = t;
      } else {
        first = i - 1;
        cubic_weights(t, w);
      }
    }
  }
};

// Slow path for samples whose taps leave the image: applies the border mode tap by tap.
// Returns false when the pixel must be left untouched (transparent border, position outside).
template <Filter F, int C, class T>
bool sample_border(const Source<T, C>& s, double sx, double sy, Border border, float border_value, float* out) {
  const int nc = s.nc();
  if (border == Border::transparent && !(sx >= 0 && sx < s.width && sy >= 0 && sy < s.height)) return false;
  const Taps<F> tx(sx), ty(sy);
  for (int c = 0; c < nc; ++c) out[c] = 0.f;
  float outside_weight = 0.f;
  for (int j = 0; j < Taps<F>::n; ++j) {
    int y = ty.first + j;
    const bool y_in = y >= 0 && y < s.height;
    if (!y_in) y = y < 0 ? 0 : s.height - 1;
    for (int i = 0; i < Taps<F>::n; ++i) {
      int x = tx.first + i;
      const bool x_in = x >= 0 && x < s.width;
      if (!x_in) x = x < 0 ? 0 : s.width - 1;
      const float w = tx.w[i] * ty.w[j];
      if (border == Border::constant && !(x_in && y_in)) {
        outside_weight += w;
      } else {
        add_weighted<C>(out, s.pixel(x, y), w, nc);
      }
    }
  }
  if (outside_weight != 0.f) {
    for (int c = 0; c < nc; ++c) out[c] += outside_weight * border_value;
  }
  return true;
}

// Samples source s at continuous position (sx, sy) into out[0..channels). Interior samples take
// the fast path with no bounds logic; the rest go through sample_border().
template <Filter F, int C, class T>
FP_INLINE bool sample(const Source<T, C>& s, double sx, double sy, Border border, float border_value, float* out) {
  sx = clamp_position(sx, s.width);
  sy = clamp_position(sy, s.height);
  if constexpr (F == Filter::nearest) {
    const int x = floor_int(sx), y = floor_int(sy);
    if (unsigned(x) < unsigned(s.width) && unsigned(y) < unsigned(s.height)) {
      const T* p = s.pixel(x, y);
      for (int c = 0; c < (C ? C : s.nc()); ++c) out[c] = to_float(p[c]);
      return true;
    }
  } else {
    constexpr int before = F == Filter::bicubic ? 1 : 0, after = F == Filter::bilinear ? 1 : 2;
    const double u = sx - 0.5, v = sy - 0.5;
    const int x = floor_int(u), y = floor_int(v);
    if (x - before >= 0 && x + after < s.width && y - before >= 0 && y + after < s.height) {
      interpolate_interior<F>(s, s.pixel(x, y), float(u - x), float(v - y), out);
      return true;
    }
  }
  return sample_border<F>(s, sx, sy, border, border_value, out);
}

// Rows are processed in spans: first the span's tap positions and weights (a loop the compiler
// vectorises), then, when every tap of the span is inside the source, a gather loop with no bounds
// logic. Spans that touch the border go pixel by pixel through sample().
constexpr int kSpan = 64;

struct SpanCoords {
  int ix[kSpan], iy[kSpan];
  float fx[kSpan], fy[kSpan];
};

// Tap origins and fractions for output pixels x0 .. x0+n-1 of row y, when every tap of the span
// lies inside a width x height source; false (and nothing computed) otherwise.
// Along a row the source position is linear (affine) or a ratio of linear functions with no pole
// between the span's ends (perspective, w > 0 at both ends), so it is monotonic and the two end
// points bound the span: checking them, with a small margin for rounding, proves every pixel
// interior. The per-pixel loop then needs no comparisons and vectorises. It runs in float: affine
// spans relative to an integer origin (error ~1e-5 px), perspective ones absolute (~1e-3 px at 8K).
template <Filter F, bool Perspective>
FP_INLINE bool span_coords(const Matrix3& t, int x0, int y, int n, int width, int height, SpanCoords& sc) {
  // Bilinear and bicubic taps are found from the position of pixel centres (s - 0.5).
  constexpr double shift = F == Filter::nearest ? 0.0 : 0.5, margin = 1e-3;
  constexpr int before = F == Filter::bicubic ? 1 : 0;
  constexpr int after = F == Filter::nearest ? 0 : F == Filter::bilinear ? 1 : 2;
  const double Y = y + 0.5, X0 = x0 + 0.5;
  const double ux = t.m[0] * X0 + t.m[1] * Y + t.m[2], uy = t.m[3] * X0 + t.m[4] * Y + t.m[5];
  const double uw = t.m[6] * X0 + t.m[7] * Y + t.m[8];
  double lo_x = 0, lo_y = 0;
  for (const int k : {0, n - 1}) {
    double sx = ux + k * t.m[0], sy = uy + k * t.m[3];
    if (Perspective) {
      const double w = uw + k * t.m[6];
      if (!(w > 1e-9)) return false;
      sx /= w, sy /= w;
    }
    sx -= shift, sy -= shift;
    if (!(sx >= before + margin && sx < width - after - margin && sy >= before + margin &&
          sy < height - after - margin))
      return false;
    lo_x = k ? std::min(lo_x, sx) : sx;
    lo_y = k ? std::min(lo_y, sy) : sy;
  }
  // All positions are >= 0 from here on, so int() truncation is floor().
  const int bx = Perspective ? 0 : int(lo_x), by = Perspective ? 0 : int(lo_y);
  const float fu = float(ux - (Perspective ? 0.0 : shift + bx)), fv = float(uy - (Perspective ? 0.0 : shift + by));
  const float du = float(t.m[0]), dv = float(t.m[3]), dw = float(t.m[6]), fw = float(uw);
  for (int k = 0; k < n; ++k) {
    float sx = fu + k * du, sy = fv + k * dv;
    if (Perspective) {
      const float inv = 1.f / (fw + k * dw);
      sx = sx * inv - float(shift);
      sy = sy * inv - float(shift);
    }
    const int ix = int(sx), iy = int(sy);
    sc.fx[k] = sx - float(ix), sc.fy[k] = sy - float(iy);
    sc.ix[k] = ix + bx, sc.iy[k] = iy + by;
  }
  return true;
}

}  // namespace faceplate
