// CUDA twins cuda_polygon_matte, cuda_erode_dilate, cuda_blur, cuda_multiband_blend: the same arguments and checks as
// the numpy versions, on float32 device arrays (CuPy, PyTorch, Numba) passed through
// __cuda_array_interface__. Built only with FACEPLATE_WITH_CUDA.
#ifdef FACEPLATE_WITH_CUDA
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.h"
#include "matte_checks.h"
#include "matte_cuda.h"

namespace faceplate {
namespace {

// A contiguous float32 device array seen through __cuda_array_interface__.
struct DeviceView {
  float* data = nullptr;
  std::vector<int64_t> shape;
  bool readonly = false;
  std::string describe() const {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + ") float32 device array";
  }
};

DeviceView device_view(const py::object& obj, const char* name, int min_dims, int max_dims) {
  if (!py::hasattr(obj, "__cuda_array_interface__")) {
    throw py::value_error(std::string(name) + ": expected a CUDA device array (__cuda_array_interface__), got " +
                          std::string(py::repr(py::type::of(obj))));
  }
  const py::dict cai = obj.attr("__cuda_array_interface__");
  DeviceView v;
  v.shape = cai["shape"].cast<std::vector<int64_t>>();
  const auto typestr = cai["typestr"].cast<std::string>();
  const bool contiguous = !cai.contains("strides") || cai["strides"].is_none();
  const auto data = cai["data"].cast<std::pair<uintptr_t, bool>>();
  v.data = reinterpret_cast<float*>(data.first);
  v.readonly = data.second;
  const int nd = int(v.shape.size());
  if (typestr != "<f4" || !contiguous || nd < min_dims || nd > max_dims) {
    throw py::value_error(std::string(name) + ": expected a C-contiguous float32 device array with " +
                          std::to_string(min_dims) + (min_dims == max_dims ? "" : " to " + std::to_string(max_dims)) +
                          " dimensions, got shape " + v.describe().substr(0, v.describe().find(')') + 1) +
                          " typestr '" + typestr + "'" + (contiguous ? "" : " (strided)"));
  }
  for (auto d : v.shape) {
    if (d < 1) throw py::value_error(std::string(name) + ": expected a non-empty array, got " + v.describe());
  }
  if (nd == 3 && (v.shape[2] < 1 || v.shape[2] > 64)) {
    throw py::value_error(std::string(name) + ": expected 1 to 64 channels, got " + v.describe());
  }
  return v;
}

}  // namespace

// Declared in bind_matte.cpp's family: the CUDA halves of the matte and blend bindings.
void bind_matte_cuda(py::module_& m) {
  m.def(
      "cuda_polygon_matte",
      [](py::array vertices, py::object out, double inner, double outer, py::object inner_widths,
         py::object outer_widths, py::object roi, const std::string& mode) {
        const PolygonArgs args = parse_polygon_args(vertices, inner, outer, inner_widths, outer_widths, mode);
        const DeviceView o = device_view(out, "out", 2, 2);
        if (o.readonly) throw py::value_error("out: array is read-only");
        const int height = int(o.shape[0]), width = int(o.shape[1]);
        const PixelRect region =
            polygon_matte_region(args.xy, args.outer.data(), args.n, height, width, parse_roi(roi, height, width));
        py::gil_scoped_release release;
        cuda::polygon_matte(o.data, height, width, args.xy, args.inner.data(), args.outer.data(), args.n, region,
                            args.replace);
      },
      py::arg("vertices"), py::arg("out"), py::kw_only(), py::arg("inner") = 0.0, py::arg("outer") = 0.0,
      py::arg("inner_widths") = py::none(), py::arg("outer_widths") = py::none(), py::arg("roi") = py::none(),
      py::arg("mode") = "max", "CUDA twin of polygon_matte drawing into out, an (H, W) float32 device array.");

  m.def(
      "cuda_erode_dilate",
      [](py::object matte, py::object out, double amount) {
        const DeviceView s = device_view(matte, "matte", 2, 2), d = device_view(out, "out", 2, 2);
        if (s.shape != d.shape)
          throw py::value_error("out: expected the shape of matte " + s.describe() + ", got " + d.describe());
        if (d.readonly) throw py::value_error("out: array is read-only");
        if (s.data == d.data) throw py::value_error("out: must not be matte itself");
        require_scalar(amount, "amount", -kMaxBlurRadius, kMaxBlurRadius);
        py::gil_scoped_release release;
        cuda::erode_dilate(s.data, d.data, int(s.shape[0]), int(s.shape[1]), float(amount));
      },
      py::arg("matte"), py::arg("out"), py::arg("amount"),
      "CUDA twin of erode_dilate writing into out: matte and out are (H, W) float32 device arrays of the same\n"
      "shape (values are not checked for finiteness on the device).");

  m.def(
      "cuda_blur",
      [](py::object x, py::object out, double radius, const std::string& kind) {
        const DeviceView s = device_view(x, "x", 2, 3), d = device_view(out, "out", 2, 3);
        if (s.shape != d.shape)
          throw py::value_error("out: expected the shape of x " + s.describe() + ", got " + d.describe());
        if (d.readonly) throw py::value_error("out: array is read-only");
        if (s.data == d.data) throw py::value_error("out: must not be x itself");
        require_scalar(radius, "radius", 0.0, kMaxBlurRadius);
        const BlurKind k = parse_blur_kind(kind);
        py::gil_scoped_release release;
        cuda::blur(s.data, d.data, int(s.shape[0]), int(s.shape[1]), s.shape.size() == 3 ? int(s.shape[2]) : 1,
                   float(radius), k);
      },
      py::arg("x"), py::arg("out"), py::arg("radius"), py::arg("kind") = "gaussian",
      "CUDA twin of blur: x and out are (H, W) or (H, W, C) float32 device arrays of the same shape.");

  m.def(
      "cuda_multiband_blend",
      [](py::object a, py::object b, py::object matte, py::object out, int levels, py::object keep_low_from) {
        const DeviceView va = device_view(a, "a", 3, 3), vb = device_view(b, "b", 3, 3),
                         vm = device_view(matte, "matte", 2, 2), vo = device_view(out, "out", 3, 3);
        if (va.shape != vb.shape)
          throw py::value_error("a and b must have the same shape, got a " + va.describe() + " and b " + vb.describe());
        if (vo.shape != va.shape)
          throw py::value_error("out: expected the shape of a " + va.describe() + ", got " + vo.describe());
        if (vm.shape[0] != va.shape[0] || vm.shape[1] != va.shape[1]) {
          throw py::value_error("matte: expected (" + std::to_string(va.shape[0]) + ", " + std::to_string(va.shape[1]) +
                                ") to match a, got " + vm.describe());
        }
        if (vo.readonly) throw py::value_error("out: array is read-only");
        require_levels(levels);
        const KeepLow keep = parse_keep_low(keep_low_from);
        py::gil_scoped_release release;
        cuda::multiband_blend(va.data, vb.data, vm.data, vo.data, int(va.shape[0]), int(va.shape[1]), int(va.shape[2]),
                              levels, keep);
      },
      py::arg("a"), py::arg("b"), py::arg("matte"), py::arg("out"), py::arg("levels") = 5, py::kw_only(),
      py::arg("keep_low_from") = py::none(),
      "CUDA twin of multiband_blend writing into out; a, b, out (H, W, C) and matte (H, W) float32 device arrays.");
}

}  // namespace faceplate
#endif  // FACEPLATE_WITH_CUDA
