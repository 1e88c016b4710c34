// paste_back: matte-weighted over of an aligned face crop back into its plate (CPU).
#pragma once
#include "sampling.h"

namespace faceplate {

struct PasteParams {
  Matrix3 aligned_from_plate;  // maps plate pixel positions to positions in the crop
  Filter filter = Filter::bilinear;
  int plate_channel[64] = {};  // plate channel written by each face channel
};

// The plate pixels that paste_back may change: the bounding box of the crop (grown by the
// filter's reach) mapped into the plate, clipped to the plate. Empty when the crop misses it.
// A perspective crop that crosses the projection's horizon gives the whole plate.
Box paste_footprint(int plate_width, int plate_height, int face_width, int face_height,
                    const Matrix3& aligned_from_plate, Filter filter);

// For each plate pixel p in box (see paste_footprint): q = aligned_from_plate * p,
// m = clamp(matte(q), 0, 1) with matte 0 outside the crop, and where m > 0
// plate[plate_channel[c]] = face(q)[c] * m + plate[plate_channel[c]] * (1 - m).
// plate, face and matte are float32; matte has one channel and the face's size. Pixels outside
// box, and pixels whose m is 0, are not written.
void paste_back(const Image& plate, const Image& face, const Image& matte, const PasteParams& params, const Box& box);

}  // namespace faceplate
