#pragma once
// A real `drover-broker` serving CURVE on loopback (ports chosen by the kernel), with
// an allowed bus key, an admin key and a stranger's key on disk, and the real
// `drover-broker stats` command to read its counters. Stopped by PID on destruction.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bus/curve.hpp"
#include "core/bus/zmq_connection.hpp"
#include "core/util/json.hpp"
#include "testing/process.hpp"

namespace drover::integration {

struct CliRun {
  int exitCode = -1;
  std::string out;
  std::string err;
};

class CurveBroker {
 public:
  /// Writes the keys and starts the broker; throws std::runtime_error (with its log)
  /// if it does not come up.
  CurveBroker();

  const bus::Endpoints& endpoints() const { return endpoints_; }
  const std::string& control() const { return control_; }
  const bus::CurveKeys& keys() const { return broker_; }
  const bus::CurveKeys& node() const { return node_; }    // in curve.allowed_clients
  const bus::CurveKeys& admin() const { return admin_; }  // in curve.admin_clients
  std::string keyFile(const std::string& who) const { return (dir_ / (who + ".key")).string(); }
  const testing::TempDir& dir() const { return dir_; }
  std::string log() const { return process_->log(); }

  /// `drover-broker stats --control <control> <args...>`.
  CliRun stats(const std::vector<std::string>& args) const;
  /// The counters as the admin reads them; std::nullopt if the command failed.
  std::optional<Json> adminStats() const;
  /// peers_refused_by_reason[reason] as the admin reads it; 0 when unreadable.
  std::uint64_t refused(const std::string& reason) const;

 private:
  testing::TempDir dir_;
  bus::CurveKeys broker_ = bus::generateCurveKeys();
  bus::CurveKeys node_ = bus::generateCurveKeys();
  bus::CurveKeys admin_ = bus::generateCurveKeys();
  bus::Endpoints endpoints_;
  std::string control_;
  std::optional<testing::Process> process_;
};

/// Opens a TCP connection to `endpoint` (tcp://HOST:PORT), writes `bytes` and closes it.
void sendRawBytes(const std::string& endpoint, const std::string& bytes);

}  // namespace drover::integration
