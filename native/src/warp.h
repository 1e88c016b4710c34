// Affine and perspective image warps (CPU).
#pragma once
#include "sampling.h"

namespace faceplate {

struct WarpParams {
  Matrix3 src_from_dst;  // maps output pixel positions to source positions (the inverse of dst_from_src)
  Filter filter = Filter::bilinear;
  Border border = Border::constant;
  float border_value = 0.f;
  Box roi;  // output pixels to compute, already clipped to dst and not empty
};

// Resamples src into the roi of dst. src and dst are float32 or float16 with the same channel
// count. For each output pixel centre p, the sample is taken at src_from_dst * p; pixels of dst
// outside the roi (and, with Border::transparent, pixels whose sample position falls outside src)
// are left as they are. Multi-threaded over output rows.
void warp(const Image& src, const Image& dst, const WarpParams& params);

}  // namespace faceplate
