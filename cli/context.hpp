#pragma once
// What every `drover` subcommand shares: the client configuration, the discovery
// flags, output choices, and helpers to turn them into a target set and a result.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <zmq.hpp>

#include "core/ddl/repository.hpp"
#include "core/filter/filter.hpp"
#include "core/rpc/client.hpp"
#include "core/rpc/client_config.hpp"

namespace drover::cli {

/// Exit codes, documented in `drover --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // some node failed or did not reply
inline constexpr int kExitUsage = 2;     // bad flags, filter, arguments or config
inline constexpr int kExitNoBroker = 3;  // the broker could not be reached
inline constexpr int kExitNoNodes = 4;   // discovery found no node

/// Thrown for mistakes of the caller; main prints the message and exits kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// For arguments that name a node (inventory NODE, provision NODE, --provisioner):
/// refuses a value holding '=', which no identity has, so a stray key=value is named.
CLI::Validator identityCheck();

/// Whether argv uses one of the filter flags, for a hint after a stray argument.
bool usesFilterFlag(int argc, const char* const* argv);

/// Each filter flag takes one value per use (repeat it for more), so a key=value after
/// `-I web1` is an argument of the command, never a second identity.
struct DiscoveryFlags {
  std::vector<std::string> facts;       // -F
  std::vector<std::string> classes;     // -C
  std::vector<std::string> agents;      // -A
  std::vector<std::string> identities;  // -I
  std::vector<std::string> compound;    // -S
  std::vector<std::string> combined;    // -W, as given; its words are added to facts and classes
  std::string nodesFile;                // --nodes FILE, "-" for stdin
  std::string method;                   // --dm: broadcast, registry or nodes; "": config's
  std::string limit;                    // --limit N or N%
  int discoveryTimeout = 0;             // --dt S: discovery waits at most this; 0: --timeout
  std::size_t batch = 0;                // --batch N
  double batchSleep = 1.0;              // --batch-sleep S
};

struct OutputFlags {
  bool json = false;
  bool verbose = false;
  bool noProgress = false;
};

class Context {
 public:
  Context();

  /// Registers the shared flags on a subcommand.
  void addDiscoveryFlags(CLI::App& command);
  void addOutputFlags(CLI::App& command);
  /// --batch and --batch-sleep, for commands that run actions (rpc).
  void addBatchFlags(CLI::App& command);

  /// Loads the config file and applies flag overrides. Throws UsageError.
  void finishConfig();

  /// The filter expression the flags describe; throws UsageError naming the flag.
  std::string filterExpression() const;

  /// From now on filterExpression() refuses a -F or -S fact comparison on a bare name
  /// that is an input of `action` (of `agent`): such a key=value was meant for the action.
  void refuseInputsAsFacts(const std::string& agent, const ddl::Action& action);

  /// The nodes addressed directly, if the flags name them exactly (node list, or
  /// only exact -I values); std::nullopt means discovery is needed. Exact -I values may
  /// be service names or aliases: resolveIdentities (cli/name_resolution.hpp) finds the
  /// identities behind them.
  std::optional<std::vector<std::string>> knownNodes() const;

  /// Whether the flags select nodes only by exact -I values.
  bool exactIdentitiesOnly() const;

  /// How a filter finds its nodes: --dm, else the config's discovery_method ("broadcast"
  /// or "registry"; "nodes" is --nodes). Throws UsageError for a --dm that contradicts
  /// the other flags.
  std::string discoveryMethod() const;

  /// Connects lazily. Throws std::runtime_error if the broker is unreachable.
  rpc::Client& client();
  const ddl::Repository& ddls();

  rpc::ClientConfig& config() { return config_; }
  DiscoveryFlags& discovery() { return discovery_; }
  OutputFlags& output() { return output_; }
  CLI::App& app() { return app_; }

  /// Silence that ends a broadcast (discovery_quiet, --discovery-quiet).
  std::chrono::milliseconds quiet() const { return config_.discoveryQuiet; }
  /// Longest wait for known nodes: --timeout when given, else the configured timeout
  /// but at least `atLeast` (an rpc waits as long as its agent's DDL allows it to run).
  std::chrono::milliseconds timeout(std::chrono::milliseconds atLeast = {}) const;

 private:
  void splitCombined(const std::string& words);  // -W: into -F and -C values
  CLI::App app_;
  rpc::ClientConfig config_;
  config::CliOverrides overrides_;
  DiscoveryFlags discovery_;
  filter::FactCheck factCheck_;  // set by refuseInputsAsFacts()
  OutputFlags output_;
  zmq::context_t zmq_{1};
  std::unique_ptr<rpc::Client> client_;
  std::unique_ptr<ddl::Repository> ddls_;
};

}  // namespace drover::cli
