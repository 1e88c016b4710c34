// Premultiplied "over" in place: the first real kernel of the module.
#include "composite.h"

#include "parallel.h"

namespace faceplate {

void over_inplace(float* dst, const float* src, int64_t pixels, int channels, int alpha_channel) {
  parallel_for(
      pixels,
      [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const float* s = src + p * channels;
          float* d = dst + p * channels;
          const float k = 1.0f - s[alpha_channel];
          for (int c = 0; c < channels; ++c) d[c] = s[c] + d[c] * k;
        }
      },
      4096);
}

}  // namespace faceplate
