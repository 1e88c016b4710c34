// Row-parallel loops for the CPU kernels.
#pragma once
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace faceplate {

// Number of worker threads the CPU kernels use (FACEPLATE_THREADS or hardware concurrency).
int thread_count();
void set_thread_count(int n);

// Calls fn(begin, end) over [0, n) split into contiguous blocks, one per thread.
// Small ranges run on the calling thread. fn must not throw.
template <class Fn>
void parallel_for(int64_t n, Fn&& fn, int64_t min_per_thread = 16) {
  const int64_t threads =
      std::max<int64_t>(1, std::min<int64_t>(thread_count(), n / std::max<int64_t>(1, min_per_thread)));
  if (threads <= 1) {
    fn(int64_t(0), n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  const int64_t step = (n + threads - 1) / threads;
  for (int64_t t = 1; t < threads; ++t) {
    const int64_t b = t * step, e = std::min(n, b + step);
    if (b < e) pool.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(int64_t(0), std::min(n, step));
  for (auto& th : pool) th.join();
}

}  // namespace faceplate
