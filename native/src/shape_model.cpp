#include "shape_model.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace faceplate {
namespace {

// dlib's serialisation: an integer is one byte (bit 7: negative, low 4 bits: byte count) followed by
// that many little-endian bytes; a float is an integer mantissa and an integer exponent
// (value = mantissa * 2^exponent); a matrix is its rows and columns (negated by current dlib) then
// its elements; a std::vector is its size then its elements.
class Reader {
 public:
  Reader(std::vector<unsigned char> data, std::string path) : data_(std::move(data)), path_(std::move(path)) {}

  int64_t integer() {
    const unsigned char head = byte();
    const int size = head & 0x0F;
    if (size > 8) fail("an integer of " + std::to_string(size) + " bytes");
    uint64_t value = 0;
    for (int i = 0; i < size; ++i) value |= uint64_t(byte()) << (8 * i);
    return (head & 0x80) ? -int64_t(value) : int64_t(value);
  }

  uint64_t count(uint64_t limit, const char* what) {
    const int64_t v = integer();
    if (v < 0 || uint64_t(v) > limit) fail(std::string(what) + " " + std::to_string(v));
    return uint64_t(v);
  }

  float real() {
    const int64_t mantissa = integer();
    const int64_t exponent = integer();
    if (exponent >= 32000 || exponent < -32000) fail("a non-finite number in the model");
    return std::ldexp(float(mantissa), int(exponent));
  }

  std::vector<float> column(uint64_t expected) {
    const uint64_t rows = uint64_t(std::llabs(integer())), cols = uint64_t(std::llabs(integer()));
    if (cols != 1 || (expected && rows != expected)) {
      fail("a " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix where a column of " +
           (expected ? std::to_string(expected) : std::string("points")) + " was expected");
    }
    if (rows > (1u << 20)) fail("a column of " + std::to_string(rows) + " values");
    std::vector<float> out(rows);
    for (auto& v : out) v = real();
    return out;
  }

  bool done() const { return pos_ == data_.size(); }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ": not a dlib shape predictor, or damaged: " + what + " at byte " +
                             std::to_string(pos_));
  }

 private:
  unsigned char byte() {
    if (pos_ >= data_.size()) fail("the file ends early");
    return data_[pos_++];
  }

  std::vector<unsigned char> data_;
  std::string path_;
  size_t pos_ = 0;
};

std::vector<unsigned char> read_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw std::runtime_error(path + ": cannot be opened");
  std::vector<unsigned char> data;
  unsigned char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), f.get())) > 0) data.insert(data.end(), buffer, buffer + got);
  if (std::ferror(f.get())) throw std::runtime_error(path + ": read error");
  return data;
}

// The linear part of the least-squares similarity taking `from` onto `to` (2-D Umeyama, closed
// form), in double as dlib computes it, returned as float as dlib uses it.
void similarity(const float* from, const float* to, int parts, float m[4]) {
  double mfx = 0, mfy = 0, mtx = 0, mty = 0;
  for (int i = 0; i < parts; ++i) {
    mfx += from[2 * i];
    mfy += from[2 * i + 1];
    mtx += to[2 * i];
    mty += to[2 * i + 1];
  }
  mfx /= parts;
  mfy /= parts;
  mtx /= parts;
  mty /= parts;
  double norm = 0, dot = 0, cross = 0;
  for (int i = 0; i < parts; ++i) {
    const double fx = from[2 * i] - mfx, fy = from[2 * i + 1] - mfy;
    const double tx = to[2 * i] - mtx, ty = to[2 * i + 1] - mty;
    norm += fx * fx + fy * fy;
    dot += fx * tx + fy * ty;
    cross += fx * ty - fy * tx;
  }
  const double a = norm > 0 ? dot / norm : 1.0, b = norm > 0 ? cross / norm : 0.0;
  m[0] = float(a);
  m[1] = float(-b);
  m[2] = float(b);
  m[3] = float(a);
}

// dlib's unnormalizing_tform: the unit box onto a box of inclusive pixel indices, in double, and
// dlib's rounding of its result to a pixel.
struct BoxMap {
  double left, top, sx, sy;
  explicit BoxMap(const int64_t* box)
      : left(double(box[0])),
        top(double(box[1])),
        sx(double(box[2]) - double(box[0])),
        sy(double(box[3]) - double(box[1])) {}
  double x(float u) const { return std::floor(left + sx * double(u) + 0.5); }
  double y(float v) const { return std::floor(top + sy * double(v) + 0.5); }
};

}  // namespace

