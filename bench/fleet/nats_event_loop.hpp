#pragma once
// One libevent loop, on a thread of its own, that reads and writes every NATS connection
// of a fleet simulator: without it nats.c runs two threads per connection, and 2,500
// virtual nodes in one process would be 5,000 threads contending for two cores.
//
// Thread safe: nats.c calls it from the connections' threads and the loop's own.
#include <thread>

#include "core/bus/transport.hpp"

struct event_base;

namespace drover::bench {

class LibeventNatsLoop final : public bus::NatsEventLoop {
 public:
  /// Starts the loop's thread. Throws std::runtime_error when libevent fails.
  LibeventNatsLoop();
  ~LibeventNatsLoop() override;  // stops the loop; close the connections first
  LibeventNatsLoop(const LibeventNatsLoop&) = delete;
  LibeventNatsLoop& operator=(const LibeventNatsLoop&) = delete;

  void adopt(void* options) override;

 private:
  event_base* base_ = nullptr;
  std::thread thread_;
};

}  // namespace drover::bench
