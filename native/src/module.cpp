// pybind11 module faceplate._native. Private and thin: argument checks live in the bind_*.cpp
// files, conveniences live in Python (faceplate.foundation.imaging).
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "dlpack.h"
#include "parallel.h"

namespace py = pybind11;

#ifdef FACEPLATE_WITH_CUDA
bool faceplate_cuda_device_present();  // cuda/device.cu
#endif

namespace {
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
  faceplate::bind_composite(m);
  faceplate::bind_device_image(m);  // DeviceImage, shared by every family's CUDA twins
  faceplate::bind_warp(m);
  faceplate::bind_matte(m);
  faceplate::bind_blend(m);
  faceplate::bind_detect(m);
}
