// Argument checks shared by the bindings: every failure is a ValueError naming the argument and
// saying what was expected and what was given.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <sstream>
#include <string>

namespace faceplate {
namespace py = pybind11;

// "(H, W, C) float32" style description of an array's shape and dtype.
inline std::string describe(const py::array& a) {
  std::ostringstream s;
  s << "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s << (i ? ", " : "") << a.shape(i);
  s << ") " << std::string(py::str(a.dtype()));
  return s.str();
}

// Checks an (H, W, C) float32 C-contiguous image with 1 to 64 channels.
inline void require_image(const py::array& a, const char* name) {
  if (a.ndim() != 3 || !a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + ": expected (H, W, C) float32 C-contiguous, got " + describe(a));
  }
  if (a.shape(2) < 1 || a.shape(2) > 64) {
    throw py::value_error(std::string(name) + ": expected 1 to 64 channels, got " + describe(a));
  }
}

}  // namespace faceplate
