#include "bindings.h"
#include "checks.h"
#include "composite.h"

namespace faceplate {

void bind_composite(py::module_& m) {
  m.def(
      "over_inplace",
      [](py::array dst, py::array src, int alpha_channel) {
        require_image(dst, "dst");
        require_image(src, "src");
        if (!dst.writeable()) throw py::value_error("dst: array is read-only");
        for (int i = 0; i < 3; ++i) {
          if (dst.shape(i) != src.shape(i)) {
            throw py::value_error("src and dst must have the same shape, got dst " + describe(dst) + " and src " +
                                  describe(src));
          }
        }
        const int channels = int(dst.shape(2));
        if (alpha_channel < 0 || alpha_channel >= channels) {
          throw py::value_error("alpha_channel " + std::to_string(alpha_channel) + " is outside 0.." +
                                std::to_string(channels - 1));
        }
        auto* d = static_cast<float*>(dst.mutable_data());
        const auto* s = static_cast<const float*>(src.data());
        const int64_t pixels = int64_t(dst.shape(0)) * dst.shape(1);
        py::gil_scoped_release release;
        over_inplace(d, s, pixels, channels, alpha_channel);
      },
      py::arg("dst"), py::arg("src"), py::arg("alpha_channel") = 3,
      "Premultiplied src over dst, in place on dst: dst = src + dst * (1 - src[alpha]).\n"
      "Both (H, W, C) float32 C-contiguous, same shape.");
}

}  // namespace faceplate
