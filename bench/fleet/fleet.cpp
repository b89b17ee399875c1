#include "bench/fleet/fleet.hpp"

#include "bench/fleet/nats_event_loop.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <sys/epoll.h>
#include <unistd.h>

#include "bench/fleet/fleet_security.hpp"
#include "bench/fleet/sim_facts.hpp"
#include "core/ddl/repository.hpp"
#include "core/log/log.hpp"

namespace drover::bench {
namespace {

constexpr int kSocketsPerNode = 2;  // PUB + SUB
constexpr int kSpareSockets = 64;   // monitors, probes, headroom

const log::Logger logger{"drover.bench.fleet"};

// ZMQ_MAX_SOCKETS must be set before the context makes its first socket.
void sizeContext(zmq::context_t& context, std::size_t nodes) {
  int wanted = static_cast<int>(nodes) * kSocketsPerNode + kSpareSockets;
  int limit = zmq_ctx_get(context.handle(), ZMQ_SOCKET_LIMIT);
  if (wanted > limit) {
    throw std::runtime_error("fleet of " + std::to_string(nodes) + " needs " +
                             std::to_string(wanted) + " sockets; this libzmq allows " +
                             std::to_string(limit) + " per context");
  }
  if (zmq_ctx_set(context.handle(), ZMQ_MAX_SOCKETS, wanted) != 0) {
    throw std::runtime_error("zmq_ctx_set(ZMQ_MAX_SOCKETS, " + std::to_string(wanted) + ") failed");
  }
}

ddl::Repository loadDdls(const std::vector<std::string>& dirs) {
  ddl::Repository ddls(std::vector<std::filesystem::path>(dirs.begin(), dirs.end()));
  for (const auto& error : ddls.errors()) {
    logger()->warn("skipping DDL {}: {}", error.file.string(), error.message);
  }
  return ddls;
}

// zmq_poll asks every socket for ZMQ_EVENTS on every wake-up (a poll(2) and a getpid(2)
// each, in libzmq 4.3), which with hundreds of idle sockets costs more than answering.
// epoll on each socket's ZMQ_FD wakes only for the sockets that have work. Safe because
// a woken node drains its socket until EAGAIN, which also consumes the FD's signal.
class Epoll {
 public:
  Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  }
  ~Epoll() { ::close(fd_); }
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;

  void add(int fd, std::uint64_t key) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = key;
    if (::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    }
  }

  /// Ready keys, waiting up to `timeoutMs`; empty on timeout or EINTR.
  const std::vector<std::uint64_t>& wait(int timeoutMs) {
    epoll_event events[256];
    int n = ::epoll_wait(fd_, events, 256, timeoutMs);
    ready_.clear();
    for (int i = 0; i < n; ++i) ready_.push_back(events[i].data.u64);
    return ready_;
  }

 private:
  int fd_;
  std::vector<std::uint64_t> ready_;
};

void add(VirtualNodeCounters& sum, const VirtualNodeCounters& one) {
  sum.received += one.received;
  sum.answered += one.answered;
  sum.ignored += one.ignored;
  sum.refused += one.refused;
  sum.malformed += one.malformed;
  sum.dropped += one.dropped;
}

}  // namespace

Fleet::Fleet(const FleetOptions& options) : options_(options), context_(options.ioThreads) {
  sizeContext(context_, options_.count);
  ddl::Repository ddls = loadDdls(options_.ddlDirs);
  bus::ConnectionOptions connection;
  connection.lingerMs = 200;  // at exit, flush last replies briefly, not 1 s per socket
  if (options_.endpoints.transport == bus::TransportKind::Nats) {
    natsLoop_ = std::make_shared<LibeventNatsLoop>();
    connection.natsEventLoop = natsLoop_;
    // Without it nats.c gives every connection a flusher thread: 10,000 threads at
    // 10,000 nodes, and a thread hand-off per reply.
    connection.publishAtOnce = true;
    // nats.c keeps every timer of a process in one sorted list, walked each time one is
    // re-armed: 2,500 connections pinging their server every 2 s took a third of the
    // simulators' CPU. A simulator's nodes never need to notice a dead server in seconds.
    connection.heartbeatMs = 60000;
  }
  std::optional<FleetSecurity> security;
  if (!options_.securityDir.empty()) security.emplace(options_.securityDir, options_.auditLog);
  nodes_.reserve(options_.count);
  for (std::size_t i = 0; i < options_.count; ++i) {
    std::size_t index = options_.firstIndex + i * options_.indexStride;
    std::string identity = simIdentity(options_.prefix, index);
    auto nodeSecurity = security ? security->forNode(identity) : nullptr;
    nodes_.push_back(std::make_unique<VirtualNode>(context_, options_.endpoints, connection, ddls,
                                                   std::move(identity), index, options_.collective,
                                                   std::move(nodeSecurity)));
  }
  if (!options_.traceFile.empty()) {
    trace_ = std::make_unique<RequestTrace>();
    for (auto& node : nodes_) node->traceInto(trace_.get());
  }
}

Fleet::~Fleet() = default;

namespace {

// What epoll waits on for a transport: a ZeroMQ socket's ZMQ_FD (it signals edges:
// serve() reads until empty after each wake), or the NATS connection's eventfd.
int wakeFdOf(const zmq::pollitem_t& item) {
  if (item.socket == nullptr) return item.fd;
  int fd = -1;
  std::size_t size = sizeof(fd);
  if (zmq_getsockopt(item.socket, ZMQ_FD, &fd, &size) != 0) throw zmq::error_t();
  return fd;
}

}  // namespace

std::size_t Fleet::waitReady() {
  std::size_t notReady = 0;
  for (auto& node : nodes_) {
    if (!node->connection().waitReady(options_.readyTimeout)) {
      logger()->error("node={} bus {} did not answer the probe", node->identity(),
                      options_.endpoints.describe());
      ++notReady;
    }
  }
  return notReady;
}

void Fleet::announceAll() {
  for (auto& node : nodes_) node->announce();
}

void Fleet::run(int stopFd) {
  Epoll epoll;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    epoll.add(wakeFdOf(nodes_[i]->connection().readable()), i);
  }
  const std::uint64_t stopKey = nodes_.size();
  epoll.add(stopFd, stopKey);
  // Messages that arrived while a probe ran wait in the connection, not the socket.
  for (auto& node : nodes_) node->serve();
  for (;;) {
    const auto& ready = epoll.wait(1000);
    if (!ready.empty()) ++wakeups_;
    for (std::uint64_t key : ready) {
      if (key == stopKey) {
        if (trace_) trace_->write(options_.traceFile);
        return;
      }
      nodes_[key]->serve();
    }
  }
}

FleetTotals Fleet::totals() const {
  FleetTotals totals;
  for (const auto& node : nodes_) add(totals.counters, node->counters());
  totals.wakeups = wakeups_;
  return totals;
}

}  // namespace drover::bench
