#include "tests/integration/broker/curve_broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/util/subprocess.hpp"

namespace drover::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

CurveBroker::CurveBroker() {
  bus::writeCurveKeyFile(dir_ / "broker.key", broker_);
  bus::writeCurveKeyFile(dir_ / "node.key", node_);
  bus::writeCurveKeyFile(dir_ / "admin.key", admin_);
  dir_.write("allowed", node_.publicKey + " node\n");
  dir_.write("admins", admin_.publicKey + " ops\n");
  fs::path endpointsFile = dir_ / "endpoints.json";
  process_.emplace(
      std::vector<std::string>{testing::binary("drover-broker").string(), "--ingress",
                               "tcp://127.0.0.1:*", "--egress", "tcp://127.0.0.1:*", "--control",
                               "tcp://127.0.0.1:*", "--curve-key-file", keyFile("broker"),
                               "--curve-allowed-clients", (dir_ / "allowed").string(),
                               "--curve-admin-clients", (dir_ / "admins").string(),
                               "--endpoints-file", endpointsFile.string()},
      dir_ / "broker.log");
  if (!testing::waitFor([&] { return fs::exists(endpointsFile) || !process_->running(); }, 15s) ||
      !fs::exists(endpointsFile)) {
    throw std::runtime_error("drover-broker did not start:\n" + process_->log());
  }
  Json bound = Json::parse(readFile(endpointsFile));
  endpoints_ = {bound.at("ingress").at(0).get<std::string>(),
                bound.at("egress").at(0).get<std::string>()};
  control_ = bound.at("control").get<std::string>();
}

CliRun CurveBroker::stats(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{testing::binary("drover-broker").string(), "stats", "--control",
                                control_};
  argv.insert(argv.end(), args.begin(), args.end());
  util::SubprocessResult run = util::runProcess(argv, "", 60s);
  return {run.exitCode, run.out, run.err};
}

std::optional<Json> CurveBroker::adminStats() const {
  CliRun run =
      stats({"--curve-server-key", broker_.publicKey, "--curve-key-file", keyFile("admin")});
  if (run.exitCode != 0) return std::nullopt;
  return Json::parse(run.out);
}

std::uint64_t CurveBroker::refused(const std::string& reason) const {
  auto stats = adminStats();
  return stats ? stats->at("peers_refused_by_reason").at(reason).get<std::uint64_t>() : 0;
}

void sendRawBytes(const std::string& endpoint, const std::string& bytes) {
  const auto colon = endpoint.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1))));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  timeval bound{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    ::close(fd);
    throw std::runtime_error("cannot send to " + endpoint);
  }
  // Wait for the broker to hang up (it reads our bytes first), so the broker sees the
  // bytes and not a peer that vanished.
  char sink[256];
  while (::read(fd, sink, sizeof sink) > 0) {
  }
  ::close(fd);
}

}  // namespace drover::integration
