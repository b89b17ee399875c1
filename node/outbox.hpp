#pragma once
// Replies finished on worker threads wait here until the bus thread, which owns the
// publishing socket, sends them. An eventfd wakes the bus thread's poll.
#include <deque>
#include <mutex>
#include <string>
#include <utility>

namespace drover::node {

class Outbox {
 public:
  Outbox();  // throws std::system_error if no eventfd can be made
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  /// Queues one message and wakes the bus thread. Thread safe.
  void push(std::string topic, std::string body);

  /// Takes everything queued and clears the wake-up. Bus thread only.
  std::deque<std::pair<std::string, std::string>> drain();

  /// The descriptor to poll for readability.
  int fd() const { return fd_; }

 private:
  int fd_;
  std::mutex mutex_;
  std::deque<std::pair<std::string, std::string>> queue_;  // guarded by mutex_
};

}  // namespace drover::node
