// CPU warps. The row kernel is one template, specialised on input/output type, channel count
// (1, 3, 4 or any) and filter, and compiled twice on x86-64: once for the baseline ISA and once for
// AVX2+FMA, chosen at run time (never -march=native: the wheel must run on any x86-64).
#include "warp.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "parallel.h"

namespace faceplate {

bool invert(const Matrix3& a, Matrix3& r) {
  const double* m = a.m;
  const double c0 = m[4] * m[8] - m[5] * m[7];
  const double c1 = m[5] * m[6] - m[3] * m[8];
  const double c2 = m[3] * m[7] - m[4] * m[6];
  const double det = m[0] * c0 + m[1] * c1 + m[2] * c2;
  double scale = 0.0;
  for (double v : a.m) scale = std::max(scale, std::abs(v));
  // Relative test: a transform that squashes the plane below ~1e-12 of its scale is singular.
  if (!std::isfinite(det) || std::abs(det) <= 1e-12 * scale * scale * scale) return false;
  const double k = 1.0 / det;
  r.m[0] = c0 * k;
  r.m[1] = (m[2] * m[7] - m[1] * m[8]) * k;
  r.m[2] = (m[1] * m[5] - m[2] * m[4]) * k;
  r.m[3] = c1 * k;
  r.m[4] = (m[0] * m[8] - m[2] * m[6]) * k;
  r.m[5] = (m[2] * m[3] - m[0] * m[5]) * k;
  r.m[6] = c2 * k;
  r.m[7] = (m[1] * m[6] - m[0] * m[7]) * k;
  r.m[8] = (m[0] * m[4] - m[1] * m[3]) * k;
  if (a.is_affine()) {  // keep affine exact: no rounding noise in the last row
    r.m[6] = r.m[7] = 0.0;
    r.m[8] = 1.0;
  }
  for (double v : r.m) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

namespace {

// Output columns are processed in tiles so that steep rotations still reuse cached source rows: a
// tile is as wide as keeps one output row's taps within about kTileSourceRows source rows (full rows
// for shifts and small rotations, whose long sequential runs the prefetchers like best; 256 columns
// at the narrowest).
constexpr double kTileSourceRows = 64.0;
constexpr int kMinTileWidth = 256;

int tile_width(const Matrix3& src_from_dst, int roi_width) {
  const double rows_per_column = std::abs(src_from_dst.m[3]);  // d(source y) / d(output x)
  if (rows_per_column * roi_width <= kTileSourceRows) return roi_width;
  return std::max(kMinTileWidth, int(kTileSourceRows / rows_per_column) / kSpan * kSpan);
}

// Software prefetch of the source rows that output row y + kPrefetchRows will read. Along a rotated
// row the taps step to a new source row every 1 / |d(source y) / d(output x)| pixels, so each output
// row starts many short streams the hardware prefetchers do not follow, and the first touch of each
// cache line stalls on DRAM. For an affine map that row's taps are this row's shifted by a constant
// offset, so prefetching them costs one instruction per cache line. Into L2 (locality 2), not L1:
// four rows ahead is ~4 output rows of traffic, more than L1 holds. Measured on a shared 2-core Zen 4,
// UHD RGBA float bilinear against cv2.warpAffine at 2 threads, medians of 8 interleaved runs, two
// sessions: 5 degrees 0.86x / 0.83x -> 1.02x / 0.91x, 30 degrees 0.60x / 0.68x -> 0.91x / 0.85x
// (2 rows ahead: 0.96x / 0.83x; 6 rows: 1.02x / 0.88x; locality 3: 0.87x / 0.92x). Shifts and slight
// rotations (under one new source row per 1 / kPrefetchMinSlope output pixels) stream by row and are
// left to the hardware. Prefetch addresses may fall outside the source: prefetches never fault, and
// they are formed as integers, not pointers.
constexpr int kPrefetchRows = 4;
constexpr int kPrefetchLocality = 2;
constexpr double kPrefetchMinSlope = 1.0 / 64.0;

// Element offset from a tap to the same tap kPrefetchRows output rows below; 0: no prefetching.
int64_t prefetch_offset(const Matrix3& t, int width, int nc, bool perspective) {
  if (perspective || std::abs(t.m[3]) < kPrefetchMinSlope) return 0;
  const int64_t dy = std::lround(kPrefetchRows * t.m[4]), dx = std::lround(kPrefetchRows * t.m[1]);
  return (dy * width + dx) * nc;
}

// Prefetches the first and last tap rows, kPrefetchRows output rows ahead, once per cache line of
// the span's output (the taps move about as fast as the output along a row).
template <Filter F, int C, class In>
FP_INLINE void prefetch_span(const Source<In, C>& s, const SpanCoords& sc, int k_begin, int k_end, int64_t offset) {
  constexpr int first = F == Filter::bicubic ? -1 : 0, last = F == Filter::bicubic ? 2 : F == Filter::bilinear ? 1 : 0;
  const int nc = s.nc();
  const int64_t row = int64_t(s.width) * nc;
  const int step = std::max(1, int(64 / (sizeof(In) * nc)));
  const intptr_t ahead = intptr_t(offset * int64_t(sizeof(In))),
                 first_row = intptr_t(first * row * int64_t(sizeof(In)));
  const intptr_t last_row = intptr_t(last * row * int64_t(sizeof(In)));
  for (int k = k_begin; k < k_end; k += step) {
    const intptr_t p = reinterpret_cast<intptr_t>(s.pixel(sc.ix[k], sc.iy[k])) + ahead;
    __builtin_prefetch(reinterpret_cast<const void*>(p + first_row), 0, kPrefetchLocality);
    if (last != first) __builtin_prefetch(reinterpret_cast<const void*>(p + last_row), 0, kPrefetchLocality);
  }
}

// Interior gather for a span whose taps are all inside the source.
template <Filter F, int C, class In, class Out>
FP_INLINE void span_interior(const Source<In, C>& s, const SpanCoords& sc, int k_begin, int k_end, Out* d) {
  const int nc = s.nc();
  const int64_t row = int64_t(s.width) * nc;
  for (int k = k_begin; k < k_end; ++k, d += nc) {
    const In* p = s.pixel(sc.ix[k], sc.iy[k]);
    if constexpr (F == Filter::nearest) {
      for (int c = 0; c < (C ? C : nc); ++c) d[c] = from_float<Out>(to_float(p[c]));
    } else if constexpr (F == Filter::bilinear && C == 4 && std::is_same_v<In, float> && std::is_same_v<Out, float>) {
      // RGBA float: one 4-lane vector per tap (SSE on baseline x86-64, VEX-encoded in the AVX2 clone).
      typedef float v4f __attribute__((vector_size(16)));
      v4f a, b, e, f;
      std::memcpy(&a, p, 16), std::memcpy(&b, p + 4, 16), std::memcpy(&e, p + row, 16),
          std::memcpy(&f, p + row + 4, 16);
      const v4f top = a + sc.fx[k] * (b - a), bottom = e + sc.fx[k] * (f - e);
      const v4f r = top + sc.fy[k] * (bottom - top);
      std::memcpy(d, &r, 16);
    } else {
      float px[C ? C : 64];
      interpolate_interior<F>(s, p, sc.fx[k], sc.fy[k], px);
      for (int c = 0; c < (C ? C : nc); ++c) d[c] = from_float<Out>(px[c]);
    }
  }
}

template <class In, class Out, int C, Filter F, bool Perspective>
FP_INLINE void warp_rows(const Image& src, const Image& dst, const WarpParams& p, int y_begin, int y_end) {
  const Source<In, C> s(src);
  const int nc = s.nc();
  const Matrix3& t = p.src_from_dst;
  const PixelMapper mapper(t);
  Out* const out = static_cast<Out*>(dst.data);
  SpanCoords sc;
  float px[C ? C : 64];
  const int tile = tile_width(t, p.roi.x1 - p.roi.x0);
  const int64_t prefetch = prefetch_offset(t, s.width, nc, Perspective);
  for (int tx0 = p.roi.x0; tx0 < p.roi.x1; tx0 += tile) {
    const int tx1 = std::min(p.roi.x1, tx0 + tile);
    for (int y = y_begin; y < y_end; ++y) {
      // Spans sit on a fixed grid of output columns, whatever the roi: a pixel is always computed
      // by the same path with the same arithmetic, so roi renders match full renders bit for bit.
      for (int xs = tx0 - ((tx0 % kSpan) + kSpan) % kSpan; xs < tx1; xs += kSpan) {
        const int x0 = std::max(xs, tx0), x1 = std::min(xs + kSpan, tx1);
        Out* d = out + (int64_t(y) * dst.width + x0) * nc;
        if (span_coords<F, Perspective>(t, xs, y, kSpan, s.width, s.height, sc)) {
          if (prefetch) prefetch_span<F>(s, sc, x0 - xs, x1 - xs, prefetch);
          span_interior<F>(s, sc, x0 - xs, x1 - xs, d);
          continue;
        }
        for (int x = x0; x < x1; ++x, d += nc) {
          double sx, sy;
          bool written = true;
          if (mapper.map(x, y, sx, sy)) {
            written = sample<F>(s, sx, sy, p.border, p.border_value, px);
          } else if (p.border == Border::transparent) {  // behind the projection centre
            written = false;
          } else {
            for (int c = 0; c < nc; ++c) px[c] = p.border_value;
          }
          if (written) {
            for (int c = 0; c < (C ? C : nc); ++c) d[c] = from_float<Out>(px[c]);
          }
        }
      }
    }
  }
}

using RowFn = void (*)(const Image&, const Image&, const WarpParams&, int, int);

template <class In, class Out, int C, Filter F, bool P>
void rows_baseline(const Image& s, const Image& d, const WarpParams& p, int b, int e) {
  warp_rows<In, Out, C, F, P>(s, d, p, b, e);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define FACEPLATE_AVX2_CLONES 1
template <class In, class Out, int C, Filter F, bool P>
__attribute__((target("avx2,fma"))) void rows_avx2(const Image& s, const Image& d, const WarpParams& p, int b, int e) {
  warp_rows<In, Out, C, F, P>(s, d, p, b, e);
}
bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

template <class In, class Out, int C, Filter F, bool P>
RowFn pick_target() {
#ifdef FACEPLATE_AVX2_CLONES
  if (cpu_has_avx2()) return &rows_avx2<In, Out, C, F, P>;
#endif
  return &rows_baseline<In, Out, C, F, P>;
}

template <class In, class Out, int C>
RowFn pick_filter(Filter f, bool perspective) {
  switch (f) {
    case Filter::nearest:
      return perspective ? pick_target<In, Out, C, Filter::nearest, true>()
                         : pick_target<In, Out, C, Filter::nearest, false>();
    case Filter::bilinear:
      return perspective ? pick_target<In, Out, C, Filter::bilinear, true>()
                         : pick_target<In, Out, C, Filter::bilinear, false>();
    default:
      return perspective ? pick_target<In, Out, C, Filter::bicubic, true>()
                         : pick_target<In, Out, C, Filter::bicubic, false>();
  }
}

// float32 gets channel-specialised loops (the hot path); float16 runs the generic channel loop.
RowFn pick(const Image& src, const Image& dst, Filter f, bool perspective) {
  const bool src16 = src.dtype == DType::float16, dst16 = dst.dtype == DType::float16;
  if (src16 && dst16) return pick_filter<half_t, half_t, 0>(f, perspective);
  if (src16) return pick_filter<half_t, float, 0>(f, perspective);
  if (dst16) return pick_filter<float, half_t, 0>(f, perspective);
  switch (src.channels) {
    case 1:
      return pick_filter<float, float, 1>(f, perspective);
    case 3:
      return pick_filter<float, float, 3>(f, perspective);
    case 4:
      return pick_filter<float, float, 4>(f, perspective);
    default:
      return pick_filter<float, float, 0>(f, perspective);
  }
}

}  // namespace

void warp(const Image& src, const Image& dst, const WarpParams& params) {
  const RowFn rows = pick(src, dst, params.filter, !params.src_from_dst.is_affine());
  const int y0 = params.roi.y0;
  parallel_for(params.roi.y1 - y0, [&](int64_t b, int64_t e) { rows(src, dst, params, int(y0 + b), int(y0 + e)); }, 8);
}

}  // namespace faceplate
