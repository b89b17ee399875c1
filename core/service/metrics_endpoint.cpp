#include "core/service/metrics_endpoint.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include <httplib.h>
#include <sys/socket.h>

namespace drover::service {
namespace {

constexpr std::size_t kThreads = 2;
constexpr std::size_t kMaxRequestBody = 4096;

// HOST and PORT of HOST:PORT or [V6]:PORT; nullopt when malformed. Port 0 (any free
// port) is allowed here for tests; the configs' check refuses it.
std::optional<std::pair<std::string, int>> splitListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = listen.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  const char* begin = listen.data() + colon + 1;
  const char* end = listen.data() + listen.size();
  auto [at, error] = std::from_chars(begin, end, port);
  if (begin == end || error != std::errc() || at != end || port < 0 || port > 65535) {
    return std::nullopt;
  }
  return std::pair{host, port};
}

}  // namespace

bool isListenAddress(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string port = text.substr(colon + 1);
  if (port.size() > 5) return false;
  for (char c : port) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  int number = std::stoi(port);
  if (number < 1 || number > 65535) return false;
  std::string host = text.substr(0, colon);
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';
  for (char c : host) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-') return false;
  }
  return true;
}

MetricsEndpoint::MetricsEndpoint(const std::string& listen, std::function<std::string()> render)
    : MetricsEndpoint(listen, std::move(render), {}, kThreads) {}

MetricsEndpoint::MetricsEndpoint(const std::string& listen, std::function<std::string()> render,
                                 const std::function<void(httplib::Server&)>& routes,
                                 std::size_t threads)
    : server_(std::make_unique<httplib::Server>()) {
  auto address = splitListen(listen);
  if (!address) throw std::runtime_error("metrics.listen '" + listen + "' is not HOST:PORT");
  // httplib's default also sets SO_REUSEPORT, which lets a second process bind the same
  // port without an error and take half the scrapes: only SO_REUSEADDR here.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // A scraper or two, never a crowd: two threads by default (httplib starts eight or
  // more), and a request body, which nothing here reads, bounded.
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(kMaxRequestBody);
  server_->Get("/metrics",
               [render = std::move(render)](const httplib::Request&, httplib::Response& res) {
                 res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
               });
  if (routes) routes(*server_);
  auto [host, port] = *address;
  port_ =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) throw std::runtime_error("metrics.listen " + listen + ": cannot listen there");
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listenReturned_ = true;
  });
  // httplib's stop() does nothing until the listening loop has begun: a destructor
  // called before would wait for ever.
  while (!server_->is_running() && !listenReturned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

MetricsEndpoint::~MetricsEndpoint() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace drover::service
