#include "node/outbox.hpp"

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <sys/eventfd.h>
#include <unistd.h>

namespace drover::node {

Outbox::Outbox() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Outbox::~Outbox() { ::close(fd_); }

void Outbox::push(std::string topic, std::string body) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(topic), std::move(body));
  }
  std::uint64_t one = 1;
  (void)!::write(fd_, &one, sizeof(one));
}

std::deque<std::pair<std::string, std::string>> Outbox::drain() {
  std::uint64_t count = 0;
  (void)!::read(fd_, &count, sizeof(count));
  std::lock_guard lock(mutex_);
  return std::exchange(queue_, {});
}

}  // namespace drover::node
