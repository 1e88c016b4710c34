#include "blend.h"

#include <algorithm>
#include <vector>

#include "parallel.h"

namespace faceplate {
namespace {

// Binomial taps for offsets -2..2: reduce uses them / 16, expand / 8 (zero-insertion doubles them).
constexpr float kBinomial[5] = {1.0f, 4.0f, 6.0f, 4.0f, 1.0f};

inline int reflect101(int i, int n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

// Source index of a coarse sample as pyrUp reads it: reflect-101 on the left, replicate on the right.
inline int expand_source(int i, int n) { return i < 0 ? reflect101(i, n) : std::min(i, n - 1); }

// For output index j of an expand, the (up to 3) coarse indices and weights that reach it.
inline int expand_taps(int j, int n_src, int* idx, float* wgt) {
  const int i = j >> 1;
  if (j & 1) {
    idx[0] = expand_source(i, n_src);
    idx[1] = expand_source(i + 1, n_src);
    wgt[0] = wgt[1] = kBinomial[1] / 8.0f;
    return 2;
  }
  idx[0] = expand_source(i - 1, n_src);
  idx[1] = expand_source(i, n_src);
  idx[2] = expand_source(i + 1, n_src);
  wgt[0] = wgt[2] = kBinomial[0] / 8.0f;
  wgt[1] = kBinomial[2] / 8.0f;
  return 3;
}

// The reduce's 5 taps at (2 * i - 2 .. 2 * i + 2), reflected into [0, n), for each of the ceil(n / 2) outputs.
std::vector<int> reduce_table(int n) {
  const int n2 = pyramid_down_size(n);
  std::vector<int> table(size_t(n2) * 5);
  for (int i = 0; i < n2; ++i)
    for (int k = -2; k <= 2; ++k) table[size_t(i) * 5 + k + 2] = reflect101(2 * i + k, n);
  return table;
}

// The expand's taps for each of the n outputs: their count (2 or 3), then up to 3 source indices and weights.
struct ExpandTaps {
  int count;
  int idx[3];
  float wgt[3];
};

std::vector<ExpandTaps> expand_table(int n) {
  const int n_src = pyramid_down_size(n);
  std::vector<ExpandTaps> table(n);
  for (int j = 0; j < n; ++j) table[j].count = expand_taps(j, n_src, table[j].idx, table[j].wgt);
  return table;
}

// The steps below sum each output's taps in one order (k = -2..2 for a reduce, the expand_taps order for
// an expand), starting from 0: the same float operations in the same order whatever the loop layout.

// out[i] for i < n: one expand output's 2 or 3 taps, over the sources base + idx[k] * stride, in the
// table's order. The vertical step calls it per row (n: the row), the horizontal step per pixel (n: the
// channels).
inline void expand_taps_into(float* out, const ExpandTaps& t, const float* base, int64_t stride, int64_t n) {
  const float *s0 = base + int64_t(t.idx[0]) * stride, *s1 = base + int64_t(t.idx[1]) * stride;
  const float w0 = t.wgt[0], w1 = t.wgt[1];
  if (t.count == 2) {
    for (int64_t i = 0; i < n; ++i) {
      float v = 0.0f;
      v += w0 * s0[i];
      v += w1 * s1[i];
      out[i] = v;
    }
  } else {
    const float* s2 = base + int64_t(t.idx[2]) * stride;
    const float w2 = t.wgt[2];
    for (int64_t i = 0; i < n; ++i) {
      float v = 0.0f;
      v += w0 * s0[i];
      v += w1 * s1[i];
      v += w2 * s2[i];
      out[i] = v;
    }
  }
}

// Vertical step of reduce/expand over whole rows of row_len floats.
void reduce_vertical(const float* src, float* dst, int h, int64_t row_len) {
  const int h2 = pyramid_down_size(h);
  const std::vector<int> rows = reduce_table(h);
  const float t0 = kBinomial[0] / 16.0f, t1 = kBinomial[1] / 16.0f, t2 = kBinomial[2] / 16.0f,
              t3 = kBinomial[3] / 16.0f, t4 = kBinomial[4] / 16.0f;
  parallel_for(
      h2,
      [&](int64_t b, int64_t e) {
        for (int64_t y = b; y < e; ++y) {
          float* out = dst + y * row_len;
          const int* r = &rows[size_t(y) * 5];
          const float *i0 = src + int64_t(r[0]) * row_len, *i1 = src + int64_t(r[1]) * row_len,
                      *i2 = src + int64_t(r[2]) * row_len, *i3 = src + int64_t(r[3]) * row_len,
                      *i4 = src + int64_t(r[4]) * row_len;
          for (int64_t i = 0; i < row_len; ++i) {
            float v = 0.0f;
            v += t0 * i0[i];
            v += t1 * i1[i];
            v += t2 * i2[i];
            v += t3 * i3[i];
            v += t4 * i4[i];
            out[i] = v;
          }
        }
      },
      4);
}

void expand_vertical(const float* src, float* dst, int h, int64_t row_len) {
  const std::vector<ExpandTaps> rows = expand_table(h);
  parallel_for(
      h,
      [&](int64_t b, int64_t e) {
        for (int64_t y = b; y < e; ++y) {
          expand_taps_into(dst + y * row_len, rows[y], src, row_len, row_len);
        }
      },
      4);
}

// Horizontal steps, channels-last, one row at a time.
void reduce_horizontal(const float* src, float* dst, int h, int w, int c) {
  const int w2 = pyramid_down_size(w);
  const std::vector<int> cols = reduce_table(w);
  const float t0 = kBinomial[0] / 16.0f, t1 = kBinomial[1] / 16.0f, t2 = kBinomial[2] / 16.0f,
              t3 = kBinomial[3] / 16.0f, t4 = kBinomial[4] / 16.0f;
  parallel_for(
      h,
      [&](int64_t b, int64_t e) {
        for (int64_t y = b; y < e; ++y) {
          const float* in = src + y * int64_t(w) * c;
          float* out = dst + y * int64_t(w2) * c;
          for (int x = 0; x < w2; ++x) {
            const int* k = &cols[size_t(x) * 5];
            const float *s0 = in + int64_t(k[0]) * c, *s1 = in + int64_t(k[1]) * c, *s2 = in + int64_t(k[2]) * c,
                        *s3 = in + int64_t(k[3]) * c, *s4 = in + int64_t(k[4]) * c;
            float* o = out + int64_t(x) * c;
            for (int ch = 0; ch < c; ++ch) {
              float v = 0.0f;
              v += t0 * s0[ch];
              v += t1 * s1[ch];
              v += t2 * s2[ch];
              v += t3 * s3[ch];
              v += t4 * s4[ch];
              o[ch] = v;
            }
          }
        }
      },
      4);
}

void expand_horizontal(const float* src, float* dst, int h, int w, int c) {
  const int w_src = pyramid_down_size(w);
  const std::vector<ExpandTaps> cols = expand_table(w);
  parallel_for(
      h,
      [&](int64_t b, int64_t e) {
        for (int64_t y = b; y < e; ++y) {
          const float* in = src + y * int64_t(w_src) * c;
          float* out = dst + y * int64_t(w) * c;
          for (int x = 0; x < w; ++x) {
            expand_taps_into(out + int64_t(x) * c, cols[x], in, c, c);
          }
        }
      },
      4);
}

}  // namespace

int pyramid_levels(int height, int width, int levels) {
  int n = 1;
  while (n < levels && (height > 1 || width > 1)) {
    height = pyramid_down_size(height);
    width = pyramid_down_size(width);
    ++n;
  }
  return n;
}

void pyramid_reduce(const float* src, float* dst, int h, int w, int c) {
  std::vector<float> tmp(size_t(pyramid_down_size(h)) * w * c);
  reduce_vertical(src, tmp.data(), h, int64_t(w) * c);
  reduce_horizontal(tmp.data(), dst, pyramid_down_size(h), w, c);
}

void pyramid_expand(const float* src, float* dst, int h, int w, int c) {
  const int w_src = pyramid_down_size(w);
  std::vector<float> tmp(size_t(h) * w_src * c);
  expand_vertical(src, tmp.data(), h, int64_t(w_src) * c);
  expand_horizontal(tmp.data(), dst, h, w, c);
}

void multiband_blend(const float* a, const float* b, const float* matte, float* out, int h, int w, int c, int levels,
                     KeepLow keep_low) {
  const int n = pyramid_levels(h, w, levels);
  // Gaussian pyramids; level 0 is the input itself.
  std::vector<int> hs(n), ws(n);
  std::vector<std::vector<float>> ga(n), gb(n), gm(n);
  std::vector<const float*> pa(n), pb(n), pm(n);
  hs[0] = h;
  ws[0] = w;
  pa[0] = a;
  pb[0] = b;
  pm[0] = matte;
  for (int l = 1; l < n; ++l) {
    hs[l] = pyramid_down_size(hs[l - 1]);
    ws[l] = pyramid_down_size(ws[l - 1]);
    const size_t px = size_t(hs[l]) * ws[l];
    ga[l].resize(px * c);
    gb[l].resize(px * c);
    gm[l].resize(px);
    pyramid_reduce(pa[l - 1], ga[l].data(), hs[l - 1], ws[l - 1], c);
    pyramid_reduce(pb[l - 1], gb[l].data(), hs[l - 1], ws[l - 1], c);
    pyramid_reduce(pm[l - 1], gm[l].data(), hs[l - 1], ws[l - 1], 1);
    pa[l] = ga[l].data();
    pb[l] = gb[l].data();
    pm[l] = gm[l].data();
  }

  // Coarsest level: the residual Gaussians, blended or taken from one side.
  const int top = n - 1;
  std::vector<float> result(size_t(hs[top]) * ws[top] * c);
  {
    const int64_t px = int64_t(hs[top]) * ws[top];
    for (int64_t p = 0; p < px; ++p) {
      const float m = keep_low == KeepLow::A ? 1.0f : keep_low == KeepLow::B ? 0.0f : pm[top][p];
      for (int ch = 0; ch < c; ++ch) {
        const int64_t i = p * c + ch;
        result[i] = m * pa[top][i] + (1.0f - m) * pb[top][i];
      }
    }
  }
  // Collapse: R_l = expand(R_l+1) + m (G_a - expand(G_a,l+1)) + (1 - m) (G_b - expand(G_b,l+1)).
  for (int l = top - 1; l >= 0; --l) {
    const size_t len = size_t(hs[l]) * ws[l] * c;
    std::vector<float> er(len), ea(len), eb(len);
    pyramid_expand(result.data(), er.data(), hs[l], ws[l], c);
    pyramid_expand(pa[l + 1], ea.data(), hs[l], ws[l], c);
    pyramid_expand(pb[l + 1], eb.data(), hs[l], ws[l], c);
    float* dst = l == 0 ? out : er.data();
    const float *ga_l = pa[l], *gb_l = pb[l], *gm_l = pm[l];
    parallel_for(
        int64_t(hs[l]) * ws[l],
        [&](int64_t b0, int64_t e0) {
          for (int64_t p = b0; p < e0; ++p) {
            const float m = gm_l[p];
            for (int ch = 0; ch < c; ++ch) {
              const int64_t i = p * c + ch;
              dst[i] = er[i] + m * (ga_l[i] - ea[i]) + (1.0f - m) * (gb_l[i] - eb[i]);
            }
          }
        },
        4096);
    if (l > 0) result.swap(er);
  }
  if (top == 0) std::copy(result.begin(), result.end(), out);
}

}  // namespace faceplate
