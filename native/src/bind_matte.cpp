#include <limits>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.h"
#include "matte.h"
#include "matte_checks.h"

namespace faceplate {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxRadius = 4096.0;

// (N, 2) float64 C-contiguous finite vertices, N >= 3.
void require_vertices(const py::array& v) {
  if (v.ndim() != 2 || v.shape(1) != 2 || v.shape(0) < 3 || !v.dtype().is(py::dtype::of<double>()) ||
      !(v.flags() & py::array::c_style)) {
    throw py::value_error("vertices: expected (N, 2) float64 C-contiguous with N >= 3, got " + describe(v));
  }
  require_finite_values<double>(v, "vertices");
}

// Per-vertex widths: the array (N,) float64 when given, else the scalar for every vertex.
std::vector<double> vertex_widths(const py::object& widths, double scalar, int n, const char* name, const char* scalar_name) {
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

PixelRect parse_roi(const py::object& roi, int height, int width) {
  if (roi.is_none()) return {0, 0, width, height};
  std::vector<int> v;
  try {
    v = roi.cast<std::vector<int>>();
  } catch (const py::cast_error&) {
    v.clear();
  }
  if (v.size() != 4 || v[2] < v[0] || v[3] < v[1]) {
    throw py::value_error("roi: expected (x0, y0, x1, y1) ints with x0 <= x1, y0 <= y1, got " + std::string(py::repr(roi)));
  }
  return {v[0], v[1], v[2], v[3]};
}

BlurKind parse_blur_kind(const std::string& kind) {
  if (kind == "box") return BlurKind::Box;
  if (kind == "gaussian") return BlurKind::Gaussian;
  throw py::value_error("kind: expected 'box' or 'gaussian', got '" + kind + "'");
}

}  // namespace

void bind_matte(py::module_& m) {
  m.def(
      "polygon_matte",
      [](py::array vertices, py::object size, py::object out, double inner, double outer, py::object inner_widths,
         py::object outer_widths, py::object roi, const std::string& mode) {
        require_vertices(vertices);
        const int n = int(vertices.shape(0));
        const std::vector<double> wi = vertex_widths(inner_widths, inner, n, "inner_widths", "inner");
        const std::vector<double> wo = vertex_widths(outer_widths, outer, n, "outer_widths", "outer");
        if (mode != "max" && mode != "replace") throw py::value_error("mode: expected 'max' or 'replace', got '" + mode + "'");
        if (size.is_none() == out.is_none()) throw py::value_error("give exactly one of size=(W, H) or out=(H, W) matte");
        py::array_t<float> matte;
        if (!out.is_none()) {
          if (!py::isinstance<py::array>(out)) {
            throw py::value_error("out: expected (H, W) float32 C-contiguous numpy array, got " + std::string(py::repr(py::type::of(out))));
          }
          const auto arr = py::reinterpret_borrow<py::array>(out);
          require_matte(arr, "out");
          require_writeable(arr, "out");
          matte = py::reinterpret_borrow<py::array_t<float>>(out);
        } else {
          std::vector<int> wh;
          try {
            wh = size.cast<std::vector<int>>();
          } catch (const py::cast_error&) {
          }
          if (wh.size() != 2 || wh[0] < 1 || wh[1] < 1) {
            throw py::value_error("size: expected (W, H) positive ints, got " + std::string(py::repr(size)));
          }
          matte = py::array_t<float>({wh[1], wh[0]});
          std::fill(matte.mutable_data(), matte.mutable_data() + matte.size(), 0.0f);
        }
        const int height = int(matte.shape(0)), width = int(matte.shape(1));
        const PixelRect region = polygon_matte_region(static_cast<const double*>(vertices.data()), wo.data(), n, height,
                                                      width, parse_roi(roi, height, width));
        float* dst = matte.mutable_data();
        const auto* xy = static_cast<const double*>(vertices.data());
        {
          py::gil_scoped_release release;
          polygon_matte(dst, height, width, xy, wi.data(), wo.data(), n, region, mode == "replace");
        }
        return matte;
      },
      py::arg("vertices"), py::arg("size") = py::none(), py::arg("out") = py::none(), py::kw_only(),
      py::arg("inner") = 0.0, py::arg("outer") = 0.0, py::arg("inner_widths") = py::none(),
      py::arg("outer_widths") = py::none(), py::arg("roi") = py::none(), py::arg("mode") = "max",
      "Rasterizes the closed contour vertices (N, 2) float64 (pixel coordinates, centres at +0.5) into a new\n"
      "(H, W) float32 matte (size=(W, H)) or into out, anti-aliased, with a smoothstep feather from 1 at\n"
      "signed distance -inner to 0 at +outer (per-vertex widths interpolated along edges). Only the bbox\n"
      "grown by the widest outer width (clipped to roi=(x0, y0, x1, y1)) is written; mode 'max' keeps the\n"
      "larger of the old and new value, 'replace' overwrites. Returns the matte.");

  m.def(
      "erode_dilate",
      [](py::array matte, double amount) {
        require_matte(matte, "matte");
        require_scalar(amount, "amount", -kMaxRadius, kMaxRadius);
        require_finite_values<float>(matte, "matte");
        const int h = int(matte.shape(0)), w = int(matte.shape(1));
        py::array_t<float> out({h, w});
        const auto* src = static_cast<const float*>(matte.data());
        float* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          erode_dilate(src, dst, h, w, float(amount));
        }
        return out;
      },
      py::arg("matte"), py::arg("amount"),
      "Moves the edges of an (H, W) float32 matte outward by amount pixels (negative: inward), fractional\n"
      "amounts included, keeping the edge's soft profile. Returns a new matte.");

  m.def(
      "blur",
      [](py::array x, double radius, const std::string& kind) {
        require_matte_or_image(x, "x");
        require_scalar(radius, "radius", 0.0, kMaxRadius);
        const BlurKind k = parse_blur_kind(kind);
        const int h = int(x.shape(0)), w = int(x.shape(1)), c = x.ndim() == 3 ? int(x.shape(2)) : 1;
        std::vector<py::ssize_t> shape(x.shape(), x.shape() + x.ndim());
        py::array_t<float> out(shape);
        const auto* src = static_cast<const float*>(x.data());
        float* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          blur(src, dst, h, w, c, float(radius), k);
        }
        return out;
      },
      py::arg("x"), py::arg("radius"), py::arg("kind") = "gaussian",
      "Separable blur of an (H, W) matte or (H, W, C) float32 image, edges clamped. kind 'box': the box\n"
      "[-radius - .5, radius + .5] (fractional ends weighted); 'gaussian': sigma = radius / 3, taps to\n"
      "ceil(radius). Returns a new array of the same shape.");
}

}  // namespace faceplate
