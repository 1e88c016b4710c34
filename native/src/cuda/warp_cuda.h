// CUDA twins of the warp family, called by bind_warp.cpp. Pointers in the Images are device
// pointers on `device`; work is queued on `stream` (a cudaStream_t as an integer, 0 = default).
// Semantics are those of warp() and paste_back() in warp.h / paste.h. Errors throw
// std::runtime_error with the CUDA error string.
#pragma once
#include <cstddef>
#include <cstdint>

#include "paste.h"
#include "warp.h"

namespace faceplate::cuda {

void warp(const Image& src, const Image& dst, const WarpParams& params, int device, uintptr_t stream);
void paste_back(const Image& plate, const Image& face, const Image& matte, const PasteParams& params, const Box& box,
                int device, uintptr_t stream);

// Plain device memory (cudaMalloc, never managed memory), for outputs the twins allocate.
void* device_alloc(size_t bytes, int device);
void device_free(void* p, int device) noexcept;
void device_zero(void* p, size_t bytes, int device, uintptr_t stream);
void stream_synchronize(int device, uintptr_t stream);

}  // namespace faceplate::cuda
