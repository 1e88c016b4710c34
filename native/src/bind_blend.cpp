#include <string>

#include "bindings.h"
#include "blend.h"
#include "matte_checks.h"

namespace faceplate {

void bind_blend(py::module_& m) {
  m.def(
      "multiband_blend",
      [](py::array a, py::array b, py::array matte, int levels, py::object keep_low_from) {
        require_image(a, "a");
        require_image(b, "b");
        require_matte(matte, "matte");
        for (int i = 0; i < 3; ++i) {
          if (a.shape(i) != b.shape(i)) {
            throw py::value_error("a and b must have the same shape, got a " + describe(a) + " and b " + describe(b));
          }
        }
        if (matte.shape(0) != a.shape(0) || matte.shape(1) != a.shape(1)) {
          throw py::value_error("matte: expected (" + std::to_string(a.shape(0)) + ", " + std::to_string(a.shape(1)) +
                                ") to match a, got " + describe(matte));
        }
        require_levels(levels);
        const KeepLow keep = parse_keep_low(keep_low_from);
        require_finite_values<float>(matte, "matte");
        const int h = int(a.shape(0)), w = int(a.shape(1)), c = int(a.shape(2));
        py::array_t<float> out({h, w, c});
        const auto* pa = static_cast<const float*>(a.data());
        const auto* pb = static_cast<const float*>(b.data());
        const auto* pm = static_cast<const float*>(matte.data());
        float* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          multiband_blend(pa, pb, pm, dst, h, w, c, levels, keep);
        }
        return out;
      },
      py::arg("a"), py::arg("b"), py::arg("matte"), py::arg("levels") = 5, py::kw_only(),
      py::arg("keep_low_from") = py::none(),
      "Laplacian-pyramid blend of a and b (H, W, C) float32 under matte (H, W) float32 (1: a, 0: b):\n"
      "collapse(sum L_a G_m + L_b (1 - G_m)) over `levels` levels (fewer if the image reaches 1 x 1).\n"
      "keep_low_from 'a' / 'b': the coarsest level comes from that image alone. Returns a new image.");
}

}  // namespace faceplate
