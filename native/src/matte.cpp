#include "matte.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "erode_math.h"
#include "matte_math.h"
#include "parallel.h"

namespace faceplate {
namespace {

using matte_math::Contour;

// polygon_matte works on square tiles: a tile farther than the widest feather from the contour is
// uniformly 0 or 1, and a tile near it only tests the edges that can hold its pixels' nearest point.
constexpr int kTile = 16;

enum TileKind : uint8_t { kOutside = 0, kInside = 1, kEdge = 2 };

struct Tile {
  TileKind kind;
  std::vector<int> edges;
};

// Classifies the tile whose pixel centres span [x0 + .5, x1 - .5] x [y0 + .5, y1 - .5].
void classify_tile(const Contour& c, int x0, int y0, int x1, int y1, double band, std::vector<double>& dist,
                   Tile& tile) {
  const double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
  const double r = 0.5 * std::hypot(double(x1 - x0 - 1), double(y1 - y0 - 1));  // centre to farthest pixel centre
  double dc = std::numeric_limits<double>::infinity();
  for (int k = 0; k < c.n; ++k) {
    const int k1 = k + 1 == c.n ? 0 : k + 1;
    double t;
    dist[k] =
        std::sqrt(matte_math::segment_dist2(cx, cy, c.xy[2 * k], c.xy[2 * k + 1], c.xy[2 * k1], c.xy[2 * k1 + 1], &t));
    dc = std::min(dc, dist[k]);
  }
  tile.edges.clear();
  if (dc - r > band) {
    tile.kind = matte_math::winding_number(c, cx, cy) != 0 ? kInside : kOutside;
    return;
  }
  // A pixel's nearest edge is within dc + r of it, hence within dc + 2r of the tile centre.
  tile.kind = kEdge;
  for (int k = 0; k < c.n; ++k) {
    if (dist[k] <= dc + 2 * r + 1e-9) tile.edges.push_back(k);
  }
}

}  // namespace

PixelRect polygon_matte_region(const double* xy, const double* outer, int n, int height, int width, PixelRect roi) {
  double minx = xy[0], maxx = xy[0], miny = xy[1], maxy = xy[1], grow = 0;
  for (int k = 0; k < n; ++k) {
    minx = std::min(minx, xy[2 * k]);
    maxx = std::max(maxx, xy[2 * k]);
    miny = std::min(miny, xy[2 * k + 1]);
    maxy = std::max(maxy, xy[2 * k + 1]);
    grow = std::max(grow, outer[k]);
  }
  grow += 1.0;  // the anti-aliased fringe reaches ~0.71 px past the contour
  auto clampi = [](double v, int lo, int hi) { return int(std::max<double>(lo, std::min<double>(hi, v))); };
  PixelRect r;
  r.x0 = clampi(std::floor(minx - grow), std::max(0, roi.x0), std::min(width, roi.x1));
  r.x1 = clampi(std::ceil(maxx + grow), std::max(0, roi.x0), std::min(width, roi.x1));
  r.y0 = clampi(std::floor(miny - grow), std::max(0, roi.y0), std::min(height, roi.y1));
  r.y1 = clampi(std::ceil(maxy + grow), std::max(0, roi.y0), std::min(height, roi.y1));
  return r;
}

void polygon_matte(float* matte, int height, int width, const double* xy, const double* inner, const double* outer,
                   int n, PixelRect region, bool replace) {
  (void)height;
  if (region.empty() || n < 3) return;
  const Contour c{xy, inner, outer, n};
  double band = 0;
  for (int k = 0; k < n; ++k) band = std::max({band, inner[k], outer[k]});
  band += 1.0;
  const int tiles_x = (region.x1 - region.x0 + kTile - 1) / kTile;
  const int tiles_y = (region.y1 - region.y0 + kTile - 1) / kTile;

  parallel_for(
      tiles_y,
      [&](int64_t b, int64_t e) {
        std::vector<Tile> tiles(tiles_x);
        std::vector<double> dist(n);
        std::vector<std::pair<double, int>> crossings;
        for (int64_t ty = b; ty < e; ++ty) {
          const int ty0 = region.y0 + int(ty) * kTile, ty1 = std::min(region.y1, ty0 + kTile);
          for (int tx = 0; tx < tiles_x; ++tx) {
            const int tx0 = region.x0 + tx * kTile, tx1 = std::min(region.x1, tx0 + kTile);
            classify_tile(c, tx0, ty0, tx1, ty1, band, dist, tiles[tx]);
          }
          for (int j = ty0; j < ty1; ++j) {
            const double py = j + 0.5;
            crossings.clear();
            for (int k = 0; k < n; ++k) {
              const int k1 = k + 1 == n ? 0 : k + 1;
              double x;
              const int dir = matte_math::edge_crossing_x(py, xy[2 * k], xy[2 * k + 1], xy[2 * k1], xy[2 * k1 + 1], &x);
              if (dir) crossings.emplace_back(x, dir);
            }
            std::sort(crossings.begin(), crossings.end());
            size_t next = 0;
            int wind = 0;
            float* row = matte + int64_t(j) * width;
            for (int tx = 0; tx < tiles_x; ++tx) {
              const Tile& tile = tiles[tx];
              const int tx0 = region.x0 + tx * kTile, tx1 = std::min(region.x1, tx0 + kTile);
              for (int i = tx0; i < tx1; ++i) {
                const double px = i + 0.5;
                while (next < crossings.size() && crossings[next].first < px) wind += crossings[next++].second;
                float v;
                if (tile.kind == kEdge) {
                  v = matte_math::contour_pixel(c, px, py, wind != 0, tile.edges.data(), int(tile.edges.size()));
                } else {
                  v = tile.kind == kInside ? 1.0f : 0.0f;
                }
                row[i] = replace ? v : std::max(row[i], v);
              }
            }
          }
        }
      },
      1);
}

// ---------------------------------------------------------------------------------------------
// erode_dilate
//
// Method. Each pixel is moved along u(p), the unit "uphill" direction (towards higher values),
// taken from the isotropic Sobel gradient of an edge pixel: a pixel with 0 < m < 1, or with a 4-neighbour on
// the other side of 0.5. Flat pixels (m saturated) use the edge pixel nearest to them, found by an
// exact Euclidean distance transform (Felzenszwalb & Huttenlocher, with the feature transform)
// truncated at |a| + 2 px; flat pixels farther than |a| + 1.5 px from every edge pixel keep their
// value (a disk of radius |a| around them holds no other value). Two kinds of edge:
//   - hard (anti-aliased) edges, where m is saturated 1.5 px either side along u: the pixel's value
//     is the area coverage of a straight edge (matte_math::pixel_value with no feather), which is
//     inverted to the sub-pixel signed distance s of the pixel centre; the result is the coverage
//     at s + a. Exact for straight edges at any fractional amount. Flat pixels extend their edge
//     pixel's line, so convex corners come out chamfered rather than rounded.
//   - soft (feathered) edges: out(p) = m(p + a * u(p)), sampled bilinearly, which moves a profile
//     wider than a pixel by a along its normal. Flat pixels take their edge pixel's normal (the
//     direction to the edge pixel itself is unreliable where the profile's faint tail is ragged).
// Where m is not a profile across an edge (noise, lines thinner than 2|a|), the result follows the
// nearest edge's direction rather than a true grey-level disk max/min.

namespace {

// Edge pixels (erode_math::is_edge), one byte each.
std::vector<uint8_t> edge_pixels(const float* m, int h, int w) {
  std::vector<uint8_t> edge(size_t(h) * w);
  parallel_for(
      h,
      [&](int64_t b, int64_t e) {
        for (int64_t y = b; y < e; ++y) {
          for (int x = 0; x < w; ++x) edge[y * w + x] = erode_math::is_edge(m, h, w, x, int(y));
        }
      },
      8);
  return edge;
}

// For every pixel, the row of the nearest edge pixel in its column within reach rows, else -1.
std::vector<int32_t> nearest_in_column(const std::vector<uint8_t>& edge, int h, int w, int reach) {
  std::vector<int32_t> row_of(size_t(h) * w, -1);
  parallel_for(
      w,
      [&](int64_t b, int64_t e) {
        std::vector<int32_t> last(e - b);
        std::fill(last.begin(), last.end(), -1);
        for (int y = 0; y < h; ++y) {
          for (int64_t x = b; x < e; ++x) {
            if (edge[size_t(y) * w + x]) last[x - b] = y;
            row_of[size_t(y) * w + x] = (last[x - b] >= 0 && y - last[x - b] <= reach) ? last[x - b] : -1;
          }
        }
        std::fill(last.begin(), last.end(), -1);
        for (int y = h - 1; y >= 0; --y) {
          for (int64_t x = b; x < e; ++x) {
            if (edge[size_t(y) * w + x]) last[x - b] = y;
            int32_t& r = row_of[size_t(y) * w + x];
            if (last[x - b] >= 0 && last[x - b] - y <= reach && (r < 0 || last[x - b] - y < y - r)) r = last[x - b];
          }
        }
      },
      64);
  return row_of;
}

}  // namespace

void erode_dilate(const float* src, float* dst, int height, int width, float amount) {
  const int h = height, w = width;
  if (amount == 0.0f) {
    std::copy(src, src + int64_t(h) * w, dst);
    return;
  }
  const double a = amount, reach_d = std::fabs(a) + 1.5;
  const int reach = int(std::ceil(std::fabs(a))) + 2;
  const std::vector<uint8_t> edge = edge_pixels(src, h, w);
  const std::vector<int32_t> row_of = nearest_in_column(edge, h, w, reach);

  parallel_for(
      h,
      [&](int64_t b, int64_t e) {
        std::vector<int> v(w);
        std::vector<double> z(w + 1);
        for (int64_t y = b; y < e; ++y) {
          const int32_t* ry = row_of.data() + y * w;
          auto f = [&](int q) {
            const double d = double(y - ry[q]);
            return d * d;
          };
          // Lower envelope of the parabolas (x - q)^2 + f(q) over columns q that have an edge pixel.
          int k = -1;
          for (int q = 0; q < w; ++q) {
            if (ry[q] < 0) continue;
            double s = 0;
            while (k >= 0) {
              s = ((f(q) + double(q) * q) - (f(v[k]) + double(v[k]) * v[k])) / (2.0 * q - 2.0 * v[k]);
              if (s <= z[k])
                --k;
              else
                break;
            }
            ++k;
            v[k] = q;
            z[k] = k == 0 ? -std::numeric_limits<double>::infinity() : s;
            z[k + 1] = std::numeric_limits<double>::infinity();
          }
          int j = 0;
          for (int x = 0; x < w; ++x) {
            const int64_t p = y * w + x;
            dst[p] = src[p];
            int sx = x, sy = int(y);
            double dist = 0;
            if (!edge[p]) {
              if (k < 0) continue;
              while (z[j + 1] < x) ++j;
              sx = v[j];
              sy = ry[sx];
              dist = std::hypot(double(sx - x), double(sy - y));
              if (dist > reach_d) continue;
            }
            dst[p] = erode_math::moved_value(src, h, w, x, int(y), sx, sy, dist, a);
          }
        }
      },
      8);
}

// ---------------------------------------------------------------------------------------------
// blur

int blur_kernel_half_width(float radius) { return int(std::ceil(std::max(0.0f, radius) - 1e-6f)); }

void blur_kernel(float radius, BlurKind kind, float* taps, int* k_out) {
  const int K = blur_kernel_half_width(radius);
  *k_out = K;
  double sum = 0;
  std::vector<double> t(2 * K + 1);
  for (int k = -K; k <= K; ++k) {
    double wgt;
    if (kind == BlurKind::Box) {
      const double edge = radius + 0.5;  // overlap of [k - .5, k + .5] with [-edge, edge]
      wgt = std::max(0.0, std::min(k + 0.5, edge) - std::max(k - 0.5, -edge));
    } else {
      const double sigma = radius / 3.0;
      wgt = std::exp(-0.5 * k * k / (sigma * sigma));
    }
    t[k + K] = wgt;
    sum += wgt;
  }
  for (int i = 0; i < 2 * K + 1; ++i) taps[i] = float(t[i] / sum);
}

namespace {

// out[y] = sum_k taps[K + k] * src[clamp(y + k)] for whole rows of row_len floats.
void convolve_vertical(const float* src, float* dst, int h, int64_t row_len, const std::vector<float>& taps, int K) {
  parallel_for(
      h,
      [&](int64_t b, int64_t e) {
        for (int64_t y = b; y < e; ++y) {
          float* out = dst + y * row_len;
          const float* centre = src + y * row_len;
          for (int64_t i = 0; i < row_len; ++i) out[i] = taps[K] * centre[i];
          for (int k = 1; k <= K; ++k) {
            const float* up = src + std::max<int64_t>(y - k, 0) * row_len;
            const float* down = src + std::min<int64_t>(y + k, h - 1) * row_len;
            const float t = taps[K + k];
            for (int64_t i = 0; i < row_len; ++i) out[i] += t * (up[i] + down[i]);
          }
        }
      },
      4);
}

// Same along x for channels-last rows: each row is copied into a clamped, padded buffer first.
void convolve_horizontal(const float* src, float* dst, int h, int w, int ch, const std::vector<float>& taps, int K) {
  parallel_for(
      h,
      [&](int64_t b, int64_t e) {
        std::vector<float> pad(size_t(w + 2 * K) * ch);
        for (int64_t y = b; y < e; ++y) {
          const float* row = src + y * int64_t(w) * ch;
          for (int x = -K; x < w + K; ++x) {
            const int sx = std::min(std::max(x, 0), w - 1);
            std::copy(row + int64_t(sx) * ch, row + int64_t(sx + 1) * ch, pad.data() + int64_t(x + K) * ch);
          }
          float* out = dst + y * int64_t(w) * ch;
          const float* centre = pad.data() + int64_t(K) * ch;
          const int64_t n = int64_t(w) * ch;
          for (int64_t i = 0; i < n; ++i) out[i] = taps[K] * centre[i];
          for (int k = 1; k <= K; ++k) {
            const float* left = centre - int64_t(k) * ch;
            const float* right = centre + int64_t(k) * ch;
            const float t = taps[K + k];
            for (int64_t i = 0; i < n; ++i) out[i] += t * (left[i] + right[i]);
          }
        }
      },
      4);
}

}  // namespace

void blur(const float* src, float* dst, int height, int width, int channels, float radius, BlurKind kind) {
  const int K = blur_kernel_half_width(radius);
  if (K == 0) {
    std::copy(src, src + int64_t(height) * width * channels, dst);
    return;
  }
  std::vector<float> taps(2 * K + 1);
  int k_out;
  blur_kernel(radius, kind, taps.data(), &k_out);
  std::vector<float> tmp(size_t(height) * width * channels);
  convolve_vertical(src, tmp.data(), height, int64_t(width) * channels, taps, K);
  convolve_horizontal(tmp.data(), dst, height, width, channels, taps, K);
}

}  // namespace faceplate
