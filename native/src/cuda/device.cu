// Device presence check for faceplate._native.cuda_available().
#include <cuda_runtime.h>

bool faceplate_cuda_device_present() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return false;
  }
  return n > 0;
}
