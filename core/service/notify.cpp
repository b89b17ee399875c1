#include "core/service/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace drover::service {
namespace {

// Newlines would start a new assignment in the notify datagram.
std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// True, with `out` set, when `text` is a whole decimal number and nothing else.
bool parseUnsigned(const char* text, std::uint64_t& out) {
  if (text == nullptr || *text == '\0') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || *text == '-') return false;
  out = value;
  return true;
}

}  // namespace

bool notifySocketAddress(std::string_view where, sockaddr_un& address, socklen_t& length) {
  // A path, or '@' and a name in the abstract namespace. Anything else (systemd 254's
  // vsock: for a whole machine's manager, never a service's) is not ours to speak.
  if (where.empty() || (where.front() != '/' && where.front() != '@')) return false;
  if (where.size() >= sizeof(address.sun_path) || (where.front() == '@' && where.size() < 2))
    return false;
  address = {};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, where.data(), where.size());
  if (where.front() == '@') address.sun_path[0] = '\0';
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + where.size() +
                                  (where.front() == '/' ? 1 : 0));
  return true;
}

namespace {

void send(const std::string& state) {
  sockaddr_un address{};
  socklen_t length = 0;
  const char* where = std::getenv("NOTIFY_SOCKET");
  if (where == nullptr || !notifySocketAddress(where, address, length)) return;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  // Best effort, as libsystemd's: a manager that is not listening changes nothing here.
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&address), length);
  ::close(fd);
}

}  // namespace

void ready(const std::string& status) { send("READY=1\nSTATUS=" + oneLine(status)); }

void reloading() { send("RELOADING=1\nSTATUS=reloading"); }

void stopping() { send("STOPPING=1\nSTATUS=stopping"); }

void status(const std::string& text) { send("STATUS=" + oneLine(text)); }

std::chrono::microseconds watchdogInterval() {
  std::uint64_t usec = 0;
  if (!parseUnsigned(std::getenv("WATCHDOG_USEC"), usec) || usec == 0) return {};
  // Set for another process (a parent that exec'd us keeps its own): not ours.
  std::uint64_t pid = 0;
  const char* forPid = std::getenv("WATCHDOG_PID");
  if (forPid != nullptr &&
      (!parseUnsigned(forPid, pid) || pid != static_cast<std::uint64_t>(::getpid())))
    return {};
  return std::chrono::microseconds(static_cast<std::int64_t>(usec));
}

Watchdog::Watchdog() : interval_(watchdogInterval()) {}

std::chrono::milliseconds Watchdog::pollBudget() const {
  if (!enabled()) return std::chrono::hours(1);
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(interval_ / 2));
}

void Watchdog::kick() {
  if (!enabled()) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < interval_ / 4) return;  // a busy loop pings four times an interval, no more
  last_ = now;
  send("WATCHDOG=1");
}

}  // namespace drover::service
