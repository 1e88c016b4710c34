#include <pybind11/numpy.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.h"
#include "checks.h"
#include "display_lookup.h"
#include "shape_model.h"

namespace faceplate {

void bind_detect(py::module_& m) {
  py::class_<ShapeModel, std::shared_ptr<ShapeModel>>(
      m, "ShapePredictor",
      "A landmark model in dlib's shape_predictor format, evaluated natively (points agree with dlib's).")
      .def(py::init([](const std::string& path) {
             try {
               return std::make_shared<ShapeModel>(load_shape_model(path));
             } catch (const std::runtime_error& e) {
               throw py::value_error(e.what());
             }
           }),
           py::arg("path"), "Loads the model file at path (ValueError if it is not one).")
      .def_property_readonly("num_parts", [](const ShapeModel& s) { return s.parts; })
      .def(
          "predict",
          [](const ShapeModel& model, py::array image, py::array boxes) {
            const bool grey = image.ndim() == 2, rgb = image.ndim() == 3 && image.shape(2) == 3;
            if (!(grey || rgb) || !image.dtype().is(py::dtype::of<uint8_t>()) ||
                !(image.flags() & py::array::c_style)) {
              throw py::value_error("image: expected (H, W) or (H, W, 3) uint8 C-contiguous, got " + describe(image));
            }
            if (boxes.ndim() != 2 || boxes.shape(1) != 4 || !boxes.dtype().is(py::dtype::of<int64_t>()) ||
                !(boxes.flags() & py::array::c_style)) {
              throw py::value_error("boxes: expected (N, 4) int64 C-contiguous, got " + describe(boxes));
            }
            const int n = int(boxes.shape(0));
            const auto* b = static_cast<const int64_t*>(boxes.data());
            for (int i = 0; i < n; ++i) {
              if (b[4 * i + 2] <= b[4 * i] || b[4 * i + 3] <= b[4 * i + 1]) {
                throw py::value_error("boxes: row " + std::to_string(i) + " is empty (right <= left or bottom <= top)");
              }
            }
            py::array_t<int32_t> out({n, model.parts, 2});
            const auto* img = static_cast<const uint8_t*>(image.data());
            const int h = int(image.shape(0)), w = int(image.shape(1)), c = grey ? 1 : 3;
            int32_t* dst = out.mutable_data();
            {
              py::gil_scoped_release release;
              predict_shapes(model, img, h, w, c, b, n, dst);
            }
            return out;
          },
          py::arg("image"), py::arg("boxes"),
          "Points (N, parts, 2) int32 for N boxes (left, top, right, bottom; inclusive pixels, as dlib.rectangle)\n"
          "on one uint8 image, evaluated together (faster than one box at a time). Releases the GIL.");

  m.def(
      "display_lookup",
      [](py::array values, py::array table, int shift, float tiny, float top, int nan_code) {
        if (!values.dtype().is(py::dtype::of<float>()) || !(values.flags() & py::array::c_style)) {
          throw py::value_error("values: expected float32 C-contiguous, got " + describe(values));
        }
        if (table.ndim() != 1 || table.shape(0) < 1 || !table.dtype().is(py::dtype::of<uint32_t>()) ||
            !(table.flags() & py::array::c_style)) {
          throw py::value_error("table: expected (N,) uint32 C-contiguous, got " + describe(table));
        }
        if (shift < 1 || shift > 16 || nan_code < 0 || nan_code > 255 || !(tiny > 0.0f) || !(top >= tiny)) {
          throw py::value_error("display_lookup: shift 1..16, nan_code 0..255 and 0 < tiny <= top expected");
        }
        std::vector<py::ssize_t> shape(values.shape(), values.shape() + values.ndim());
        py::array_t<uint8_t> out(shape);
        const auto* v = static_cast<const float*>(values.data());
        const auto* t = static_cast<const uint32_t*>(table.data());
        const int64_t n = values.size(), size = table.shape(0);
        uint8_t* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          display_lookup(v, n, t, size, shift, tiny, top, uint8_t(nan_code), dst);
        }
        return out;
      },
      py::arg("values"), py::arg("table"), py::arg("shift"), py::arg("tiny"), py::arg("top"), py::arg("nan_code"),
      "8-bit display values of float32 `values` (any shape) by the threshold table of a DisplayQuantiser\n"
      "(faceplate.nodes.facedetect.display): one pass, GIL released. Returns uint8 of the same shape.");
}

}  // namespace faceplate
