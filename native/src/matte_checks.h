// Argument checks and parsing for the matte and blend bindings (in the style of checks.h): every failure is a
// ValueError naming the argument, what was expected and what was given.
#pragma once
#include <cmath>
#include <string>

#include <pybind11/stl.h>

#include <limits>
#include <vector>

#include "blend.h"
#include "checks.h"
#include "matte.h"

namespace faceplate {

// Checks an (H, W) float32 C-contiguous matte.
inline void require_matte(const py::array& a, const char* name) {
  if (a.ndim() != 2 || !a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + ": expected (H, W) float32 C-contiguous, got " + describe(a));
  }
  if (a.shape(0) < 1 || a.shape(1) < 1)
    throw py::value_error(std::string(name) + ": expected a non-empty matte, got " + describe(a));
}

// Checks an (H, W) or (H, W, C) float32 C-contiguous array with 1 to 64 channels.
inline void require_matte_or_image(const py::array& a, const char* name) {
  if (a.ndim() == 2) return require_matte(a, name);
  if (a.ndim() != 3 || !a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + ": expected (H, W) or (H, W, C) float32 C-contiguous, got " +
                          describe(a));
  }
  require_image(a, name);
  if (a.shape(0) < 1 || a.shape(1) < 1)
    throw py::value_error(std::string(name) + ": expected a non-empty image, got " + describe(a));
}

inline void require_writeable(const py::array& a, const char* name) {
  if (!a.writeable()) throw py::value_error(std::string(name) + ": array is read-only");
}

// Checks that no element of a float32 or float64 array is NaN or infinite.
template <class T>
inline void require_finite_values(const py::array& a, const char* name) {
  const T* p = static_cast<const T*>(a.data());
  for (py::ssize_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(p[i])) {
      throw py::value_error(std::string(name) + ": expected finite values, got " + std::to_string(double(p[i])) +
                            " at flat index " + std::to_string(i));
    }
  }
}

// Checks a finite scalar within [lo, hi].
inline void require_scalar(double v, const char* name, double lo, double hi) {
  if (!std::isfinite(v) || v < lo || v > hi) {
    throw py::value_error(std::string(name) + ": expected a finite number in [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "], got " + std::to_string(v));
  }
}

// --- argument parsing shared by bind_matte.cpp, bind_blend.cpp and bind_matte_cuda.cpp ---

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxBlurRadius = 4096.0;

// (N, 2) float64 C-contiguous finite vertices, N >= 3.
inline void require_vertices(const py::array& v) {
  if (v.ndim() != 2 || v.shape(1) != 2 || v.shape(0) < 3 || !v.dtype().is(py::dtype::of<double>()) ||
      !(v.flags() & py::array::c_style)) {
    throw py::value_error("vertices: expected (N, 2) float64 C-contiguous with N >= 3, got " + describe(v));
  }
  require_finite_values<double>(v, "vertices");
}

// Per-vertex widths: the array (N,) float64 when given, else the scalar for every vertex.
inline std::vector<double> vertex_widths(const py::object& widths, double scalar, int n, const char* name,
                                         const char* scalar_name) {
  require_scalar(scalar, scalar_name, 0.0, kInf);
  if (widths.is_none()) return std::vector<double>(n, scalar);
  if (scalar != 0.0) {
    throw py::value_error(std::string(name) + ": give " + scalar_name + " or " + name + ", not both (" + scalar_name +
                          " is " + std::to_string(scalar) + ")");
  }
  const auto arr = py::array::ensure(widths);
  if (!arr || arr.ndim() != 1 || arr.shape(0) != n || !arr.dtype().is(py::dtype::of<double>()) ||
      !(arr.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + ": expected (" + std::to_string(n) + ",) float64 (one per vertex), got " +
                          (arr ? describe(arr) : std::string(py::str(py::type::of(widths)))));
  }
  std::vector<double> out(n);
  for (int k = 0; k < n; ++k) {
    out[k] = static_cast<const double*>(arr.data())[k];
    if (!std::isfinite(out[k]) || out[k] < 0) {
      throw py::value_error(std::string(name) + ": expected finite widths >= 0, got " + std::to_string(out[k]) +
                            " at vertex " + std::to_string(k));
    }
  }
  return out;
}

inline PixelRect parse_roi(const py::object& roi, int height, int width) {
  if (roi.is_none()) return {0, 0, width, height};
  std::vector<int> v;
  try {
    v = roi.cast<std::vector<int>>();
  } catch (const py::cast_error&) {
    v.clear();
  }
  if (v.size() != 4 || v[2] < v[0] || v[3] < v[1]) {
    throw py::value_error("roi: expected (x0, y0, x1, y1) ints with x0 <= x1, y0 <= y1, got " +
                          std::string(py::repr(roi)));
  }
  return {v[0], v[1], v[2], v[3]};
}

inline BlurKind parse_blur_kind(const std::string& kind) {
  if (kind == "box") return BlurKind::Box;
  if (kind == "gaussian") return BlurKind::Gaussian;
  throw py::value_error("kind: expected 'box' or 'gaussian', got '" + kind + "'");
}

constexpr int kMaxLevels = 32;

inline KeepLow parse_keep_low(const py::object& v) {
  if (v.is_none()) return KeepLow::None;
  if (py::isinstance<py::str>(v)) {
    const auto s = v.cast<std::string>();
    if (s == "a") return KeepLow::A;
    if (s == "b") return KeepLow::B;
  }
  throw py::value_error("keep_low_from: expected None, 'a' or 'b', got " + std::string(py::repr(v)));
}

// polygon_matte's checked arguments, shared by the numpy and CUDA bindings.
struct PolygonArgs {
  const double* xy;
  int n;
  std::vector<double> inner, outer;
  bool replace;
};

inline PolygonArgs parse_polygon_args(const py::array& vertices, double inner, double outer,
                                      const py::object& inner_widths, const py::object& outer_widths,
                                      const std::string& mode) {
  require_vertices(vertices);
  PolygonArgs a;
  a.xy = static_cast<const double*>(vertices.data());
  a.n = int(vertices.shape(0));
  a.inner = vertex_widths(inner_widths, inner, a.n, "inner_widths", "inner");
  a.outer = vertex_widths(outer_widths, outer, a.n, "outer_widths", "outer");
  if (mode != "max" && mode != "replace")
    throw py::value_error("mode: expected 'max' or 'replace', got '" + mode + "'");
  a.replace = mode == "replace";
  return a;
}

inline void require_levels(int levels) {
  if (levels < 1 || levels > kMaxLevels) {
    throw py::value_error("levels: expected 1 to " + std::to_string(kMaxLevels) + ", got " + std::to_string(levels));
  }
}

}  // namespace faceplate
