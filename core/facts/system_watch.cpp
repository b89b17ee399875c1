#include "core/facts/system_watch.hpp"

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace drover::facts {
namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int openNetlink() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -1;
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string currentHostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

}  // namespace

SystemWatch::SystemWatch() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) fail("epoll_create1");
  // Each source is added when it can be had; with neither, there is nothing to watch.
  auto add = [this](int& fd, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (fd >= 0 && ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
      ::close(fd);
      fd = -1;
    }
  };
  netlink_ = openNetlink();
  int netlinkErrno = errno;
  add(netlink_, EPOLLIN);
  // The kernel raises POLLPRI on this file when the host name is set (proc_sys_poll).
  hostname_ = ::open("/proc/sys/kernel/hostname", O_RDONLY | O_CLOEXEC);
  add(hostname_, EPOLLPRI);
  if (netlink_ < 0 && hostname_ < 0) {
    ::close(epoll_);
    errno = netlinkErrno;
    fail("rtnetlink socket");
  }
  takeChanged();  // the host name as it is now
}

SystemWatch::~SystemWatch() {
  if (netlink_ >= 0) ::close(netlink_);
  if (hostname_ >= 0) ::close(hostname_);
  ::close(epoll_);
}

bool SystemWatch::takeChanged() {
  bool changed = false;
  epoll_event events[4];
  int n = ::epoll_wait(epoll_, events, 4, 0);
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd != netlink_) continue;
    changed = true;
    // The messages say what changed; the node re-resolves everything, so they are only
    // drained. ENOBUFS (the socket overran) means changes were lost: still a change.
    char buffer[8192];
    for (;;) {
      ssize_t got = ::recv(netlink_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got > 0 || (got < 0 && (errno == ENOBUFS || errno == EINTR))) continue;
      break;
    }
  }
  // The host name's event is spent by whichever poll sees it first, and a caller's
  // poll() of this epoll descriptor already did: compare the name itself.
  if (hostname_ >= 0) {
    std::string name = currentHostname();
    changed = changed || name != lastHostname_;
    lastHostname_ = std::move(name);
  }
  return changed;
}

}  // namespace drover::facts
