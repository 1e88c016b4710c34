// DLPack interchange for the CUDA twins (and any kernel that takes device arrays).
//
// Consuming: DeviceArray::from(obj, "name") calls obj.__dlpack__() (torch tensors, cupy arrays,
// numpy arrays, anything that speaks the protocol) and describes the result: data pointer, shape,
// strides in elements, dtype, device, read-only flag. It keeps the producer's capsule alive for as
// long as the DeviceArray lives; the producer's memory is never copied or freed here.
//
// Producing: DeviceImage owns a cudaMalloc'd buffer and exports it through __dlpack__, so that
// torch.from_dlpack() / cupy.from_dlpack() adopt it (the buffer is freed by the last owner).
//
// The DLPack structs below mirror dlpack.h v1.0 (github.com/dmlc/dlpack), whose ABI is stable;
// they live in faceplate::dl so that a real dlpack.h can coexist.
#pragma once
#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace faceplate {
namespace py = pybind11;

namespace dl {
enum DeviceType : int32_t { kCPU = 1, kCUDA = 2, kCUDAHost = 3, kCUDAManaged = 13 };
enum TypeCode : uint8_t { kInt = 0, kUInt = 1, kFloat = 2, kBfloat = 4, kComplex = 5, kBool = 6 };
struct Device {
  int32_t device_type;
  int32_t device_id;
};
struct DataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct Tensor {
  void* data;
  Device device;
  int32_t ndim;
  DataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; null means C-contiguous
  uint64_t byte_offset;
};
struct ManagedTensor {
  Tensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(ManagedTensor* self);
};
struct Version {
  uint32_t major;
  uint32_t minor;
};
struct ManagedTensorVersioned {
  Version version;
  void* manager_ctx;
  void (*deleter)(ManagedTensorVersioned* self);
  uint64_t flags;
  Tensor dl_tensor;
};
constexpr uint64_t kFlagReadOnly = 1;
}  // namespace dl

// A borrowed view of an array received through DLPack.
struct DeviceArray {
  void* data = nullptr;  // byte_offset already applied
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements, filled in for C-contiguous producers
  dl::DataType dtype{};
  dl::Device device{};
  bool read_only = false;
  py::object owner;  // the capsule: keeps the producer's memory alive

  // Calls obj.__dlpack__(). For CUDA arrays, stream is the CUDA stream (as an integer handle) the
  // caller will use the data on, 0 for the legacy default stream; the producer orders its pending
  // work before it. Raises ValueError naming `name` when obj speaks no DLPack.
  static DeviceArray from(const py::handle& obj, const char* name, uintptr_t stream = 0);

  int ndim() const { return int(shape.size()); }
  bool on_cuda() const { return device.device_type == dl::kCUDA; }
  bool is_float(int bits) const { return dtype.code == dl::kFloat && dtype.bits == bits && dtype.lanes == 1; }
  bool c_contiguous() const;
  // "(H, W, C) float32 on cuda:0": for error messages.
  std::string describe() const;
};

// "float32", "uint8", "bfloat16", ...
std::string dtype_name(const dl::DataType& t);

// A C-contiguous device buffer allocated by this module and exported through DLPack.
class DeviceImage {
 public:
  using Free = std::function<void(void*)>;
  DeviceImage(void* data, std::vector<int64_t> shape, dl::DataType dtype, dl::Device device, Free free);
  void* data() const { return buffer_.get(); }
  const std::vector<int64_t>& shape() const { return shape_; }
  // __dlpack__(stream=None, max_version=None, ...): a "dltensor_versioned" capsule when the
  // consumer asks for version >= 1, else a legacy "dltensor" one.
  py::capsule dlpack(const py::object& max_version) const;
  py::tuple dlpack_device() const { return py::make_tuple(device_.device_type, device_.device_id); }

 private:
  std::shared_ptr<void> buffer_;
  std::vector<int64_t> shape_;
  dl::DataType dtype_;
  dl::Device device_;
};

// Registers DeviceImage (as faceplate._native.DeviceImage) once per module.
void bind_device_image(py::module_& m);

}  // namespace faceplate
