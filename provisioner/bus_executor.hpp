#pragma once
// StepExecutor over the bus: each calling thread gets its own rpc::Client (a Client and
// its sockets belong to one thread), made on first use by `makeClient`, so the message
// signing the daemon configures applies to every call.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/rpc/client.hpp"
#include "provisioner/executor.hpp"
#include "provisioner/name_keeper.hpp"

namespace drover::provisioner {

class BusExecutor : public StepExecutor, public Broadcaster {
 public:
  /// Builds a connected client on the calling thread; may throw std::runtime_error.
  using ClientFactory = std::function<std::unique_ptr<rpc::Client>()>;

  explicit BusExecutor(ClientFactory makeClient) : makeClient_(std::move(makeClient)) {}

  std::vector<CallReply> call(const CallRequest& request) override;
  /// To every node hosting the request's agent; ends after the usual quiet window.
  std::size_t broadcast(const CallRequest& request) override;

 private:
  rpc::Client& client();

  ClientFactory makeClient_;
  std::mutex mutex_;
  std::map<std::thread::id, std::unique_ptr<rpc::Client>> clients_;
};

}  // namespace drover::provisioner
