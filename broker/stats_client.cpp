#include "broker/stats_client.hpp"

#include "core/bus/monitor.hpp"
#include "core/rpc/client_config.hpp"
#include "core/util/clock.hpp"

namespace drover::broker {
namespace {

constexpr const char* kCurveHint =
    "pass --curve-server-key KEY (the broker's public key) and --curve-key-file FILE (a keypair "
    "listed in the broker's curve.admin_clients), or give both as curve.server_key and "
    "curve.key_file in the file named by --client-config";

constexpr int kClientEvents = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                              ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                              ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

// Either side of a refused handshake may be the one that sees only the connection close
// (EPIPE) instead of the reason; after this many such closes the wait ends anyway.
constexpr int kAbortedHandshakes = 3;

// What the client's own monitor saw while it waited.
struct Progress {
  bool connected = false;
  bool handshook = false;
  int aborted = 0;
  std::optional<bus::SocketEvent> failure;  // the last failed handshake
};

std::string failureText(const StatsRequest& request, const bus::SocketEvent& event) {
  const std::string at = "broker at " + request.endpoint;
  const std::string detail = bus::detailOf(event);
  switch (*bus::handshakeFailureOf(event)) {
    case bus::HandshakeFailure::WrongMechanism:
      if (!request.curve) return at + " requires CURVE (" + detail + "): " + kCurveHint;
      return at + " does not serve CURVE (" + detail +
             "): leave out --curve-server-key and --curve-key-file";
    case bus::HandshakeFailure::NotAuthorized:
      return at + " refused our key " + request.curve->keys.publicKey + " (" + detail +
             "): its control socket admits only the broker's own key and the keys in its "
             "curve.admin_clients file";
    case bus::HandshakeFailure::Aborted:
      if (!request.curve) {
        return at + " closed the connection during the handshake (" + detail +
               "): it may require CURVE; " + kCurveHint;
      }
      return at + " closed the CURVE handshake (" + detail +
             "): is --curve-server-key the broker's public key (as drover-broker keygen printed "
             "it)?";
    default: return "the handshake with " + at + " failed: " + detail;
  }
}

std::string silenceText(const StatsRequest& request, const Progress& progress) {
  const std::string within = " within " + std::to_string(request.timeout.count()) + " ms";
  if (progress.failure) return failureText(request, *progress.failure);
  if (!progress.connected) {
    return "nothing accepted a connection at " + request.endpoint + within +
           ": is drover-broker running with control: " + request.endpoint + "?";
  }
  std::string text = "broker at " + request.endpoint + " did not answer" + within;
  if (!progress.handshook && !request.curve)
    text += ": it may require CURVE; " + std::string(kCurveHint);
  return text;
}

// True when `event` ends the wait: the broker did not take this client as it is.
bool observe(Progress& progress, const bus::SocketEvent& event) {
  if (event.event == ZMQ_EVENT_CONNECTED) progress.connected = true;
  if (event.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) progress.handshook = true;
  auto failure = bus::handshakeFailureOf(event);
  if (!failure) return false;
  progress.failure = event;
  if (*failure != bus::HandshakeFailure::Aborted) return true;
  return ++progress.aborted >= kAbortedHandshakes;  // each retry is one more refusal logged
}

void applyCurve(zmq::socket_t& socket, const bus::CurveClient& curve) {
  socket.set(zmq::sockopt::curve_serverkey, curve.serverKey);
  socket.set(zmq::sockopt::curve_publickey, curve.keys.publicKey);
  socket.set(zmq::sockopt::curve_secretkey, curve.keys.secretKey);
}

StatsAnswer parseReply(const StatsRequest& request, const zmq::message_t& reply) {
  try {
    return StatsAnswer{Json::parse(reply.to_string()), ""};
  } catch (const Json::exception& e) {
    return StatsAnswer{std::nullopt, "broker at " + request.endpoint +
                                         " answered with something that is not JSON: " + e.what()};
  }
}

}  // namespace

std::optional<bus::CurveClient> statsCurveFrom(std::string serverKey, std::string keyFile,
                                               const std::filesystem::path& clientConfig) {
  if (!clientConfig.empty()) {
    auto file = rpc::ClientConfig::load(clientConfig);
    if (serverKey.empty()) serverKey = file.bus.curveServerKey;
    if (keyFile.empty()) keyFile = file.bus.curveKeyFile.string();
  }
  if (serverKey.empty() != keyFile.empty()) {
    throw bus::CurveError(
        std::string(serverKey.empty() ? "--curve-server-key" : "--curve-key-file") +
        " is missing: CURVE needs both --curve-server-key and --curve-key-file "
        "(or curve.server_key and curve.key_file)");
  }
  if (!serverKey.empty() && !bus::validZ85Key(serverKey)) {
    throw bus::CurveError("--curve-server-key: '" + serverKey +
                          "' is not a 40-character Z85 CURVE public key");
  }
  return bus::curveClientFrom(serverKey, keyFile);
}

StatsAnswer fetchStats(zmq::context_t& context, const StatsRequest& request) {
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  if (request.curve) applyCurve(socket, *request.curve);
  bus::SocketMonitor monitor(context, socket, kClientEvents);
  socket.connect(request.endpoint);
  (void)socket.send(zmq::str_buffer("stats"), zmq::send_flags::dontwait);
  Progress progress;
  const auto deadline = util::SteadyClock::now() + request.timeout;
  for (auto left = request.timeout; left.count() > 0;) {
    std::array<zmq::pollitem_t, 2> items{
        {{socket.handle(), 0, ZMQ_POLLIN, 0}, {monitor.socket().handle(), 0, ZMQ_POLLIN, 0}}};
    zmq::poll(items.data(), items.size(), left);
    while (auto event = monitor.tryRead()) {
      if (observe(progress, *event)) return StatsAnswer{std::nullopt, failureText(request, *event)};
    }
    zmq::message_t reply;
    if (socket.recv(reply, zmq::recv_flags::dontwait)) return parseReply(request, reply);
    left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - util::SteadyClock::now());
  }
  return StatsAnswer{std::nullopt, silenceText(request, progress)};
}

}  // namespace drover::broker
