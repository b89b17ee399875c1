#pragma once
// The live provisioning page, read only, on the provisioner's HTTP listener (metrics.listen):
//
//   GET /                 the page (page.html, live.js, live.css: no library, nothing
//                         fetched from elsewhere; the machines serving it may be offline)
//   GET /events           server-sent events: `snapshot` once (every node's row, masters,
//                         deployments, step durations), then only what changed: `nodes`
//                         (changed rows, dropped ids), `masters`, `deployments`, `durations`
//   GET /api/state        the snapshot as one JSON document
//   GET /api/history?node=ID   a node's record and its attempts, newest last
//
// Every node's name, facts and errors come from the bus, so the page writes them as text,
// never as markup, and the Content-Security-Policy allows no script but its own.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/util/json.hpp"
#include "provisioner/web/basic_auth.hpp"
#include "provisioner/web/live_state.hpp"

namespace httplib {
class Server;
}

namespace drover::provisioner::web {

/// What the page asks the daemon for, from the HTTP threads (each must be thread safe).
struct LivePageSources {
  std::string provisioner;            // this provisioner's identity
  std::string flow;                   // its default flow's name
  std::function<Json()> masters;      // Engine::masters()
  std::function<Json()> deployments;  // every deployment's status, members included
  /// A node's record and its latest attempts; std::nullopt for a node not known.
  std::function<std::optional<Json>(const std::string& identity)> history;
};

class LivePage {
 public:
  /// Attempts /api/history returns at most.
  static constexpr std::size_t kHistoryLimit = 200;

  LivePage(LiveState& state, LivePageSources sources, std::size_t maxViewers);

  /// Adds the page's routes to `server`.
  void install(httplib::Server& server);
  /// HTTP worker threads the listener needs: one per viewer's stream, and two more.
  std::size_t threads() const { return maxViewers_ + 2; }

  struct Snapshot {
    std::string text;           // the JSON document `snapshot` sends
    std::uint64_t version = 0;  // of the rows in it
    std::string masters;        // the masters in it, as text
  };
  /// Every node's row, the masters, deployments and durations.
  Snapshot snapshot() const;

 private:
  class Stream;

  LiveState& state_;
  LivePageSources sources_;
  std::size_t maxViewers_;
  std::shared_ptr<std::atomic<std::size_t>> viewers_ =
      std::make_shared<std::atomic<std::size_t>>(0);
};

/// Refuses every request on `server` (the page, /metrics) without a user of `auth` and
/// its password: 401 with a challenge.
void requireAuth(httplib::Server& server, std::shared_ptr<const BasicAuth> auth);

}  // namespace drover::provisioner::web
