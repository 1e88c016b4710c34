#include <limits>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.h"
#include "matte.h"
#include "matte_checks.h"

namespace faceplate {

void bind_matte(py::module_& m) {
  m.def(
      "polygon_matte",
      [](py::array vertices, py::object size, py::object out, double inner, double outer, py::object inner_widths,
         py::object outer_widths, py::object roi, const std::string& mode) {
        const PolygonArgs args = parse_polygon_args(vertices, inner, outer, inner_widths, outer_widths, mode);
        if (size.is_none() == out.is_none())
          throw py::value_error("give exactly one of size=(W, H) or out=(H, W) matte");
        py::array_t<float> matte;
        if (!out.is_none()) {
          if (!py::isinstance<py::array>(out)) {
            throw py::value_error("out: expected (H, W) float32 C-contiguous numpy array, got " +
                                  std::string(py::repr(py::type::of(out))));
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
        const PixelRect region =
            polygon_matte_region(args.xy, args.outer.data(), args.n, height, width, parse_roi(roi, height, width));
        float* dst = matte.mutable_data();
        {
          py::gil_scoped_release release;
          polygon_matte(dst, height, width, args.xy, args.inner.data(), args.outer.data(), args.n, region,
                        args.replace);
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
        require_scalar(amount, "amount", -kMaxBlurRadius, kMaxBlurRadius);
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
        require_scalar(radius, "radius", 0.0, kMaxBlurRadius);
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

#ifdef FACEPLATE_WITH_CUDA
  bind_matte_cuda(m);
#endif
}

}  // namespace faceplate
