#include "provisioner/daemon.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <system_error>

#include "core/bus/topics.hpp"
#include "core/filter/filter.hpp"
#include "core/log/log.hpp"
#include "core/log/throttle.hpp"
#include "core/rpc/call_builder.hpp"
#include "core/security/replay_cache.hpp"
#include "core/security/request_checks.hpp"
#include "core/security/roles.hpp"
#include "core/security/signing.hpp"
#include "core/security/verify_error.hpp"
#include "core/service/notify.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "core/util/signals.hpp"
#include "launchers/launcher.hpp"
#include "notifiers/config.hpp"

namespace drover::provisioner {
namespace {

using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 2s;    // per attempt to reach the broker at start
constexpr auto kStopGrace = 10s;      // calls under way may finish this long
constexpr auto kSweepQuiet = 1000ms;  // inventory sweep: silence that ends it
constexpr auto kSweepTimeout = 60s;
// Senders of ignored registrations warned about once each; beyond this many (a flood of
// forged names) the rest are logged at debug level only.
constexpr std::size_t kMaxIgnoredSenders = 10000;
// deploy_wait: requests parked at once (more are answered at once) and the longest wait.
constexpr std::size_t kMaxParkedWaits = 1000;
constexpr std::int64_t kMaxWaitMs = 60000;
constexpr std::size_t kLoggedArgsBytes = 300;   // a bundle chunk's data is not logged whole
constexpr auto kPruneEvery = 60s;               // the registry forgets long-stale nodes this often
constexpr std::uint32_t kMaxRequestTtl = 3600;  // seconds, as a node's default security.max_ttl

const log::Logger logger{"drover.provisioner.daemon"};

int makeSignalFd() {
  try {
    return util::blockedSignalFd({SIGTERM, SIGINT, SIGHUP});
  } catch (const std::system_error& e) {
    throw Daemon::StartupError(e.what());
  }
}

registry::RegistryOptions registryOptions(const ProvisionerConfig& c) {
  registry::RegistryOptions o;
  o.maxNodes = static_cast<std::size_t>(c.registryMaxNodes);
  o.staleAfterMissed = c.registryStaleAfterMissed;
  o.forgetAfter = c.registryForgetAfter;
  return o;
}

EngineOptions engineOptions(const ProvisionerConfig& c) {
  EngineOptions o;
  o.owner = c.identity;
  o.masterFacts = c.masterFacts;
  o.concurrency = c.concurrency;
  o.perMasterConcurrency = c.perMasterConcurrency;
  o.lease = c.lease;
  o.masterHeartbeatAge = c.masterHeartbeatAge;
  o.masterFailures = c.masterFailures;
  o.recheckInterval = c.recheckInterval;
  o.waitingAlert = c.waitingAlert;
  o.nodeDataDir = c.nodeDataDir;
  return o;
}

NamingOptions namingOptions(const ProvisionerConfig& config) {
  NamingOptions options;
  options.domain = config.namingDomain;
  options.releaseAfter = config.namingReleaseAfter;
  options.addressFact = config.namingAddressFact;
  return options;
}

// ZMQ_MAX_SOCKETS must be set before the context makes its first socket: every worker
// thread gets a client with two sockets.
void sizeContext(zmq::context_t& context, int concurrency) {
  int wanted = std::max(1024, concurrency * 2 + 64);
  if (zmq_ctx_set(context.handle(), ZMQ_MAX_SOCKETS, wanted) != 0) {
    throw Daemon::StartupError("zmq_ctx_set(ZMQ_MAX_SOCKETS, " + std::to_string(wanted) +
                               ") failed");
  }
}

// The events file is the provisioner's own journal: every event, as the log notifier
// writes it, with the facts that choose a master (the state database has the rest).
// Stdout stands in for it only when nobody else hears about events.
notifiers::NotifierConfig eventsFileChannel(const ProvisionerConfig& config) {
  notifiers::NotifierConfig channel;
  channel.options.name = "events_file";
  channel.options.type = "log";
  channel.options.where = "events_file";
  channel.options.events = {notifiers::EventKind::Provisioned, notifiers::EventKind::Failed,
                            notifiers::EventKind::Retried, notifiers::EventKind::WaitingTooLong};
  channel.options.facts = config.masterFacts;
  channel.options.queueLimit = 100'000;
  channel.settings = notifiers::LogSettings{config.eventsFile};
  return channel;
}

notifiers::NotifyConfig notifierChannels(const ProvisionerConfig& config) {
  notifiers::NotifyConfig channels;
  if (!config.notifiersFile.empty()) {
    channels = notifiers::loadFile(config.notifiersFile);
    logger()->info("notifiers: {} from {}", channels.notifiers.size(),
                   config.notifiersFile.string());
  }
  if (!config.eventsFile.empty() || channels.notifiers.empty()) {
    channels.notifiers.push_back(eventsFileChannel(config));
  }
  return channels;
}

// flow_file's flow, then the deployments' others. Two of one name cannot be told apart
// by the pools that name them: refused, naming both files.
std::vector<Flow> loadFlows(const ProvisionerConfig& config) {
  std::vector<Flow> flows{loadFlowFile(config.flowFile)};
  for (const auto& file : config.deployFlowFiles) {
    Flow flow = loadFlowFile(file);
    for (const Flow& other : flows) {
      if (other.name == flow.name) {
        throw FlowError(file + ": flow '" + flow.name + "' has the name of " + other.source +
                        "'s (deployments.flow_files); a pool names a flow by its name");
      }
    }
    flows.push_back(std::move(flow));
  }
  return flows;
}

}  // namespace

Registration registrationFrom(const Json& data, const std::string& sender) {
  Registration r;
  r.identity = sender;
  if (!data.is_object()) return r;
  if (auto it = data.find("identity"); it != data.end() && it->is_string()) r.identity = *it;
  if (auto it = data.find("agents"); it != data.end() && it->is_array()) {
    for (const auto& agent : *it) {
      if (agent.is_string())
        r.agents.push_back(agent);
      else if (agent.is_object() && agent.contains("name") && agent["name"].is_string()) {
        r.agents.push_back(agent["name"]);
      }
    }
  }
  if (auto it = data.find("facts"); it != data.end() && it->is_object()) r.facts = *it;
  if (auto it = data.find("started_ms"); it != data.end() && it->is_number_integer()) {
    r.startedMs = it->get<std::int64_t>();
  }
  if (auto it = data.find("security"); it != data.end() && it->is_string()) r.security = *it;
  if (auto it = data.find("naming"); it != data.end() && it->is_object()) r.naming = *it;
  if (auto it = data.find("cluster"); it != data.end() && it->is_object()) r.cluster = *it;
  return r;
}

std::optional<Registration> acceptRegistration(const envelope::Envelope& env,
                                               security::CertificateStore* store,
                                               std::int64_t nowMs, std::string& why) {
  Registration r = registrationFrom(env.data, env.sender);
  if (store == nullptr) return r;
  if (r.identity != env.sender) {
    why = "registration from '" + env.sender + "' speaks for '" + r.identity + "'";
    return std::nullopt;
  }
  if (env.sig.empty() && env.cert.empty()) {
    if (r.security != "enrolling") {
      why = "unsigned registration from '" + env.sender + "' (security '" + r.security +
            "'): only an enrolling node registers unsigned";
      return std::nullopt;
    }
    r.verified = false;
    return r;
  }
  try {
    auto principal = security::verifyEnvelope(env, *store, nowMs);
    // A recorded registration played back later must not bring back a node that left
    // or facts it no longer has.
    if (auto bad = security::badTime(env, kMaxRequestTtl, security::kDefaultMaxSkewMs, nowMs,
                                     "registration")) {
      why = bad->why;
      return std::nullopt;
    }
    if (principal.role != security::Role::Node) {
      why = "registration from '" + env.sender + "' is signed with a certificate of role " +
            std::string(security::toString(principal.role)) + ", not node";
      return std::nullopt;
    }
  } catch (const std::exception& e) {
    why = "registration from '" + env.sender + "' does not verify: " + e.what();
    return std::nullopt;
  }
  r.verified = true;
  return r;
}

Daemon::Daemon(const ProvisionerConfig& config)
    : config_(config),
      signalFd_(makeSignalFd()),
      flows_(loadFlows(config)),
      context_(1),
      registry_(registryOptions(config)) {
  sizeContext(context_, config_.concurrency);
  if (config_.securityEnabled) {
    try {
      security_ = rpc::ClientSecurity::fromFiles(config_.caFile, config_.crlFile, config_.certFile,
                                                 config_.keyFile);
    } catch (const std::exception& e) {
      throw StartupError(std::string("security: ") + e.what());
    }
    // Requests carry our identity as sender, and it must be the certificate's name.
    if (security_->signer->name() != config_.identity) {
      throw StartupError("security.cert_file " + config_.certFile.string() + " names '" +
                         security_->signer->name() + "' but identity is '" + config_.identity +
                         "'");
    }
    if (security::roleForName(config_.identity) != security::Role::Provisioner) {
      throw StartupError("identity '" + config_.identity + "' must end in .provisioner");
    }
  }
  if (!config_.enrolmentCaDir.empty()) {
    std::vector<std::filesystem::path> tokenFiles(config_.enrolmentTokenFiles.begin(),
                                                  config_.enrolmentTokenFiles.end());
    try {
      enroller_ = std::make_unique<CaEnroller>(tokenFiles, config_.enrolmentCaDir);
    } catch (const std::exception& e) {
      throw StartupError(e.what());
    }
  }
  store_ = std::make_unique<Store>(config_.stateDb);
  try {
    notifiers_ = std::make_unique<notifiers::Dispatcher>(notifierChannels(config_));
    metrics_.setExtraText(
        [this] { return notifiers::prometheusText(notifiers_->stats()) + registryMetrics(); });
  } catch (const std::exception& e) {
    throw StartupError(e.what());
  }
  registrationTopic_ = bus::registrationTopic(config_.mainCollective);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) throw StartupError(std::string("eventfd: ") + std::strerror(errno));
}

