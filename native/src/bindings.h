// One bind_* function per kernel family; module.cpp calls each. A family's bindings live in
// bind_<family>.cpp next to its kernels.
#pragma once
#include <pybind11/pybind11.h>

namespace faceplate {
void bind_composite(pybind11::module_& m);
void bind_warp(pybind11::module_& m);  // warp_affine, warp_perspective, paste_back (+ CUDA twins)
void bind_matte(pybind11::module_& m);
void bind_blend(pybind11::module_& m);
void bind_detect(pybind11::module_& m);      // face detection: ShapePredictor (dlib-format landmarks), display_lookup
void bind_matte_cuda(pybind11::module_& m);  // called by bind_matte when built with CUDA
}  // namespace faceplate