ShapeModel load_shape_model(const std::string& path) {
  Reader in(read_file(path), path);
  if (in.integer() != 1) in.fail("an unknown version");
  ShapeModel model;
  model.initial_shape = in.column(0);
  if (model.initial_shape.empty() || model.initial_shape.size() % 2) in.fail("an odd initial shape");
  model.parts = int(model.initial_shape.size() / 2);
  const uint64_t parts2 = model.initial_shape.size();
  model.cascades.resize(in.count(1000, "cascades"));
  for (auto& c : model.cascades) {
    c.trees = int(in.count(1 << 20, "trees"));
    for (int t = 0; t < c.trees; ++t) {
      const int splits = int(in.count(1 << 16, "splits"));
      if (t == 0) {
        c.splits = splits;
        c.idx1.reserve(size_t(c.trees) * splits);
        c.leaves.reserve(size_t(c.trees) * (splits + 1) * parts2);
      } else if (splits != c.splits) {
        in.fail("trees of different depths in one cascade");
      }
      for (int s = 0; s < splits; ++s) {
        c.idx1.push_back(uint32_t(in.count(1u << 31, "a feature index")));
        c.idx2.push_back(uint32_t(in.count(1u << 31, "a feature index")));
        c.thresh.push_back(in.real());
      }
      if (in.count(1 << 17, "leaves") != uint64_t(splits) + 1) in.fail("a tree that is not full");
      for (int l = 0; l <= splits; ++l) {
        const std::vector<float> leaf = in.column(parts2);
        c.leaves.insert(c.leaves.end(), leaf.begin(), leaf.end());
      }
    }
  }
  if (in.count(1000, "anchor lists") != model.cascades.size()) in.fail("anchors for another number of cascades");
  for (auto& c : model.cascades) {
    const uint64_t n = in.count(1 << 20, "anchors");
    for (uint64_t i = 0; i < n; ++i) c.anchor.push_back(uint32_t(in.count(uint64_t(model.parts) - 1, "an anchor")));
  }
  if (in.count(1000, "delta lists") != model.cascades.size()) in.fail("deltas for another number of cascades");
  for (auto& c : model.cascades) {
    if (in.count(1 << 20, "deltas") != c.anchor.size()) in.fail("as many deltas as anchors expected");
    for (size_t i = 0; i < c.anchor.size(); ++i) {
      c.deltas.push_back(in.real());
      c.deltas.push_back(in.real());
    }
    for (size_t i = 0; i < c.idx1.size(); ++i) {
      if (c.idx1[i] >= c.anchor.size() || c.idx2[i] >= c.anchor.size()) in.fail("a split on a missing feature");
    }
  }
  if (!in.done()) in.fail("data after the model");
  return model;
}

void predict_shapes(const ShapeModel& model, const uint8_t* image, int h, int w, int channels, const int64_t* boxes,
                    int n, int32_t* out) {
  const int parts2 = 2 * model.parts;
  std::vector<float> shapes(size_t(n) * parts2);
  for (int s = 0; s < n; ++s)
    std::copy(model.initial_shape.begin(), model.initial_shape.end(), &shapes[size_t(s) * parts2]);
  std::vector<float> features;
  for (const ShapeCascade& c : model.cascades) {
    const size_t nf = c.anchor.size();
    features.resize(size_t(n) * nf);
    for (int s = 0; s < n; ++s) {
      const float* shape = &shapes[size_t(s) * parts2];
      float m[4];
      similarity(model.initial_shape.data(), shape, model.parts, m);
      const BoxMap to_image(&boxes[4 * s]);
      float* f = &features[size_t(s) * nf];
      for (size_t i = 0; i < nf; ++i) {
        // The feature pixel: the anchor point moved by the delta turned and scaled with the shape,
        // mapped from the unit box to the image and rounded to a pixel.
        const float dx = c.deltas[2 * i], dy = c.deltas[2 * i + 1];
        float px = m[0] * dx + m[1] * dy;
        float py = m[2] * dx + m[3] * dy;
        px += shape[2 * c.anchor[i]];
        py += shape[2 * c.anchor[i] + 1];
        const double ix = to_image.x(px), iy = to_image.y(py);
        if (ix >= 0 && iy >= 0 && ix < w && iy < h) {
          const uint8_t* p = image + (size_t(iy) * w + size_t(ix)) * channels;
          f[i] = channels == 3 ? float((unsigned(p[0]) + p[1] + p[2]) / 3) : float(p[0]);
        } else {
          f[i] = 0.0f;
        }
      }
    }
    const int leaves = c.splits + 1;
    for (int t = 0; t < c.trees; ++t) {
      const uint32_t* i1 = &c.idx1[size_t(t) * c.splits];
      const uint32_t* i2 = &c.idx2[size_t(t) * c.splits];
      const float* th = &c.thresh[size_t(t) * c.splits];
      const float* tree_leaves = &c.leaves[size_t(t) * leaves * parts2];
      for (int s = 0; s < n; ++s) {
        const float* f = &features[size_t(s) * nf];
        int node = 0;
        while (node < c.splits) node = (f[i1[node]] - f[i2[node]] > th[node]) ? 2 * node + 1 : 2 * node + 2;
        const float* leaf = tree_leaves + size_t(node - c.splits) * parts2;
        float* shape = &shapes[size_t(s) * parts2];
        for (int k = 0; k < parts2; ++k) shape[k] += leaf[k];
      }
    }
  }
  for (int s = 0; s < n; ++s) {
    const BoxMap to_image(&boxes[4 * s]);
    const float* shape = &shapes[size_t(s) * parts2];
    for (int k = 0; k < model.parts; ++k) {
      out[(size_t(s) * model.parts + k) * 2] = int32_t(to_image.x(shape[2 * k]));
      out[(size_t(s) * model.parts + k) * 2 + 1] = int32_t(to_image.y(shape[2 * k + 1]));
    }
  }
}

}  // namespace faceplate
