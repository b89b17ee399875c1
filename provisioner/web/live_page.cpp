#include "provisioner/web/live_page.hpp"

#include <chrono>
#include <thread>
#include <utility>

#include <httplib.h>

#include "core/util/clock.hpp"
#include "provisioner/web/assets.hpp"

namespace drover::provisioner::web {
namespace {

using namespace std::chrono_literals;

// A stream wakes at least this often: masters' health changes with time alone.
constexpr auto kTick = 1s;
// Changes arriving together (a burst of registrations) go out as one event.
constexpr auto kGather = 150ms;
// A comment line keeps proxies and the browser from closing a quiet stream.
constexpr auto kKeepAlive = 15s;
constexpr std::size_t kMaxIdentity = 255;

void secure(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                 "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
}

std::string dump(const Json& data) {
  return data.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string event(const std::string& name, const std::string& data) {
  return "event: " + name + "\ndata: " + data + "\n\n";
}

// Holds one of the page's viewer places while a stream lives.
struct ViewerPlace {
  std::shared_ptr<std::atomic<std::size_t>> count;
  ~ViewerPlace() { --*count; }
};

}  // namespace

// One viewer's event stream: what it has sent, so each wake sends only what is new.
class LivePage::Stream {
 public:
  Stream(const LivePage& page, std::shared_ptr<ViewerPlace> place)
      : page_(page), place_(std::move(place)) {}

  // One turn of httplib's loop: false ends the response.
  bool next(httplib::DataSink& sink) {
    if (!started_) {
      started_ = true;
      return sendSnapshot(sink);
    }
    LiveState& state = page_.state_;
    if (!state.waitForChange(rows_, durations_, deployments_, kTick)) {
      sink.done();
      return true;
    }
    if (state.version() != rows_) std::this_thread::sleep_for(kGather);
    std::string out;
    LiveState::Changes changes = state.changesSince(rows_);
    if (changes.resync) return sendSnapshot(sink);
    rows_ = changes.version;
    if (changes.count != 0 || !changes.removed.empty()) {
      out += event("nodes", "{\"now_ms\":" + std::to_string(util::nowMs()) + ",\"rows\":" +
                                changes.rows + ",\"removed\":" + dump(changes.removed) + "}");
    }
    if (state.durationsVersion() != durations_) {
      durations_ = state.durationsVersion();
      out += event("durations", dump(state.durations()));
    }
    if (state.deploymentsVersion() != deployments_) {
      deployments_ = state.deploymentsVersion();
      out += event("deployments", dump(page_.sources_.deployments()));
    }
    std::string masters = dump(page_.sources_.masters());
    if (masters != masters_) {
      masters_ = masters;
      out += event("masters", masters);
    }
    auto now = std::chrono::steady_clock::now();
    if (out.empty() && now - lastWrite_ < kKeepAlive) return true;
    if (out.empty()) out = ": keep-alive\n\n";
    lastWrite_ = now;
    return sink.write(out.data(), out.size());
  }

 private:
  bool sendSnapshot(httplib::DataSink& sink) {
    LiveState& state = page_.state_;
    // Versions first: a change made while the snapshot is built is sent again, not lost.
    durations_ = state.durationsVersion();
    deployments_ = state.deploymentsVersion();
    Snapshot snapshot = page_.snapshot();
    rows_ = snapshot.version;
    masters_ = std::move(snapshot.masters);
    // The browser reconnects on its own after this many milliseconds.
    std::string out = "retry: 2000\n\n" + event("snapshot", snapshot.text);
    lastWrite_ = std::chrono::steady_clock::now();
    return sink.write(out.data(), out.size());
  }

  const LivePage& page_;
  std::shared_ptr<ViewerPlace> place_;
  bool started_ = false;
  std::uint64_t rows_ = 0;
  std::uint64_t durations_ = 0;
  std::uint64_t deployments_ = 0;
  std::string masters_;
  std::chrono::steady_clock::time_point lastWrite_;
};

LivePage::LivePage(LiveState& state, LivePageSources sources, std::size_t maxViewers)
    : state_(state), sources_(std::move(sources)), maxViewers_(maxViewers) {}

LivePage::Snapshot LivePage::snapshot() const {
  LiveState::Changes all = state_.changesSince(0);
  Snapshot out;
  out.version = all.version;
  out.masters = dump(sources_.masters());
  Json rest{{"provisioner", sources_.provisioner},
            {"flow", sources_.flow},
            {"now_ms", util::nowMs()},
            {"version", all.version},
            {"deployments", sources_.deployments()},
            {"durations", state_.durations()}};
  // The rows and masters are text already: spliced in, not parsed again.
  out.text = "{\"rows\":" + all.rows + ",\"masters\":" + out.masters + "," + dump(rest).substr(1);
  return out;
}

void LivePage::install(httplib::Server& server) {
  auto serveAsset = [](const std::string& name) {
    return [name](const httplib::Request&, httplib::Response& res) {
      const Asset* asset = findAsset(name);
      if (asset == nullptr) {
        res.status = 404;
        return;
      }
      secure(res);
      res.set_content(std::string(asset->body), std::string(asset->type).c_str());
    };
  };
  server.Get("/", serveAsset("page.html"));
  server.Get("/live.js", serveAsset("live.js"));
  server.Get("/live.css", serveAsset("live.css"));
  // Browsers ask for it unbidden; the page has none.
  server.Get("/favicon.ico",
             [](const httplib::Request&, httplib::Response& res) { res.status = 204; });

  server.Get("/api/state", [this](const httplib::Request&, httplib::Response& res) {
    secure(res);
    res.set_content(snapshot().text, "application/json");
  });

  server.Get("/api/history", [this](const httplib::Request& req, httplib::Response& res) {
    secure(res);
    std::string node = req.get_param_value("node");
    if (node.empty() || node.size() > kMaxIdentity) {
      res.status = 400;
      res.set_content("node: give a node's identity (1 to 255 characters)\n", "text/plain");
      return;
    }
    std::optional<Json> history;
    try {
      history = sources_.history(node);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(std::string("history of ") + node + " cannot be read: " + e.what() + "\n",
                      "text/plain");
      return;
    }
    if (!history) {
      res.status = 404;
      res.set_content("node " + node + " is not known to this provisioner\n", "text/plain");
      return;
    }
    res.set_content(dump(*history), "application/json");
  });

  server.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
    secure(res);
    if (viewers_->fetch_add(1) >= maxViewers_) {
      --*viewers_;
      res.status = 503;
      res.set_content("this page has its most viewers at once (page.max_viewers: " +
                          std::to_string(maxViewers_) + ")\n",
                      "text/plain");
      return;
    }
    // Built in place: a copy's destructor would give the place back twice.
    std::shared_ptr<ViewerPlace> place(new ViewerPlace{viewers_});
    auto stream = std::make_shared<Stream>(*this, std::move(place));
    res.set_chunked_content_provider(
        "text/event-stream",
        [stream](std::size_t, httplib::DataSink& sink) { return stream->next(sink); });
  });
}

void requireAuth(httplib::Server& server, std::shared_ptr<const BasicAuth> auth) {
  server.set_pre_routing_handler(
      [auth = std::move(auth)](const httplib::Request& req, httplib::Response& res) {
        if (auth->allows(req.get_header_value("Authorization"))) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        res.status = 401;
        res.set_header("WWW-Authenticate", BasicAuth::challenge());
        res.set_content("401: this provisioner's page and metrics need a user and password\n",
                        "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      });
}

}  // namespace drover::provisioner::web
