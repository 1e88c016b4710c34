// Argument checks shared by the bindings: every failure is a ValueError naming the argument and
// saying what was expected and what was given.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

namespace faceplate {
namespace py = pybind11;

// "(H, W, C) float32" style description of an array's shape and dtype ("(68,)" for one dimension).
// Plain string building, no iostreams: on the GPU machine (GCC 13, the torch environment) numeric
// ostream insertion in this module segfaulted inside std::ostream::_M_insert<long> (cuda-gdb
// backtrace), a sign of two libstdc++ copies meeting in one process.
inline std::string describe(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  if (a.ndim() == 1) s += ",";
  return s + ") " + std::string(py::str(a.dtype()));
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
