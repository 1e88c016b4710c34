#include "parallel.h"

#include <atomic>
#include <cstdlib>

namespace faceplate {
namespace {
int default_threads() {
  if (const char* env = std::getenv("FACEPLATE_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? int(hw) : 1;
}
std::atomic<int> g_threads{default_threads()};
}  // namespace

int thread_count() { return g_threads.load(); }
void set_thread_count(int n) { g_threads.store(n > 0 ? n : default_threads()); }

}  // namespace faceplate
