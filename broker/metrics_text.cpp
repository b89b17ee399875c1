#include "broker/metrics_text.hpp"

#include <fmt/format.h>

#include "core/util/build_info.hpp"
#include "core/util/prometheus.hpp"

namespace drover::broker {

using util::prometheusFamily;
using util::prometheusSingle;

std::string prometheusText(const RouterStats& s) {
  std::string out;
  prometheusFamily(out, "drover_broker_info", "gauge",
                   "The broker's version and commit (always 1).");
  out += fmt::format("drover_broker_info{{version=\"{}\",commit=\"{}\"}} 1\n", util::buildVersion(),
                     util::buildCommit());
  prometheusSingle(out, "drover_broker_start_time_seconds", "gauge",
                   "When the broker started, in seconds since the epoch.",
                   static_cast<double>(s.startedMs) / 1000.0);
  prometheusSingle(out, "drover_broker_messages_total", "counter",
                   "Messages published into the ingress and forwarded to the subscribers.",
                   s.messagesIn);
  prometheusSingle(out, "drover_broker_received_bytes_total", "counter",
                   "Bytes of the messages published into the ingress.", s.bytesIn);
  prometheusSingle(out, "drover_broker_malformed_messages_total", "counter",
                   "Messages dropped for not being [topic][body].", s.malformed);
  prometheusSingle(out, "drover_broker_topics", "gauge", "Distinct topics subscribed now.",
                   s.topics);
  prometheusFamily(out, "drover_broker_subscription_changes_total", "counter",
                   "Subscriptions made and dropped by the peers.");
  out += fmt::format("drover_broker_subscription_changes_total{{change=\"subscribe\"}} {}\n",
                     s.subscribes);
  out += fmt::format("drover_broker_subscription_changes_total{{change=\"unsubscribe\"}} {}\n",
                     s.unsubscribes);
  prometheusFamily(out, "drover_broker_connections", "gauge",
                   "Open TCP connections, by socket (every node holds one on ingress and one "
                   "on egress).");
  for (const auto& [socket, count] : s.connections) {
    out += fmt::format("drover_broker_connections{{socket=\"{}\"}} {}\n", socket, count);
  }
  prometheusSingle(out, "drover_broker_handshakes_accepted_total", "counter",
                   "Peers whose ZMTP handshake (CURVE included) completed.", s.peersAccepted);
  prometheusFamily(out, "drover_broker_peers_refused_total", "counter",
                   "Peers refused at the handshake, by reason.");
  for (int i = 0; i < bus::kHandshakeFailureKinds; ++i) {
    out += fmt::format("drover_broker_peers_refused_total{{reason=\"{}\"}} {}\n",
                       bus::labelOf(static_cast<bus::HandshakeFailure>(i)),
                       s.refusedBy[static_cast<std::size_t>(i)]);
  }
  prometheusSingle(out, "drover_broker_accept_failures_total", "counter",
                   "Connections the kernel would not give the broker (out of open files).",
                   s.acceptsFailed);
  prometheusSingle(out, "drover_broker_accept_pauses_total", "counter",
                   "Times a socket stopped listening for want of open files.", s.acceptPauses);
  return out;
}

}  // namespace drover::broker
