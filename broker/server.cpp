#include "broker/server.hpp"

#include <sys/resource.h>

#include <fmt/ranges.h>

#include "broker/metrics_text.hpp"
#include "core/log/log.hpp"
#include "core/util/files.hpp"
#include "core/util/json.hpp"

namespace drover::broker {
namespace {

const log::Logger logger{"drover.broker"};

// Without CURVE the control socket admits anyone who reaches it: say so unless only
// this host can (loopback or ipc).
void warnOpenControl(const std::string& control, bool curve) {
  if (curve || control.empty()) return;
  for (const char* local : {"ipc://", "tcp://127.", "tcp://localhost:", "tcp://[::1]:"}) {
    if (control.starts_with(local)) return;
  }
  logger()->warn(
      "control endpoint {} admits any peer that reaches it (no CURVE): anyone there "
      "can read the counters; bind it to loopback or set curve.key_file",
      control);
}

}  // namespace

RouterOptions routerOptions(const BrokerConfig& config) {
  RouterOptions options{config.ingress, config.egress, config.control, config.hwm, {}, {}, {}};
  if (!config.curveKeyFile.empty()) options.curve = bus::loadCurveKeyFile(config.curveKeyFile);
  if (!config.allowedClients.empty()) {
    if (!options.curve) throw bus::CurveError("curve.allowed_clients needs curve.key_file");
    options.allowedClients = bus::loadAllowedKeys(config.allowedClients);
  }
  if (!config.adminClients.empty()) {
    if (!options.curve) throw bus::CurveError("curve.admin_clients needs curve.key_file");
    options.adminClients = bus::loadAllowedKeys(config.adminClients);
  }
  return options;
}

namespace {

// Every node holds two connections: at systemd's default soft limit of 1,024 open files
// a broker would refuse its 500th node. The hard limit is what the machine allows.
void raiseOpenFilesLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  }
  logger()->info("open files limit {}: room for about {} nodes", limit.rlim_cur,
                 limit.rlim_cur / 2);
}

}  // namespace

Server::Server(zmq::context_t& context, const BrokerConfig& config) {
  raiseOpenFilesLimit();
  RouterOptions options = routerOptions(config);
  curve_ = options.curve.has_value();
  try {
    router_ = std::make_unique<Router>(context, options);
  } catch (const zmq::error_t& e) {
    throw BindError(fmt::format("cannot bind (ingress {}, egress {}, control '{}'): {}",
                                fmt::join(config.ingress, ","), fmt::join(config.egress, ","),
                                config.control, e.what()));
  }
  if (!config.metricsListen.empty()) {
    try {
      metrics_ = std::make_unique<service::MetricsEndpoint>(
          config.metricsListen,
          [router = router_.get()] { return prometheusText(router->snapshot()); });
    } catch (const std::runtime_error& e) {
      throw BindError(e.what());
    }
  }
}

Server::~Server() = default;

void Server::writeEndpoints(const std::string& file) const {
  Json doc{{"ingress", router_->ingressEndpoints()},
           {"egress", router_->egressEndpoints()},
           {"control", router_->controlEndpoint()}};
  util::writeFileAtomically(file, doc.dump() + "\n");
}

std::string Server::endpointsText() const {
  return fmt::format("ingress={} egress={}", fmt::join(router_->ingressEndpoints(), ","),
                     fmt::join(router_->egressEndpoints(), ","));
}

void Server::run(const std::atomic<bool>& stop) {
  const std::string& control = router_->controlEndpoint();
  warnOpenControl(control, curve_);
  logger()->info("forwarding: ingress={} egress={} control={}",
                 fmt::join(router_->ingressEndpoints(), ","),
                 fmt::join(router_->egressEndpoints(), ","), control.empty() ? "none" : control);
  router_->run(stop);
  logger()->info("stopping: {}", router_->stats().toJson().dump());
}

}  // namespace drover::broker
