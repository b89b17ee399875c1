#include "agents/provision/turn_queue.hpp"

#include <algorithm>
#include <utility>

namespace drover::agents::provision {

TurnQueue::Turn::Turn(Turn&& other) noexcept
    : queue_(std::exchange(other.queue_, nullptr)), ticket_(other.ticket_) {}

TurnQueue::Turn& TurnQueue::Turn::operator=(Turn&& other) noexcept {
  if (this != &other) {
    if (queue_ != nullptr) queue_->leave(ticket_);
    queue_ = std::exchange(other.queue_, nullptr);
    ticket_ = other.ticket_;
  }
  return *this;
}

TurnQueue::Turn::~Turn() {
  if (queue_ != nullptr) queue_->leave(ticket_);
}

std::optional<TurnQueue::Turn> TurnQueue::wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = nextTicket_++;
  line_.push_back(ticket);
  if (changed_.wait_until(lock, deadline, [&] { return line_.front() == ticket; })) {
    return Turn(this, ticket);
  }
  line_.erase(std::find(line_.begin(), line_.end(), ticket));
  changed_.notify_all();  // had it been first, the next one may go now
  return std::nullopt;
}

std::size_t TurnQueue::length() const {
  std::lock_guard lock(mutex_);
  return line_.size();
}

void TurnQueue::leave(std::uint64_t ticket) {
  std::lock_guard lock(mutex_);
  line_.erase(std::find(line_.begin(), line_.end(), ticket));
  changed_.notify_all();
}

}  // namespace drover::agents::provision
