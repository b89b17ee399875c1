#pragma once
// One holder at a time, served in the order they asked (a plain mutex lets a later
// waiter overtake an earlier one). Puppet's ssldir is held this way: a certificate
// request sent before a provisioner restart and still waiting must run before the
// certificate_status asked after it, so what the restarted provisioner learns about the
// node's key already includes the effect of every call sent before.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace drover::agents::provision {

class TurnQueue {
 public:
  /// Held while alive; released when destroyed. Movable, not copyable.
  class Turn {
   public:
    Turn(Turn&& other) noexcept;
    Turn& operator=(Turn&& other) noexcept;
    Turn(const Turn&) = delete;
    ~Turn();

   private:
    friend class TurnQueue;
    Turn(TurnQueue* queue, std::uint64_t ticket) : queue_(queue), ticket_(ticket) {}
    TurnQueue* queue_;
    std::uint64_t ticket_;
  };

  /// Waits until every earlier caller has had its turn and released it, or until
  /// `deadline`: then std::nullopt, and this caller leaves the line. Thread safe.
  std::optional<Turn> wait(std::chrono::steady_clock::time_point deadline);

  /// Callers holding or waiting for a turn now (the holder included).
  std::size_t length() const;

 private:
  void leave(std::uint64_t ticket);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::uint64_t> line_;  // the front holds the turn; guarded by mutex_
  std::uint64_t nextTicket_ = 0;    // guarded by mutex_
};

}  // namespace drover::agents::provision
