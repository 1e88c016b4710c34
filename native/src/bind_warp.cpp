// Bindings of the warp family: warp_affine, warp_perspective, paste_back (numpy, CPU) and their
// CUDA twins cuda_warp_affine, cuda_warp_perspective, cuda_paste_back (DLPack device arrays).
// Matrices arrive as dst_from_src (source pixel positions to destination ones, pixel centres at
// +0.5) and are inverted here: the kernels sample, so they need src_from_dst.
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include "bindings.h"
#include "checks.h"
#include "dlpack.h"
#include "paste.h"
#include "warp.h"
#ifdef FACEPLATE_WITH_CUDA
#include "cuda/warp_cuda.h"
#endif

namespace faceplate {
namespace {

using BoxTuple = std::tuple<int, int, int, int>;

std::string arg_error(const char* name, const std::string& what) { return std::string(name) + ": " + what; }

enum class MatrixKind { affine, perspective, any };

// Real matrix -> 3x3: affine takes (2, 3) or an affine (3, 3), perspective takes (3, 3), any both.
Matrix3 parse_matrix(const py::handle& obj, const char* name, MatrixKind kind) {
  const std::string expected = kind == MatrixKind::perspective ? "(3, 3) float64" : "(2, 3) or (3, 3) float64";
  py::array raw = py::array::ensure(obj);
  if (!raw)
    throw py::value_error(
        arg_error(name, "expected a " + expected + " matrix, got " + std::string(py::str(py::type::of(obj)))));
  const char dtype_kind = raw.dtype().kind();
  const bool shape_ok = raw.ndim() == 2 && raw.shape(1) == 3 &&
                        (raw.shape(0) == 3 || (kind != MatrixKind::perspective && raw.shape(0) == 2));
  if (!shape_ok || (dtype_kind != 'f' && dtype_kind != 'i' && dtype_kind != 'u')) {
    throw py::value_error(arg_error(name, "expected " + expected + ", got " + describe(raw)));
  }
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(raw);
  Matrix3 m;
  std::copy(a.data(), a.data() + a.size(), m.m);
  for (double v : m.m) {
    if (!std::isfinite(v)) throw py::value_error(arg_error(name, "matrix has NaN or infinite entries"));
  }
  if (kind == MatrixKind::affine && !m.is_affine()) {
    throw py::value_error(arg_error(name, "last row must be (0, 0, 1) for an affine warp; use warp_perspective"));
  }
  return m;
}

Matrix3 inverse_of(const Matrix3& m, const char* name) {
  Matrix3 inv;
  if (!invert(m, inv)) throw py::value_error(arg_error(name, "matrix is singular (not invertible)"));
  return inv;
}

Filter parse_filter(const std::string& s) {
  if (s == "nearest") return Filter::nearest;
  if (s == "bilinear") return Filter::bilinear;
  if (s == "bicubic") return Filter::bicubic;
  throw py::value_error("filter: expected 'nearest', 'bilinear' or 'bicubic', got '" + s + "'");
}

Border parse_border(const std::string& s) {
  if (s == "constant") return Border::constant;
  if (s == "edge") return Border::edge;
  if (s == "transparent") return Border::transparent;
  throw py::value_error("border: expected 'constant', 'edge' or 'transparent', got '" + s + "'");
}

std::pair<int, int> parse_size(const py::object& size) {
  int w = 0, h = 0;
  try {
    std::tie(w, h) = size.cast<std::pair<int, int>>();
  } catch (const py::cast_error&) {
    throw py::value_error("size: expected (width, height), got " + std::string(py::repr(size)));
  }
  if (w <= 0 || h <= 0)
    throw py::value_error("size: expected positive (width, height), got " + std::string(py::repr(size)));
  return {w, h};
}

// Optional (x0, y0, x1, y1), clipped to the output; empty after clipping is an error.
Box parse_roi(const py::object& roi, int width, int height) {
  if (roi.is_none()) return Box{0, 0, width, height};
  BoxTuple t;
  try {
    t = roi.cast<BoxTuple>();
  } catch (const py::cast_error&) {
    throw py::value_error("roi: expected (x0, y0, x1, y1) integers, got " + std::string(py::repr(roi)));
  }
  auto [x0, y0, x1, y1] = t;
  const Box b{std::max(x0, 0), std::max(y0, 0), std::min(x1, width), std::min(y1, height)};
  if (b.empty()) {
    throw py::value_error("roi: " + std::string(py::repr(roi)) + " is empty within the " + std::to_string(width) + "x" +
                          std::to_string(height) + " output");
  }
  return b;
}

struct WarpOptions {
  WarpParams params;
  py::object size, out, roi;
};

WarpOptions parse_warp_options(const py::handle& matrix, bool affine, const py::object& size, const py::object& out,
                               const py::object& roi, const std::string& filter, const std::string& border,
                               double border_value) {
  WarpOptions o;
  o.params.src_from_dst = inverse_of(
      parse_matrix(matrix, "dst_from_src", affine ? MatrixKind::affine : MatrixKind::perspective), "dst_from_src");
  o.params.filter = parse_filter(filter);
  o.params.border = parse_border(border);
  if (!std::isfinite(border_value))
    throw py::value_error("border_value: expected a finite number, got " + std::to_string(border_value));
  o.params.border_value = float(border_value);
  if (size.is_none() == out.is_none()) throw py::value_error("give exactly one of size=(width, height) or out=array");
  o.size = size, o.out = out, o.roi = roi;
  return o;
}

// ---- numpy (CPU) ----

bool is_float16(const py::dtype& d) { return d.kind() == 'f' && d.itemsize() == 2; }

// (H, W, C) float32 or float16, C-contiguous, 1..64 channels.
Image warp_image(const py::array& a, const char* name) {
  const bool dtype_ok = a.dtype().is(py::dtype::of<float>()) || is_float16(a.dtype());
  if (a.ndim() != 3 || !dtype_ok || !(a.flags() & py::array::c_style)) {
    throw py::value_error(arg_error(name, "expected (H, W, C) float32 or float16 C-contiguous, got " + describe(a)));
  }
  if (a.shape(2) < 1 || a.shape(2) > 64)
    throw py::value_error(arg_error(name, "expected 1 to 64 channels, got " + describe(a)));
  if (a.shape(0) < 1 || a.shape(1) < 1) throw py::value_error(arg_error(name, "image is empty: " + describe(a)));
  return Image{const_cast<void*>(a.data()), int(a.shape(0)), int(a.shape(1)), int(a.shape(2)),
               is_float16(a.dtype()) ? DType::float16 : DType::float32};
}

bool arrays_overlap(const py::array& a, const py::array& b) {
  const char* a0 = static_cast<const char*>(a.data());
  const char* b0 = static_cast<const char*>(b.data());
  return a0 < b0 + b.nbytes() && b0 < a0 + a.nbytes();
}

py::array warp_numpy(const py::array& src_arr, const py::handle& matrix, bool affine, const py::object& size,
                     const py::object& out, const py::object& roi, const std::string& filter, const std::string& border,
                     double border_value) {
  const Image src = warp_image(src_arr, "src");
  WarpOptions o = parse_warp_options(matrix, affine, size, out, roi, filter, border, border_value);
  py::array dst_arr;
  bool clear = false;
  if (!out.is_none()) {
    if (!py::isinstance<py::array>(out))
      throw py::value_error("out: expected a numpy array, got " + std::string(py::str(py::type::of(out))));
    dst_arr = out.cast<py::array>();
    warp_image(dst_arr, "out");
    if (!dst_arr.writeable()) throw py::value_error("out: array is read-only");
    if (dst_arr.shape(2) != src.channels) {
      throw py::value_error("out: expected " + std::to_string(src.channels) + " channels like src, got " +
                            describe(dst_arr));
    }
    if (arrays_overlap(src_arr, dst_arr)) throw py::value_error("out: must not share memory with src");
  } else {
    const auto [w, h] = parse_size(size);
    dst_arr = py::array(src_arr.dtype(), std::vector<py::ssize_t>{h, w, src.channels});
    clear = !roi.is_none() || o.params.border == Border::transparent;  // pixels we do not compute read as 0
  }
  const Image dst = warp_image(dst_arr, "out");
  o.params.roi = parse_roi(roi, dst.width, dst.height);
  {
    py::gil_scoped_release release;
    if (clear) std::fill_n(static_cast<char*>(dst.data), dst_arr.nbytes(), char(0));
    warp(src, dst, o.params);
  }
  return dst_arr;
}

// Checks shared by both paste_back twins once the arrays are described as Images.
PasteParams parse_paste(const Image& plate, const Image& face, const Image& matte,
                        const std::vector<py::ssize_t>& matte_shape, const py::handle& matrix,
                        const std::string& filter, const py::object& channels) {
  if (matte.height != face.height || matte.width != face.width || matte.channels != 1) {
    std::string got = "(";
    for (size_t i = 0; i < matte_shape.size(); ++i) got += (i ? ", " : "") + std::to_string(matte_shape[i]);
    throw py::value_error("matte: expected (" + std::to_string(face.height) + ", " + std::to_string(face.width) +
                          ") or (" + std::to_string(face.height) + ", " + std::to_string(face.width) +
                          ", 1) like face, got " + got + ")");
  }
  PasteParams p;
  p.aligned_from_plate = parse_matrix(matrix, "aligned_from_plate", MatrixKind::any);
  inverse_of(p.aligned_from_plate, "aligned_from_plate");  // singular: no footprint exists
  p.filter = parse_filter(filter);
  std::vector<int> idx;
  if (channels.is_none()) {
    if (face.channels > plate.channels) {
      throw py::value_error("face: has " + std::to_string(face.channels) + " channels but plate only " +
                            std::to_string(plate.channels) + "; pass channels= to choose plate channels");
    }
    for (int c = 0; c < face.channels; ++c) idx.push_back(c);
  } else {
    try {
      idx = channels.cast<std::vector<int>>();
    } catch (const py::cast_error&) {
      throw py::value_error("channels: expected a list of plate channel indices, got " +
                            std::string(py::repr(channels)));
    }
    if (int(idx.size()) != face.channels) {
      throw py::value_error("channels: expected " + std::to_string(face.channels) +
                            " indices (one per face channel), got " + std::to_string(idx.size()));
    }
    for (size_t i = 0; i < idx.size(); ++i) {
      if (idx[i] < 0 || idx[i] >= plate.channels) {
        throw py::value_error("channels: index " + std::to_string(idx[i]) + " is outside the plate's 0.." +
                              std::to_string(plate.channels - 1));
      }
      if (std::find(idx.begin(), idx.begin() + i, idx[i]) != idx.begin() + i) {
        throw py::value_error("channels: index " + std::to_string(idx[i]) + " appears twice");
      }
    }
  }
  std::copy(idx.begin(), idx.end(), p.plate_channel);
  return p;
}

// float32 image; a 2-D matte is read as (h, w, 1).
Image float_image(const py::array& a, const char* name, bool allow_2d) {
  if (allow_2d && a.ndim() == 2 && a.dtype().is(py::dtype::of<float>()) && (a.flags() & py::array::c_style)) {
    return Image{const_cast<void*>(a.data()), int(a.shape(0)), int(a.shape(1)), 1, DType::float32};
  }
  require_image(a, name);
  return Image{const_cast<void*>(a.data()), int(a.shape(0)), int(a.shape(1)), int(a.shape(2)), DType::float32};
}

BoxTuple paste_numpy(const py::array& plate_arr, const py::array& face_arr, const py::array& matte_arr,
                     const py::handle& matrix, const std::string& filter, const py::object& channels) {
  const Image plate = float_image(plate_arr, "plate", false);
  if (!plate_arr.writeable()) throw py::value_error("plate: array is read-only (paste_back writes in place)");
  const Image face = float_image(face_arr, "face", false);
  const Image matte = float_image(matte_arr, "matte", true);
  const PasteParams p =
      parse_paste(plate, face, matte, std::vector<py::ssize_t>(matte_arr.shape(), matte_arr.shape() + matte_arr.ndim()),
                  matrix, filter, channels);
  if (arrays_overlap(plate_arr, face_arr) || arrays_overlap(plate_arr, matte_arr))
    throw py::value_error("plate: must not share memory with face or matte");
  Box box;
  {
    py::gil_scoped_release release;
    box = paste_footprint(plate.width, plate.height, face.width, face.height, p.aligned_from_plate, p.filter);
    paste_back(plate, face, matte, p, box);
  }
  return {box.x0, box.y0, box.x1, box.y1};
}

// ---- DLPack device arrays (CUDA twins) ----

// (H, W, C) float32 (or float16 where allowed) C-contiguous CUDA array, 1..64 channels; with
// allow_2d an (H, W) float32 array reads as one channel.
Image cuda_image(const DeviceArray& a, const char* name, bool allow_f16, bool allow_2d) {
  const std::string kinds = allow_f16 ? "float32 or float16" : "float32";
  if (!a.on_cuda()) throw py::value_error(arg_error(name, "expected a CUDA device array, got " + a.describe()));
  const bool dtype_ok = a.is_float(32) || (allow_f16 && a.is_float(16));
  const bool flat = allow_2d && a.ndim() == 2;
  if ((a.ndim() != 3 && !flat) || !dtype_ok || !a.c_contiguous()) {
    throw py::value_error(arg_error(name, "expected (H, W, C) " + kinds + " C-contiguous, got " + a.describe()));
  }
  const int channels = flat ? 1 : int(a.shape[2]);
  if (channels < 1 || channels > 64)
    throw py::value_error(arg_error(name, "expected 1 to 64 channels, got " + a.describe()));
  if (a.shape[0] < 1 || a.shape[1] < 1) throw py::value_error(arg_error(name, "image is empty: " + a.describe()));
  return Image{a.data, int(a.shape[0]), int(a.shape[1]), channels, a.is_float(16) ? DType::float16 : DType::float32};
}

size_t image_bytes(const Image& im) {
  return size_t(im.height) * im.width * im.channels * (im.dtype == DType::float16 ? 2 : 4);
}

bool overlaps(const Image& a, const Image& b) {
  const char* a0 = static_cast<const char*>(a.data);
  const char* b0 = static_cast<const char*>(b.data);
  return a0 < b0 + image_bytes(b) && b0 < a0 + image_bytes(a);
}

void require_same_device(const DeviceArray& a, const DeviceArray& b, const char* name) {
  if (a.device.device_id != b.device.device_id) {
    throw py::value_error(arg_error(name, "is on cuda:" + std::to_string(b.device.device_id) +
                                              " but the first array on cuda:" + std::to_string(a.device.device_id)));
  }
}

#ifdef FACEPLATE_WITH_CUDA
py::object warp_cuda(const py::handle& src_obj, const py::handle& matrix, bool affine, const py::object& size,
                     const py::object& out, const py::object& roi, const std::string& filter, const std::string& border,
                     double border_value, uintptr_t stream) {
  const DeviceArray src_a = DeviceArray::from(src_obj, "src", stream);
  const Image src = cuda_image(src_a, "src", true, false);
  const int device = src_a.device.device_id;
  WarpOptions o = parse_warp_options(matrix, affine, size, out, roi, filter, border, border_value);
  py::object result;
  Image dst;
  DeviceArray out_a;
  bool clear = false, allocated = false;
  if (!out.is_none()) {
    out_a = DeviceArray::from(out, "out", stream);
    dst = cuda_image(out_a, "out", true, false);
    if (out_a.read_only) throw py::value_error("out: array is read-only");
    require_same_device(src_a, out_a, "out");
    if (dst.channels != src.channels) {
      throw py::value_error("out: expected " + std::to_string(src.channels) + " channels like src, got " +
                            out_a.describe());
    }
    if (overlaps(src, dst)) throw py::value_error("out: must not share memory with src");
    result = out;
  } else {
    const auto [w, h] = parse_size(size);
    dst = Image{nullptr, h, w, src.channels, src.dtype};
    dst.data = cuda::device_alloc(image_bytes(dst), device);
    result = py::cast(DeviceImage(dst.data, {h, w, src.channels}, src_a.dtype, src_a.device,
                                  [device](void* p) { cuda::device_free(p, device); }));
    clear = !roi.is_none() || o.params.border == Border::transparent;
    allocated = true;
  }
  o.params.roi = parse_roi(roi, dst.width, dst.height);
  {
    py::gil_scoped_release release;
    if (clear) cuda::device_zero(dst.data, image_bytes(dst), device, stream);
    cuda::warp(src, dst, o.params, device, stream);
    if (allocated) cuda::stream_synchronize(device, stream);  // a fresh array may be read on any stream
  }
  return result;
}

BoxTuple paste_cuda(const py::handle& plate_obj, const py::handle& face_obj, const py::handle& matte_obj,
                    const py::handle& matrix, const std::string& filter, const py::object& channels, uintptr_t stream) {
  const DeviceArray plate_a = DeviceArray::from(plate_obj, "plate", stream);
  const DeviceArray face_a = DeviceArray::from(face_obj, "face", stream);
  const DeviceArray matte_a = DeviceArray::from(matte_obj, "matte", stream);
  const Image plate = cuda_image(plate_a, "plate", false, false);
  if (plate_a.read_only) throw py::value_error("plate: array is read-only (paste_back writes in place)");
  const Image face = cuda_image(face_a, "face", false, false);
  const Image matte = cuda_image(matte_a, "matte", false, true);
  require_same_device(plate_a, face_a, "face");
  require_same_device(plate_a, matte_a, "matte");
  std::vector<py::ssize_t> matte_shape(matte_a.shape.begin(), matte_a.shape.end());
  const PasteParams p = parse_paste(plate, face, matte, matte_shape, matrix, filter, channels);
  if (overlaps(plate, face) || overlaps(plate, matte))
    throw py::value_error("plate: must not share memory with face or matte");
  const Box box = paste_footprint(plate.width, plate.height, face.width, face.height, p.aligned_from_plate, p.filter);
  {
    py::gil_scoped_release release;
    cuda::paste_back(plate, face, matte, p, box, plate_a.device.device_id, stream);
  }
  return {box.x0, box.y0, box.x1, box.y1};
}
#else
[[noreturn]] void no_cuda() {
  throw py::value_error("faceplate._native was built without CUDA (no toolkit at build time): pass numpy arrays");
}
py::object warp_cuda(const py::handle&, const py::handle&, bool, const py::object&, const py::object&,
                     const py::object&, const std::string&, const std::string&, double, uintptr_t) {
  no_cuda();
}
BoxTuple paste_cuda(const py::handle&, const py::handle&, const py::handle&, const py::handle&, const std::string&,
                    const py::object&, uintptr_t) {
  no_cuda();
}
#endif

const char* kWarpDoc =
    "Resamples src (H, W, C) float32/float16 through {kind} matrix dst_from_src.\n\n"
    "dst_from_src maps SOURCE pixel positions to DESTINATION pixel positions (pixel centres at +0.5,\n"
    "origin top-left); it is inverted internally and each output pixel centre is sampled at\n"
    "inverse(dst_from_src) * p. Give exactly one of size=(width, height) (a new array of src's dtype;\n"
    "pixels not computed are 0) or out= (an (H, W, C) float32/float16 array, written in place).\n"
    "roi=(x0, y0, x1, y1) computes only that output region (clipped to the output; empty raises).\n"
    "filter: 'nearest' | 'bilinear' | 'bicubic' (Catmull-Rom, a=-0.5; no clamping: it may overshoot).\n"
    "border: 'constant' (taps outside src read border_value) | 'edge' (taps clamp to the edge) |\n"
    "'transparent' (output pixels whose sample position is outside src are left untouched).\n"
    "Returns the output array. Releases the GIL; multi-threaded (thread_count()).";

std::string warp_doc(const char* kind) {
  std::string s = kWarpDoc;
  s.replace(s.find("{kind}"), 6, kind);
  return s;
}

}  // namespace

void bind_warp(py::module_& m) {
  for (const bool affine : {true, false}) {
    const char* name = affine ? "warp_affine" : "warp_perspective";
    const std::string doc = warp_doc(affine ? "the affine (2, 3) or (3, 3)" : "the projective (3, 3)");
    m.def(
        name,
        [affine](const py::array& src, const py::handle& dst_from_src, const py::object& size, const py::object& out,
                 const py::object& roi, const std::string& filter, const std::string& border, double border_value) {
          return warp_numpy(src, dst_from_src, affine, size, out, roi, filter, border, border_value);
        },
        py::arg("src"), py::arg("dst_from_src"), py::kw_only(), py::arg("size") = py::none(),
        py::arg("out") = py::none(), py::arg("roi") = py::none(), py::arg("filter") = "bilinear",
        py::arg("border") = "constant", py::arg("border_value") = 0.0, doc.c_str());
    m.def(
        (std::string("cuda_") + name).c_str(),
        [affine](const py::handle& src, const py::handle& dst_from_src, const py::object& size, const py::object& out,
                 const py::object& roi, const std::string& filter, const std::string& border, double border_value,
                 uintptr_t stream) {
          return warp_cuda(src, dst_from_src, affine, size, out, roi, filter, border, border_value, stream);
        },
        py::arg("src"), py::arg("dst_from_src"), py::kw_only(), py::arg("size") = py::none(),
        py::arg("out") = py::none(), py::arg("roi") = py::none(), py::arg("filter") = "bilinear",
        py::arg("border") = "constant", py::arg("border_value") = 0.0, py::arg("stream") = 0,
        (std::string("CUDA twin of ") + name +
         ": src and out are CUDA arrays with __dlpack__ (torch, cupy); with size= the\n"
         "result is a DeviceImage (cudaMalloc'd, synchronised) for torch.from_dlpack / cupy.from_dlpack. stream: the\n"
         "cudaStream_t (as an integer) to queue on, 0 for the default stream.\n\n" +
         doc)
            .c_str());
  }
  const char* paste_doc =
      "Warps an aligned face crop back into the plate, in place, with a matte-weighted over.\n\n"
      "plate (H, W, Cp) float32, face (h, w, C) float32, matte (h, w) or (h, w, 1) float32.\n"
      "aligned_from_plate: (2, 3) or (3, 3) matrix mapping PLATE pixel positions to ALIGNED (crop) pixel\n"
      "positions (pixel centres at +0.5). For each plate pixel p in the crop's footprint,\n"
      "q = aligned_from_plate * p, m = clamp(matte(q), 0, 1) (0 outside the crop) and\n"
      "plate[channels] = face(q) * m + plate[channels] * (1 - m) (face not premultiplied by the matte).\n"
      "channels: plate channel index per face channel (default: the first C).\n"
      "Only the footprint is read or written. Returns the footprint box (x0, y0, x1, y1), (0, 0, 0, 0)\n"
      "when the crop misses the plate. Releases the GIL.";
  m.def("paste_back", &paste_numpy, py::arg("plate"), py::arg("face"), py::arg("matte"), py::arg("aligned_from_plate"),
        py::kw_only(), py::arg("filter") = "bilinear", py::arg("channels") = py::none(), paste_doc);
  m.def("cuda_paste_back", &paste_cuda, py::arg("plate"), py::arg("face"), py::arg("matte"),
        py::arg("aligned_from_plate"), py::kw_only(), py::arg("filter") = "bilinear", py::arg("channels") = py::none(),
        py::arg("stream") = 0,
        (std::string("CUDA twin of paste_back (CUDA arrays with __dlpack__; stream: cudaStream_t as an integer).\n\n") +
         paste_doc)
            .c_str());
}

}  // namespace faceplate
