// Argument checks for the matte and blend bindings (in the style of checks.h): every failure is a
// ValueError naming the argument, what was expected and what was given.
#pragma once
#include <cmath>
#include <string>

#include "checks.h"

namespace faceplate {

// Checks an (H, W) float32 C-contiguous matte.
inline void require_matte(const py::array& a, const char* name) {
  if (a.ndim() != 2 || !a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + ": expected (H, W) float32 C-contiguous, got " + describe(a));
  }
  if (a.shape(0) < 1 || a.shape(1) < 1) throw py::value_error(std::string(name) + ": expected a non-empty matte, got " + describe(a));
}

// Checks an (H, W) or (H, W, C) float32 C-contiguous array with 1 to 64 channels.
inline void require_matte_or_image(const py::array& a, const char* name) {
  if (a.ndim() == 2) return require_matte(a, name);
  if (a.ndim() != 3 || !a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + ": expected (H, W) or (H, W, C) float32 C-contiguous, got " + describe(a));
  }
  require_image(a, name);
  if (a.shape(0) < 1 || a.shape(1) < 1) throw py::value_error(std::string(name) + ": expected a non-empty image, got " + describe(a));
}

inline void require_writeable(const py::array& a, const char* name) {
  if (!a.writeable()) throw py::value_error(std::string(name) + ": array is read-only");
}

// Checks that no element of a float32 or float64 array is NaN or infinite.
template <class T>
inline void require_finite_values(const py::array& a, const char* name) {
  const T* p = static_cast<const T*>(a.data());
  for (py::ssize_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(p[i])) {
      throw py::value_error(std::string(name) + ": expected finite values, got " + std::to_string(double(p[i])) +
                            " at flat index " + std::to_string(i));
    }
  }
}

// Checks a finite scalar within [lo, hi].
inline void require_scalar(double v, const char* name, double lo, double hi) {
  if (!std::isfinite(v) || v < lo || v > hi) {
    throw py::value_error(std::string(name) + ": expected a finite number in [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "], got " + std::to_string(v));
  }
}

}  // namespace faceplate
