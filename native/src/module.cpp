// pybind11 bindings of faceplate._native. The module is private and thin: argument checks that
// need Python types live here, conveniences live in Python (faceplate.imaging).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <sstream>
#include <string>

#include "composite.h"
#include "parallel.h"

namespace py = pybind11;

#ifdef FACEPLATE_WITH_CUDA
bool faceplate_cuda_device_present();  // cuda/device.cu
#endif

namespace {

using FloatArray = py::array_t<float, py::array::c_style>;

std::string describe(const py::array& a) {
  std::ostringstream s;
  s << "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s << (i ? ", " : "") << a.shape(i);
  s << ") " << std::string(py::str(a.dtype()));
  return s.str();
}

// Checks an (H, W, C) float32 C-contiguous image; throws ValueError naming the argument.
void require_image(const py::array& a, const char* name) {
  if (a.ndim() != 3 || !a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + ": expected (H, W, C) float32 C-contiguous, got " + describe(a));
  }
  if (a.shape(2) < 1 || a.shape(2) > 64) {
    throw py::value_error(std::string(name) + ": expected 1 to 64 channels, got " + describe(a));
  }
}

bool cuda_available() {
#ifdef FACEPLATE_WITH_CUDA
  return faceplate_cuda_device_present();
#else
  return false;
#endif
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "faceplate native kernels (C++17, CUDA twins when built with a toolkit)";
  m.attr("__version__") = FACEPLATE_VERSION;
#ifdef FACEPLATE_WITH_CUDA
  m.attr("built_with_cuda") = true;
#else
  m.attr("built_with_cuda") = false;
#endif
  m.def("cuda_available", &cuda_available, "True when the CUDA twins were built and a CUDA device is present.");
  m.def("thread_count", &faceplate::thread_count, "Worker threads used by the CPU kernels.");
  m.def("set_thread_count", &faceplate::set_thread_count, py::arg("n"),
        "Sets the CPU kernels' worker threads (0: back to FACEPLATE_THREADS or the core count).");

  m.def(
      "over_inplace",
      [](py::array dst, py::array src, int alpha_channel) {
        require_image(dst, "dst");
        require_image(src, "src");
        if (!dst.writeable()) throw py::value_error("dst: array is read-only");
        for (int i = 0; i < 3; ++i) {
          if (dst.shape(i) != src.shape(i)) {
            throw py::value_error("src and dst must have the same shape, got dst " + describe(dst) + " and src " + describe(src));
          }
        }
        const int channels = int(dst.shape(2));
        if (alpha_channel < 0 || alpha_channel >= channels) {
          throw py::value_error("alpha_channel " + std::to_string(alpha_channel) + " is outside 0.." + std::to_string(channels - 1));
        }
        auto* d = static_cast<float*>(dst.mutable_data());
        const auto* s = static_cast<const float*>(src.data());
        const int64_t pixels = int64_t(dst.shape(0)) * dst.shape(1);
        py::gil_scoped_release release;
        faceplate::over_inplace(d, s, pixels, channels, alpha_channel);
      },
      py::arg("dst"), py::arg("src"), py::arg("alpha_channel") = 3,
      "Premultiplied src over dst, in place on dst: dst = src + dst * (1 - src[alpha]).\n"
      "Both (H, W, C) float32 C-contiguous, same shape.");
}
