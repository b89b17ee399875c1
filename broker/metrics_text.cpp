#include "broker/metrics_text.hpp"

#include <fmt/format.h>

#include "core/util/build_info.hpp"
#include "core/util/prometheus.hpp"

namespace drover::broker {

using util::prometheusFamily;

std::string prometheusText(const RouterStats& s) {
  std::string out;
  prometheusFamily(out, "drover_broker_info", "gauge",
                   "The broker's version and commit (always 1).");
  out += fmt::format("drover_broker_info{{version=\"{}\",commit=\"{}\"}} 1\n", util::buildVersion(),
                     util::buildCommit());
  prometheusFamily(out, "drover_broker_start_time_seconds", "gauge",
                   "When the broker started, in seconds since the epoch.");
  out += fmt::format("drover_broker_start_time_seconds {:.3f}\n",
                     static_cast<double>(s.startedMs) / 1000.0);
  prometheusFamily(out, "drover_broker_messages_total", "counter",
                   "Messages published into the ingress and forwarded to the subscribers.");
  out += fmt::format("drover_broker_messages_total {}\n", s.messagesIn);
  prometheusFamily(out, "drover_broker_received_bytes_total", "counter",
                   "Bytes of the messages published into the ingress.");
  out += fmt::format("drover_broker_received_bytes_total {}\n", s.bytesIn);
  prometheusFamily(out, "drover_broker_malformed_messages_total", "counter",
                   "Messages dropped for not being [topic][body].");
  out += fmt::format("drover_broker_malformed_messages_total {}\n", s.malformed);
  prometheusFamily(out, "drover_broker_topics", "gauge", "Distinct topics subscribed now.");
  out += fmt::format("drover_broker_topics {}\n", s.topics);
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
  prometheusFamily(out, "drover_broker_handshakes_accepted_total", "counter",
                   "Peers whose ZMTP handshake (CURVE included) completed.");
  out += fmt::format("drover_broker_handshakes_accepted_total {}\n", s.peersAccepted);
  prometheusFamily(out, "drover_broker_peers_refused_total", "counter",
                   "Peers refused at the handshake, by reason.");
  for (int i = 0; i < bus::kHandshakeFailureKinds; ++i) {
    out += fmt::format("drover_broker_peers_refused_total{{reason=\"{}\"}} {}\n",
                       bus::labelOf(static_cast<bus::HandshakeFailure>(i)),
                       s.refusedBy[static_cast<std::size_t>(i)]);
  }
  prometheusFamily(out, "drover_broker_accept_failures_total", "counter",
                   "Connections the kernel would not give the broker (out of open files).");
  out += fmt::format("drover_broker_accept_failures_total {}\n", s.acceptsFailed);
  prometheusFamily(out, "drover_broker_accept_pauses_total", "counter",
                   "Times a socket stopped listening for want of open files.");
  out += fmt::format("drover_broker_accept_pauses_total {}\n", s.acceptPauses);
  return out;
}

}  // namespace drover::broker
