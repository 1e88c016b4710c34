#include "dlpack.h"

#include <cstring>

namespace faceplate {

std::string dtype_name(const dl::DataType& t) {
  std::string base;
  switch (t.code) {
    case dl::kInt:
      base = "int";
      break;
    case dl::kUInt:
      base = "uint";
      break;
    case dl::kFloat:
      base = "float";
      break;
    case dl::kBfloat:
      base = "bfloat";
      break;
    case dl::kComplex:
      base = "complex";
      break;
    case dl::kBool:
      return "bool";
    default:
      base = "type" + std::to_string(t.code) + "_";
  }
  std::string s = base + std::to_string(t.bits);
  if (t.lanes != 1) s += "x" + std::to_string(t.lanes);
  return s;
}

bool DeviceArray::c_contiguous() const {
  int64_t expected = 1;
  for (int i = ndim() - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

// Plain string building, no iostreams: an extension that mixes libstdc++ copies (static CUDA
// runtime, toolchain runtimes) has crashed inside ostream's locale facets on one GPU machine.
std::string DeviceArray::describe() const {
  std::string s = "(";
  for (int i = 0; i < ndim(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  s += ") " + dtype_name(dtype);
  switch (device.device_type) {
    case dl::kCPU:
      s += " on cpu";
      break;
    case dl::kCUDA:
      s += " on cuda:" + std::to_string(device.device_id);
      break;
    case dl::kCUDAHost:
      s += " in pinned host memory";
      break;
    case dl::kCUDAManaged:
      s += " in CUDA managed memory";
      break;
    default:
      s += " on DLPack device " + std::to_string(device.device_type);
  }
  if (!c_contiguous()) s += " (not C-contiguous)";
  return s;
}

DeviceArray DeviceArray::from(const py::handle& obj, const char* name, uintptr_t stream) {
  if (!py::hasattr(obj, "__dlpack__")) {
    throw py::value_error(std::string(name) + ": expected an array with __dlpack__ (torch tensor, cupy array), got " +
                          std::string(py::str(py::type::of(obj))));
  }
  int device_type = dl::kCPU;
  if (py::hasattr(obj, "__dlpack_device__"))
    device_type = obj.attr("__dlpack_device__")().cast<py::tuple>()[0].cast<int>();
  py::dict kwargs;
  // The protocol's stream numbers for CUDA: 1 is the legacy default stream, others are handles.
  if (device_type == dl::kCUDA) kwargs["stream"] = stream == 0 ? py::int_(1) : py::int_(stream);
  kwargs["max_version"] = py::make_tuple(1, 0);
  py::object capsule;
  try {
    capsule = obj.attr("__dlpack__")(**kwargs);
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) throw;  // a producer older than DLPack 1.0: no max_version
    kwargs.attr("pop")("max_version");
    capsule = obj.attr("__dlpack__")(**kwargs);
  }
  const char* capsule_name = PyCapsule_GetName(capsule.ptr());
  const dl::Tensor* t = nullptr;
  DeviceArray a;
  if (capsule_name && std::strcmp(capsule_name, "dltensor_versioned") == 0) {
    auto* m = static_cast<dl::ManagedTensorVersioned*>(PyCapsule_GetPointer(capsule.ptr(), capsule_name));
    if (m->version.major > 1)
      throw py::value_error(std::string(name) + ": DLPack version " + std::to_string(m->version.major) +
                            " is not supported");
    t = &m->dl_tensor;
    a.read_only = (m->flags & dl::kFlagReadOnly) != 0;
  } else if (capsule_name && std::strcmp(capsule_name, "dltensor") == 0) {
    t = &static_cast<dl::ManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), capsule_name))->dl_tensor;
  } else {
    throw py::value_error(std::string(name) + ": __dlpack__ returned no DLPack capsule");
  }
  a.data = static_cast<char*>(t->data) + t->byte_offset;
  a.shape.assign(t->shape, t->shape + t->ndim);
  a.strides.resize(t->ndim);
  int64_t step = 1;
  for (int i = t->ndim - 1; i >= 0; --i) {
    a.strides[i] = t->strides ? t->strides[i] : step;
    step *= a.shape[i];
  }
  a.dtype = t->dtype;
  a.device = t->device;
  a.owner = std::move(capsule);  // the capsule's destructor runs the producer's deleter
  return a;
}

namespace {

// What an exported capsule owns: the buffer (shared with the DeviceImage), shape and strides.
struct ExportContext {
  std::shared_ptr<void> buffer;
  std::vector<int64_t> shape, strides;
};

template <class Managed>
void delete_managed(Managed* m) {
  delete static_cast<ExportContext*>(m->manager_ctx);
  delete m;
}

template <class Managed>
void capsule_destructor(PyObject* capsule, const char* name) {
  // Still under its original name: no consumer took it, so the deleter is ours to call.
  if (PyCapsule_IsValid(capsule, name)) {
    auto* m = static_cast<Managed*>(PyCapsule_GetPointer(capsule, name));
    m->deleter(m);
  }
}

}  // namespace

DeviceImage::DeviceImage(void* data, std::vector<int64_t> shape, dl::DataType dtype, dl::Device device, Free free)
    : buffer_(data, std::move(free)), shape_(std::move(shape)), dtype_(dtype), device_(device) {}

py::capsule DeviceImage::dlpack(const py::object& max_version) const {
  // Explicit C-contiguous strides: DLPack >= 1.2 consumers no longer accept NULL strides.
  std::vector<int64_t> strides(shape_.size());
  int64_t step = 1;
  for (size_t i = shape_.size(); i-- > 0;) strides[i] = step, step *= shape_[i];
  auto* ctx = new ExportContext{buffer_, shape_, std::move(strides)};
  dl::Tensor t{buffer_.get(), device_, int32_t(shape_.size()), dtype_, ctx->shape.data(), ctx->strides.data(), 0};
  bool versioned = false;
  if (!max_version.is_none()) versioned = max_version.cast<py::tuple>()[0].cast<int>() >= 1;
  if (versioned) {
    auto* m = new dl::ManagedTensorVersioned{{1, 0}, ctx, &delete_managed<dl::ManagedTensorVersioned>, 0, t};
    return py::capsule(m, "dltensor_versioned",
                       [](PyObject* c) { capsule_destructor<dl::ManagedTensorVersioned>(c, "dltensor_versioned"); });
  }
  auto* m = new dl::ManagedTensor{t, ctx, &delete_managed<dl::ManagedTensor>};
  return py::capsule(m, "dltensor", [](PyObject* c) { capsule_destructor<dl::ManagedTensor>(c, "dltensor"); });
}

void bind_device_image(py::module_& m) {
  py::class_<DeviceImage>(m, "DeviceImage", "A device array allocated by faceplate._native, exported through DLPack.")
      .def_property_readonly("shape",
                             [](const DeviceImage& d) {
                               py::tuple t(d.shape().size());
                               for (size_t i = 0; i < d.shape().size(); ++i) t[i] = py::int_(d.shape()[i]);
                               return t;
                             })
      .def("__dlpack__",
           [](const DeviceImage& d, const py::kwargs& kwargs) {
             // The twins synchronise before returning a DeviceImage, so any consumer stream may read it.
             return d.dlpack(kwargs.contains("max_version") ? py::object(kwargs["max_version"])
                                                            : py::object(py::none()));
           })
      .def("__dlpack_device__", &DeviceImage::dlpack_device);
}

}  // namespace faceplate
