#include "display_lookup.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace faceplate {

void display_lookup(const float* values, int64_t n, const uint32_t* table, int64_t table_size, int shift, float tiny,
                    float top, uint8_t nan_code, uint8_t* out) {
  const uint32_t low_mask = (uint32_t(1) << shift) - 1;
  for (int64_t i = 0; i < n; ++i) {
    float v = values[i];
    if (std::isnan(v)) {
      out[i] = nan_code;
      continue;
    }
    v = std::min(std::max(v, tiny), top);
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    const int64_t index = std::min<int64_t>(bits >> shift, table_size - 1);  // top's entry is the last
    const uint32_t entry = table[index];
    out[i] = uint8_t((entry >> 16) + ((bits & low_mask) >= (entry & 0xFFFF) ? 1 : 0));
  }
}

}  // namespace faceplate