Daemon::~Daemon() {
  stopHttp();
  if (sweepThread_.joinable()) sweepThread_.join();
  if (signalFd_ >= 0) ::close(signalFd_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

// The launcher starts deployment members; one that cannot be made leaves deployments
// refused (saying why) and everything else working.
std::unique_ptr<DeploymentKeeper> Daemon::makeDeploymentKeeper() {
  std::unique_ptr<launchers::Launcher> launcher;
  std::string launcherError;
  try {
    Json settings = Json{{"type", "local"}};
    if (!config_.launcherFile.empty()) {
      YAML::Node node = YAML::LoadFile(config_.launcherFile.string());
      settings = launchers::settingsFromYaml(node);
    }
    launcher = launchers::makeLauncher(settings);
  } catch (const std::exception& e) {
    launcherError = "launcher (" +
                    (config_.launcherFile.empty() ? std::string("the local default")
                                                  : config_.launcherFile.string()) +
                    "): " + e.what();
    logger()->warn("deployments refused: {}", launcherError);
  }
  DeployOptions options;
  options.blobDir = config_.deployBlobDir;
  options.addressFact = config_.namingAddressFact;
  for (const Flow& flow : flows_) options.flows.push_back(flow.name);
  return std::make_unique<DeploymentKeeper>(options, *store_, *executor_, std::move(launcher),
                                            launcherError, names_.get(), *notifiers_,
                                            [] { return util::nowMs(); });
}

bus::ConnectionOptions Daemon::connectionOptions() const {
  bus::ConnectionOptions options;
  options.curve = config_.bus.curve();
  options.name = config_.identity;
  return options;
}

std::unique_ptr<rpc::Client> Daemon::makeClient() const {
  return std::make_unique<rpc::Client>(context_, config_.bus.endpoints(), config_.identity,
                                       config_.mainCollective, 5000ms, connectionOptions(),
                                       security_);
}

std::string Daemon::authorize(const envelope::Envelope& request) const {
  if (!security_) return "";
  try {
    auto principal = security::verifyEnvelope(request, *security_->store, util::nowMs());
    if (principal.role == security::Role::Admin) return "";
    // Only reading is open to other principals; steering nodes is for admins.
    if (request.agent == registry::kAgent || Control::readOnly(request.action)) return "";
    return principal.name + " is not an admin: only admins may call provisioner#" + request.action;
  } catch (const std::exception& e) {
    return std::string("request not verified: ") + e.what();
  }
}

void Daemon::startHttp() {
  if (config_.metricsListen.empty()) return;
  try {
    std::shared_ptr<const web::BasicAuth> auth;
    if (!config_.pageAuthFile.empty()) {
      auth = std::make_shared<const web::BasicAuth>(web::BasicAuth::load(config_.pageAuthFile));
    }
    std::size_t threads = 2;
    if (config_.pageEnabled) {
      page_ = std::make_unique<web::LivePage>(live_, pageSources(),
                                              static_cast<std::size_t>(config_.pageMaxViewers));
      threads = page_->threads();
    }
    metricsEndpoint_ = std::make_unique<service::MetricsEndpoint>(
        config_.metricsListen,
        [this] {
          engine_->refreshMetrics();
          return metrics_.prometheus();
        },
        [this, auth](httplib::Server& server) {
          if (auth) web::requireAuth(server, auth);
          if (page_) page_->install(server);
        },
        threads);
  } catch (const std::runtime_error& e) {
    throw StartupError(e.what());
  }
}

web::LivePageSources Daemon::pageSources() {
  web::LivePageSources sources;
  sources.provisioner = config_.identity;
  sources.flow = flows_.front().name;
  sources.masters = [this] { return engine_->masters(); };
  sources.deployments = [this] {
    Json out = Json::array();
    const Json all = deployments_->list();  // kept: a range over a temporary's member dangles
    for (const Json& d : all["deployments"]) {
      if (auto status = deployments_->status(d["name"].get<std::string>())) out.push_back(*status);
    }
    return out;
  };
  sources.history = [this](const std::string& identity) -> std::optional<Json> {
    std::optional<Json> record = engine_->node(identity);
    if (!record) return std::nullopt;
    Json attempts = Json::array();
    for (const auto& row : store_->history(identity, web::LivePage::kHistoryLimit)) {
      attempts.push_back(toJson(row));
    }
    return Json{{"node", *record}, {"attempts", attempts}};
  };
  return sources;
}

void Daemon::stopHttp() {
  live_.close();  // ends the page's event streams, which hold HTTP threads
  metricsEndpoint_.reset();
}

// Nodes that registered while no provisioner ran would otherwise wait for their next
// heartbeat (minutes): ask every node once at start.
void Daemon::sweep() {
  try {
    auto client = makeClient();
    rpc::CallSpec spec =
        rpc::request("rpcutil", "inventory").quiet(kSweepQuiet).timeout(kSweepTimeout).build();
    std::size_t seen = 0;
    client->call(spec, [&](const rpc::NodeReply& reply, std::size_t, std::size_t) {
      if (!reply.status.ok()) return;
      Registration registration = registrationFrom(reply.data, reply.sender);
      registration.verified = security_ == nullptr || reply.verified;
      if (!registration.verified || registration.identity != reply.sender) return;
      engine_->observe(registration);
      names_->observe(registration);
      deployments_->observe(registration);
      // Time 0: it lists a node no registration listed yet, and never undoes one.
      record(reply.data, reply.sender, 0);
      ++seen;
    });
    logger()->info("inventory sweep: {} node(s) answered", seen);
  } catch (const std::exception& e) {
    logger()->warn("inventory sweep failed: {}; relying on registrations", e.what());
  }
}

// The names shared with the other provisioners on the NATS cluster: their bucket must be
// readable before any node is named.
std::unique_ptr<KvNameLedger> Daemon::makeLedger() const {
  LedgerOptions options;
  options.endpoints = config_.bus.endpoints();
  options.bucket = config_.namingKvBucket;
  options.replicas = config_.namingKvReplicas;
  if (options.replicas == 0)
    options.replicas = static_cast<int>(std::min<std::size_t>(3, config_.bus.nats.servers.size()));
  options.connectionName = config_.identity + " names";
  auto ledger = std::make_unique<KvNameLedger>(options);
  service::status("reading the shared names from " + ledger->describe());
  return ledger;
}

int Daemon::run() {
  auto options = connectionOptions();
  connection_ = bus::connect(context_, config_.bus.endpoints(), options);
  connection_->subscribe(registrationTopic_);
  connection_->subscribe(bus::nodeTopic(config_.mainCollective, config_.identity));
  connection_->subscribe(bus::broadcastTopic(config_.mainCollective, kControlAgent));
  connection_->subscribe(bus::broadcastTopic(config_.mainCollective, registry::kAgent));
  service::status("waiting for the bus at " + connection_->describe());
  while (!connection_->waitReady(kReadyTimeout)) {
    std::string problem = connection_->problem();
    logger()->warn("provisioner={} bus {} not answering yet{}; still trying", config_.identity,
                   connection_->describe(), problem.empty() ? "" : " (" + problem + ")");
    if (!handleSignals()) return 0;
  }
  executor_ = std::make_unique<BusExecutor>([this] { return makeClient(); });
  if (config_.ledger() == "nats") ledger_ = makeLedger();
  names_ = std::make_unique<NameKeeper>(
      namingOptions(config_), *store_, *executor_, executor_.get(), [] { return util::nowMs(); },
      ledger_.get());
  deployments_ = makeDeploymentKeeper();
  deployments_->setChangeListener([this] {
    live_.deploymentsChanged();
    std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wakeFd_, &one, sizeof(one));
  });
  engine_ = std::make_unique<Engine>(flows_, engineOptions(config_), *store_, *executor_,
                                     *notifiers_, metrics_, enroller_.get(), names_.get());
  engine_->setChangeListener([this](const NodeRecord& r) {
    deployments_->engineChanged(r);
    live_.nodeChanged(r);
  });
  engine_->setDropListener([this](const std::string& identity) { live_.nodeDropped(identity); });
  metrics_.setStepListener([this](const std::string& step, const std::string& verdict,
                                  double seconds) { live_.stepEnded(step, verdict, seconds); });
  live_.load(engine_->status()["nodes"]);
  control_ = std::make_unique<Control>(*engine_, *names_, *deployments_, *store_, metrics_,
                                       config_.identity);
  startHttp();
  engine_->start(false);
  names_->start();
  deployments_->start(DeploymentKeeper::EngineLink{
      [this](const std::string& identity) { return engine_->node(identity); },
      [this](const std::string& identity, const std::string& flow) {
        return engine_->assignFlow(identity, flow);
      },
      [this](const std::string& identity, const std::string& why) {
        engine_->forget(identity, why);
      }});
  sweepThread_ = std::thread([this] {
    sweep();
    engine_->openAdmission();
  });
  if (!config_.pidFile.empty()) {
    util::writeFileAtomically(config_.pidFile, std::to_string(::getpid()) + "\n");
  }
  std::string others;
  for (std::size_t i = 1; i < flows_.size(); ++i) others += (i > 1 ? "," : "") + flows_[i].name;
  logger()->info(
      "provisioner={} ready: flow={} ({} steps) deployment flows={} state={} metrics={} "
      "enrolment={}",
      config_.identity, flows_.front().name, flows_.front().steps.size(),
      others.empty() ? "-" : others, config_.stateDb.string(),
      config_.metricsListen.empty() ? "off" : config_.metricsListen,
      enroller_ ? "on (CA " + config_.enrolmentCaDir.string() + ", " +
                      std::to_string(config_.enrolmentTokenFiles.size()) + " token file(s))"
                : "off (enrolling nodes wait)");
  // Ready for systemd (Type=notify) once the broker answered and every part runs.
  ready_ = true;
  service::ready(readyStatus());
  service::Watchdog watchdog;
  auto pollBudget = std::min<std::chrono::milliseconds>(1000ms, watchdog.pollBudget());
  zmq::pollitem_t items[] = {connection_->readable(),
                             {nullptr, signalFd_, ZMQ_POLLIN, 0},
                             {nullptr, wakeFd_, ZMQ_POLLIN, 0}};
  auto nextPrune = util::SteadyClock::now() + kPruneEvery;
  for (;;) {
    while (auto message = connection_->tryReceive()) handleMessage(*message);
    zmq::poll(items, 3, pollBudget);
    watchdog.kick();
    if ((items[1].revents & ZMQ_POLLIN) && !handleSignals()) break;
    std::uint64_t wakes = 0;
    if (items[2].revents & ZMQ_POLLIN) [[maybe_unused]]
      auto n = ::read(wakeFd_, &wakes, sizeof(wakes));
    answerParked(false);
    if (auto now = util::SteadyClock::now(); now >= nextPrune) {
      if (std::size_t gone = registry_.prune(util::nowMs())) {
        logger()->info("registry: forgot {} node(s) stale for longer than {} s", gone,
                       config_.registryForgetAfter.count());
      }
      nextPrune = now + kPruneEvery;
    }
  }
  logger()->info("provisioner={} stopping", config_.identity);
  service::stopping();
  answerParked(true);
  if (sweepThread_.joinable()) sweepThread_.join();
  bool drained = engine_->stop(kStopGrace);
  drained = deployments_->stop(drained ? kStopGrace : 0ms) && drained;
  if (drained) names_->stop();       // else a thread may still call: exit as a crash would
  notifiers_->shutdown(kStopGrace);  // what is queued still goes out
  stopHttp();
  connection_.reset();
  if (!config_.pidFile.empty()) std::filesystem::remove(config_.pidFile);
  if (!drained) {
    // Worker threads are still blocked in calls; their intents are on disk.
    std::fflush(nullptr);
    ::_exit(0);
  }
  return 0;
}

void Daemon::handleMessage(const bus::Message& message) {
  envelope::Envelope env;
  try {
    env = envelope::decode(message.body);
  } catch (const envelope::DecodeError& e) {
    logger()->debug("dropped malformed message on {}: {}", message.topic, e.what());
    return;
  }
  if (message.topic == bus::registrationTopic(config_.mainCollective)) {
    if (env.type != envelope::MessageType::Registration) return;
    std::string why;
    auto registration =
        acceptRegistration(env, security_ ? security_->store.get() : nullptr, util::nowMs(), why);
    if (registration) {
      engine_->observe(*registration);
      // Only a node proven by its certificate speaks for its name, and is listed.
      if (registration->verified) {
        names_->observe(*registration);
        deployments_->observe(*registration);
        record(env.data, env.sender, env.time);
      }
    } else if (ignoredRegistrations_.size() < kMaxIgnoredSenders &&
               ignoredRegistrations_.insert(env.sender).second) {
      // Heartbeats repeat: say it once per sender.
      logger()->warn("ignored: {}", why);
    } else {
      logger()->debug("ignored: {}", why);
    }
    return;
  }
  if (env.agent != kControlAgent && env.agent != registry::kAgent) return;
  // The checks a node makes (core/security/request_checks.hpp), in the same order.
  if (auto why =
          security::misaddressed(env, message.topic, config_.identity, {config_.mainCollective})) {
    logger()->debug("request={} from={} not for us: {}", log::clip(env.id), log::clip(env.sender),
                    *why);
    return;
  }
  if (auto why = security::badReplyTopic(env)) {
    logger()->warn("request={} from={} dropped: {}", log::clip(env.id), log::clip(env.sender),
                   *why);
    return;
  }
  std::string args = env.args.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (args.size() > kLoggedArgsBytes) args = args.substr(0, kLoggedArgsBytes) + "...";
  logger()->info("request={} from={} action={} args={}", env.id, env.sender, env.action, args);
  std::string refused = authorize(env);
  if (refused.empty()) {
    if (auto bad =
            security::badTime(env, kMaxRequestTtl, security::kDefaultMaxSkewMs, util::nowMs())) {
      refused = bad->why;
    }
  }
  if (!refused.empty()) {
    logger()->warn("request={} from={} refused: {}", env.id, env.sender, refused);
    reply(env,
          envelope::makeReply(env, config_.identity, {envelope::StatusCode::Refused, refused}));
    return;
  }
  // The original was answered; a copy never is (a replayed name_release or deploy_down
  // would undo what came after it).
  if (security_) {
    try {
      security::checkUnseen(env, replays_, util::nowMs());
    } catch (const security::VerifyError& e) {
      logger()->warn("request={} from={} dropped: {}", env.id, env.sender, e.what());
      return;
    }
  }
  if (env.agent == registry::kAgent) {
    reply(env, registryAnswer(env));
    return;
  }
  if (env.action == "deploy_wait" && park(env)) return;
  reply(env, control_->handle(env));
}

void Daemon::record(const Json& data, const std::string& sender, std::int64_t sentMs) {
  std::string why;
  auto entry = registry::entryFrom(data, sender, why);
  if (!entry) {
    logger()->debug("registry: {}", why);
    return;
  }
  entry->sentMs = sentMs;
  const std::string identity = entry->identity;
  const std::int64_t intervalMs = entry->intervalMs;
  auto outcome = registry_.observe(std::move(*entry), util::nowMs());
  logger()->debug("registry: {} {} (sent {}, interval {} ms)", identity,
                  registry::toString(outcome), sentMs, intervalMs);
  if (outcome == registry::Registry::Outcome::Full && !registryFullWarned_.exchange(true)) {
    logger()->warn("registry: full at registry.max_nodes={}; new nodes are not listed",
                   config_.registryMaxNodes);
  }
}

std::string Daemon::registryMetrics() const {
  registry::Registry::Counts counts = registry_.counts(util::nowMs());
  return fmt::format(
      "# HELP drover_registry_nodes Nodes the registry lists (drover --dm registry), by state: "
      "stale ones missed registry.stale_after_missed registration intervals\n"
      "# TYPE drover_registry_nodes gauge\n"
      "drover_registry_nodes{{state=\"fresh\"}} {}\n"
      "drover_registry_nodes{{state=\"stale\"}} {}\n"
      "# HELP drover_registry_refused_total Registrations of new nodes refused: "
      "registry.max_nodes reached\n"
      "# TYPE drover_registry_refused_total counter\n"
      "drover_registry_refused_total {}\n",
      counts.fresh, counts.stale, counts.refusedFull);
}

envelope::Envelope Daemon::registryAnswer(const envelope::Envelope& request) const {
  using envelope::StatusCode;
  if (request.action != "find") {
    return envelope::makeReply(
        request, config_.identity,
        {StatusCode::UnknownAction,
         "registry has no action '" + log::clip(request.action) + "' (it has: find)"});
  }
  try {
    return envelope::makeReply(request, config_.identity, {StatusCode::Ok, ""},
                               registry_.answer(request.args, request.collective, util::nowMs()));
  } catch (const filter::FilterError& e) {
    return envelope::makeReply(request, config_.identity,
                               {StatusCode::InvalidData, std::string("filter: ") + e.what()});
  } catch (const std::invalid_argument& e) {
    return envelope::makeReply(request, config_.identity, {StatusCode::InvalidData, e.what()});
  }
}

void Daemon::reply(const envelope::Envelope& request, envelope::Envelope reply) {
  try {
    if (security_) security::signEnvelope(reply, *security_->signer);
  } catch (const std::exception& e) {
    logger()->error("request={}: cannot sign the reply: {}", request.id, e.what());
    return;
  }
  connection_->publish(request.replyTo, envelope::encode(reply));
}

// A wait for a version the deployment still has is held until it moves on; anything
// else (an unknown deployment, bad arguments, too many parked) is answered at once.
bool Daemon::park(const envelope::Envelope& request) {
  const Json& args = request.args;
  if (parked_.size() >= kMaxParkedWaits || !args.is_object()) return false;
  auto name = args.find("name");
  auto version = args.find("version");
  if (name == args.end() || !name->is_string() || version == args.end() ||
      !version->is_number_integer()) {
    return false;
  }
  std::int64_t timeout = args.value("timeout_ms", kMaxWaitMs);
  if (!args.contains("timeout_ms") || !args["timeout_ms"].is_number_integer()) timeout = kMaxWaitMs;
  timeout = std::clamp<std::int64_t>(timeout, 0, kMaxWaitMs);
  std::int64_t now = deployments_->version(*name);
  if (now < 0 || now != version->get<std::int64_t>()) return false;
  parked_.push_back({request, *name, now, util::nowMs() + timeout});
  return true;
}

std::string Daemon::readyStatus() const {
  return "provisioner " + config_.identity + " on the bus at " +
         config_.bus.endpoints().describe() + ", flow " + flows_.front().name;
}

void Daemon::answerParked(bool all) {
  std::int64_t now = util::nowMs();
  for (auto it = parked_.begin(); it != parked_.end();) {
    if (all || now >= it->deadlineMs || deployments_->version(it->name) != it->version) {
      reply(it->request, control_->handle(it->request));
      it = parked_.erase(it);
    } else {
      ++it;
    }
  }
}

bool Daemon::handleSignals() {
  signalfd_siginfo info;
  bool keepRunning = true;
  while (::read(signalFd_, &info, sizeof(info)) == sizeof(info)) {
    if (info.ssi_signo == SIGHUP) {
      // A reload succeeds and changes nothing; the flows and settings need a restart.
      logger()->info("SIGHUP: nothing to reload (restart to load a new flow)");
      service::reloading();
      if (ready_) service::ready(readyStatus());
    } else {
      logger()->info("received {}", strsignal(static_cast<int>(info.ssi_signo)));
      keepRunning = false;
    }
  }
  return keepRunning;
}

}  // namespace drover::provisioner
