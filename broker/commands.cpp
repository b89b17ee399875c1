#include "broker/commands.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "broker/server.hpp"
#include "broker/stats_client.hpp"
#include "core/bus/curve.hpp"
#include "core/log/log.hpp"
#include "core/service/notify.hpp"

namespace drover::broker {
namespace {

const log::Logger logger{"drover.broker"};

std::atomic<bool> gStop{false};

extern "C" void onSignal(int) { gStop.store(true); }

}  // namespace

int serve(const BrokerConfig& config, const std::string& endpointsFile) {
  zmq::context_t context(1);
  std::unique_ptr<Server> server;
  try {
    server = std::make_unique<Server>(context, config);
  } catch (const bus::CurveError& e) {
    logger()->critical("{}", e.what());
    return kExitConfig;
  } catch (const Server::BindError& e) {
    logger()->critical("{}", e.what());
    return kExitBind;
  }
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  // The broker re-reads nothing: a reload (SIGHUP) must not stop it, as the default would.
  std::signal(SIGHUP, SIG_IGN);
  if (!endpointsFile.empty()) server->writeEndpoints(endpointsFile);
  service::ready("forwarding: " + server->endpointsText());
  server->run(gStop);
  service::stopping();
  return 0;
}

int keygen(const std::string& file) {
  if (std::filesystem::exists(file)) {
    std::fprintf(stderr, "drover-broker: %s exists; not overwriting a key\n", file.c_str());
    return kExitConfig;
  }
  auto keys = bus::generateCurveKeys();
  bus::writeCurveKeyFile(file, keys);
  std::printf("%s\n", keys.publicKey.c_str());
  return 0;
}

int stats(const StatsFlags& flags) {
  StatsRequest request{flags.endpoint, std::nullopt, std::chrono::milliseconds(flags.timeoutMs)};
  try {
    request.curve = statsCurveFrom(flags.serverKey, flags.keyFile, flags.clientConfig);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover-broker stats: %s\n", e.what());
    return kExitConfig;
  }
  zmq::context_t context(1);
  StatsAnswer answer;
  try {
    answer = fetchStats(context, request);
  } catch (const zmq::error_t& e) {
    std::fprintf(stderr, "drover-broker stats: --control %s: %s\n", flags.endpoint.c_str(),
                 e.what());
    return kExitConfig;
  }
  if (!answer.stats) {
    std::fprintf(stderr, "drover-broker stats: %s\n", answer.error.c_str());
    return kExitStats;
  }
  std::printf("%s\n", answer.stats->dump(2).c_str());
  return 0;
}

}  // namespace drover::broker
