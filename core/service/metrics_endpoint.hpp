#pragma once
// GET /metrics over HTTP for a daemon's Prometheus text (droverd, drover-broker, the
// provisioner): the text `render` returns at each scrape. Off unless metrics.listen is
// set; anything but GET /metrics is answered 404, unless the daemon adds routes (the
// provisioner's live page, provisioner/web/).
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace drover::service {

class MetricsEndpoint {
 public:
  /// Listens on `listen` (HOST:PORT, [V6]:PORT). Throws std::runtime_error naming the
  /// address when it cannot listen there.
  MetricsEndpoint(const std::string& listen, std::function<std::string()> render);
  /// Also serves what `routes` installs (handlers, a pre-routing check), with `threads`
  /// workers: a long-lived response (server-sent events) holds one for its life.
  MetricsEndpoint(const std::string& listen, std::function<std::string()> render,
                  const std::function<void(httplib::Server&)>& routes, std::size_t threads);
  ~MetricsEndpoint();  // stops serving and joins the thread
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> listenReturned_{false};
  int port_ = 0;
};

/// HOST:PORT with a port 1..65535, HOST a name, an IPv4 address or [IPv6]: the
/// metrics.listen check of the daemons' configs.
bool isListenAddress(const std::string& text);

}  // namespace drover::service
