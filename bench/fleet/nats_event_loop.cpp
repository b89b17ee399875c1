#include "bench/fleet/nats_event_loop.hpp"

#include <stdexcept>
#include <string>

// nats.c's adapter defines its functions in the header: included here alone.
#include <nats/adapters/libevent.h>

namespace drover::bench {

LibeventNatsLoop::LibeventNatsLoop() {
  natsLibevent_Init();  // libevent's locking, before the base is made
  base_ = event_base_new();
  if (base_ == nullptr) throw std::runtime_error("libevent: event_base_new failed");
  // EVLOOP_NO_EXIT_ON_EMPTY: the loop waits for connections attached later.
  thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
}

LibeventNatsLoop::~LibeventNatsLoop() {
  event_base_loopbreak(base_);
  thread_.join();
  event_base_free(base_);
}

void LibeventNatsLoop::adopt(void* options) {
  natsStatus status =
      natsOptions_SetEventLoop(static_cast<natsOptions*>(options), base_, natsLibevent_Attach,
                               natsLibevent_Read, natsLibevent_Write, natsLibevent_Detach);
  if (status != NATS_OK) {
    throw std::runtime_error(std::string("nats: event loop: ") + natsStatus_GetText(status));
  }
}

}  // namespace drover::bench
