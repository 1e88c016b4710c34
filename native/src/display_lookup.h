// 8-bit display values by table lookup (faceplate.nodes.facedetect.display.DisplayQuantiser): the
// count of curve thresholds at or below each float, found from the float's bits in one pass.
#pragma once
#include <cstdint>

namespace faceplate {

// out[i] = the 8-bit result of values[i]: NaN gives nan_code; other values are clipped to
// [tiny, top], and with bits = their float32 bits, entry = table[bits >> shift]:
// (entry >> 16) + ((bits & ((1 << shift) - 1)) >= (entry & 0xFFFF)).
void display_lookup(const float* values, int64_t n, const uint32_t* table, int64_t table_size, int shift, float tiny,
                    float top, uint8_t nan_code, uint8_t* out);

}  // namespace faceplate
