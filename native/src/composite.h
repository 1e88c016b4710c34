#pragma once
#include <cstdint>

namespace faceplate {

// dst = src + dst * (1 - src[alpha]) per pixel, channels-last, premultiplied, in place on dst.
void over_inplace(float* dst, const float* src, int64_t pixels, int channels, int alpha_channel);

}  // namespace faceplate
