#include "paste.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parallel.h"

namespace faceplate {

Box paste_footprint(int plate_width, int plate_height, int face_width, int face_height,
                    const Matrix3& aligned_from_plate, Filter filter) {
  const Box whole{0, 0, plate_width, plate_height};
  Matrix3 plate_from_aligned;
  if (!invert(aligned_from_plate, plate_from_aligned)) return Box{};
  // Matte samples are non-zero only within this reach of the crop (0 outside it, constant border).
  const double reach = filter == Filter::nearest ? 0.0 : filter == Filter::bilinear ? 0.5 : 1.5;
  const double xs[2] = {-reach, face_width + reach}, ys[2] = {-reach, face_height + reach};
  const double* t = plate_from_aligned.m;
  double x_min = std::numeric_limits<double>::infinity(), y_min = x_min, x_max = -x_min, y_max = -x_min;
  for (double qy : ys) {
    for (double qx : xs) {
      const double w = t[6] * qx + t[7] * qy + t[8];
      if (!(w > 1e-12)) return whole;  // the crop crosses the horizon: no finite footprint
      const double px = (t[0] * qx + t[1] * qy + t[2]) / w, py = (t[3] * qx + t[4] * qy + t[5]) / w;
      x_min = std::min(x_min, px), x_max = std::max(x_max, px);
      y_min = std::min(y_min, py), y_max = std::max(y_max, py);
    }
  }
  // Pixel x is inside when its centre x + 0.5 is in [x_min, x_max]; the bilinear and bicubic
  // weights vanish on that boundary, so for them the interval is open.
  const bool open = filter != Filter::nearest;
  auto clip = [](double v, int hi) { return int(std::min<double>(std::max<double>(v, 0.0), hi)); };
  auto first = [&](double lo, int hi) { return clip(open ? std::floor(lo - 0.5) + 1 : std::ceil(lo - 0.5), hi); };
  auto last = [&](double up, int hi) { return clip(open ? std::ceil(up - 0.5) : std::floor(up - 0.5) + 1, hi); };
  const Box b{first(x_min, plate_width), first(y_min, plate_height), last(x_max, plate_width),
              last(y_max, plate_height)};
  return b.empty() ? Box{} : b;
}

namespace {

// Blends one plate pixel d with face value px through matte value alpha (skipping alpha <= 0).
template <int C>
FP_INLINE void blend(float* d, const float* px, float alpha, const PasteParams& p, int nc) {
  alpha = std::min(alpha, 1.f);  // bicubic overshoot must not extrapolate the plate
  for (int c = 0; c < (C ? C : nc); ++c) {
    float& v = d[p.plate_channel[c]];
    v += alpha * (px[c] - v);
  }
}

// Face and matte share their size, so one set of span coordinates serves both.
template <int C, Filter F, bool Perspective>
void paste_rows(const Image& plate, const Image& face, const Image& matte, const PasteParams& p, const Box& box,
                int y_begin, int y_end) {
  const Source<float, C> f(face);
  const Source<float, 1> m(matte);
  const PixelMapper map(p.aligned_from_plate);
  const int nc = f.nc(), plate_nc = plate.channels;
  float* const out = static_cast<float*>(plate.data);
  float px[C ? C : 64];
  SpanCoords sc;
  for (int y = y_begin; y < y_end; ++y) {
    for (int xs = box.x0 - ((box.x0 % kSpan) + kSpan) % kSpan; xs < box.x1; xs += kSpan) {
      const int x0 = std::max(xs, box.x0), x1 = std::min(xs + kSpan, box.x1);
      float* d = out + (int64_t(y) * plate.width + x0) * plate_nc;
      if (F != Filter::nearest &&
          span_coords<F, Perspective>(p.aligned_from_plate, xs, y, kSpan, f.width, f.height, sc)) {
        for (int k = x0 - xs; k < x1 - xs; ++k, d += plate_nc) {
          float alpha;
          interpolate_interior<F>(m, m.pixel(sc.ix[k], sc.iy[k]), sc.fx[k], sc.fy[k], &alpha);
          if (!(alpha > 0.f)) continue;  // outside the matte (and NaN mattes) leave the plate alone
          interpolate_interior<F>(f, f.pixel(sc.ix[k], sc.iy[k]), sc.fx[k], sc.fy[k], px);
          blend<C>(d, px, alpha, p, nc);
        }
        continue;
      }
      for (int x = x0; x < x1; ++x, d += plate_nc) {
        double qx, qy;
        float alpha;
        if (!map.map(x, y, qx, qy) || !sample<F>(m, qx, qy, Border::constant, 0.f, &alpha) || !(alpha > 0.f)) continue;
        sample<F>(f, qx, qy, Border::edge, 0.f, px);
        blend<C>(d, px, alpha, p, nc);
      }
    }
  }
}

using RowFn = void (*)(const Image&, const Image&, const Image&, const PasteParams&, const Box&, int, int);

template <int C, bool P>
RowFn pick_filter(Filter f) {
  switch (f) {
    case Filter::nearest:
      return &paste_rows<C, Filter::nearest, P>;
    case Filter::bilinear:
      return &paste_rows<C, Filter::bilinear, P>;
    default:
      return &paste_rows<C, Filter::bicubic, P>;
  }
}

template <int C>
RowFn pick_filter(Filter f, bool perspective) {
  return perspective ? pick_filter<C, true>(f) : pick_filter<C, false>(f);
}

}  // namespace

void paste_back(const Image& plate, const Image& face, const Image& matte, const PasteParams& params, const Box& box) {
  if (box.empty()) return;
  const bool perspective = !params.aligned_from_plate.is_affine();
  RowFn rows;
  switch (face.channels) {
    case 1:
      rows = pick_filter<1>(params.filter, perspective);
      break;
    case 3:
      rows = pick_filter<3>(params.filter, perspective);
      break;
    case 4:
      rows = pick_filter<4>(params.filter, perspective);
      break;
    default:
      rows = pick_filter<0>(params.filter, perspective);
  }
  parallel_for(
      box.y1 - box.y0,
      [&](int64_t b, int64_t e) { rows(plate, face, matte, params, box, int(box.y0 + b), int(box.y0 + e)); }, 8);
}

}  // namespace faceplate
