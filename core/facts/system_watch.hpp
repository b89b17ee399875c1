#pragma once
// Tells a poll loop when the built-in facts that follow the running system may have
// changed, so a node re-resolves them on the event instead of on a timer: addresses and
// interfaces (rtnetlink's link and address groups) and the host name (the kernel's
// poll notification on /proc/sys/kernel/hostname). What changes only with a reboot or
// an upgrade (kernel, OS release, memory, processors) is not watched: the node
// re-resolves it before each registration heartbeat.
#include <string>

namespace drover::facts {

class SystemWatch {
 public:
  /// Throws std::system_error when neither source can be opened.
  SystemWatch();
  ~SystemWatch();
  SystemWatch(const SystemWatch&) = delete;
  SystemWatch& operator=(const SystemWatch&) = delete;

  /// Readable when something changed: what a poll loop waits on (an epoll descriptor
  /// over both sources).
  int fd() const { return epoll_; }

  /// Reads what is pending; true when addresses, interfaces or the host name may have
  /// changed since the last call. Never blocks.
  bool takeChanged();

  /// Whether the host name is watched (it is not where /proc is not mounted).
  bool watchesHostname() const { return hostname_ >= 0; }

 private:
  int epoll_ = -1;
  int netlink_ = -1;
  int hostname_ = -1;
  std::string lastHostname_;  // as the last takeChanged() saw it
};

}  // namespace drover::facts
