#include "bench/deploy/facts_watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "core/util/files.hpp"
#include "core/util/json.hpp"

namespace drover::bench::deploy {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

FactsWatch::FactsWatch(const std::vector<fs::path>& roots, std::set<std::string> known)
    : known_(std::move(known)) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  for (const auto& root : roots) {
    fs::path dir = root / "etc/drover";
    int wd = ::inotify_add_watch(fd_, dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
    if (wd < 0) {
      ::close(fd_);
      throw std::runtime_error("inotify_add_watch " + dir.string() + ": " + std::strerror(errno));
    }
    members_[wd] = files_.size();
    waiting_.insert(files_.size());
    files_.push_back(dir / "cluster_facts.json");
  }
}

FactsWatch::~FactsWatch() { ::close(fd_); }

std::vector<double> FactsWatch::await(Clock::time_point start, std::chrono::seconds timeout,
                                      void (*check)()) {
  auto nextLook = start;
  while (!waiting_.empty() && Clock::now() - start < timeout) {
    check();
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, 100);
    drainEvents(start);
    if (Clock::now() < nextLook) continue;
    for (std::size_t member : std::set<std::size_t>(waiting_)) look(member, start);
    nextLook = Clock::now() + std::chrono::milliseconds(500);
  }
  return seconds_;
}

void FactsWatch::drainEvents(Clock::time_point start) {
  alignas(inotify_event) char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) return;
    for (char* at = buffer; at < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(at);
      at += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        for (std::size_t member : std::set<std::size_t>(waiting_)) look(member, start);
        continue;
      }
      auto member = members_.find(event->wd);
      if (member == members_.end() || event->len == 0) continue;
      if (std::strcmp(event->name, "cluster_facts.json") == 0) look(member->second, start);
    }
  }
}

void FactsWatch::look(std::size_t member, Clock::time_point start) {
  if (!waiting_.count(member) || !hasNewName(member)) return;
  waiting_.erase(member);
  seconds_.push_back(std::chrono::duration<double>(Clock::now() - start).count());
}

bool FactsWatch::hasNewName(std::size_t member) const {
  std::string text;
  try {
    text = util::readFile(files_[member]);
  } catch (const std::exception&) {
    return false;  // not written yet
  }
  Json facts = Json::parse(text, nullptr, false);
  if (!facts.is_object()) return false;
  for (const auto& [name, entry] : facts.items())
    if (!known_.count(name)) return true;
  return false;
}

}  // namespace drover::bench::deploy
