#include "node/daemon.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fstream>

#include <fmt/ranges.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <system_error>

#include "agents/builtin.hpp"
#include "core/bus/topics.hpp"
#include "core/ddl/repository.hpp"
#include "core/log/log.hpp"
#include "core/service/notify.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "core/util/signals.hpp"
#include "core/util/subprocess.hpp"
#include "node/external_agent.hpp"

namespace drover::node {
namespace {

using envelope::Envelope;
using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 2s;  // per attempt to reach the broker at start
constexpr auto kChildGrace = 3s;    // SIGTERM to SIGKILL for programs at shutdown
constexpr std::chrono::seconds kEnrollingRegistration{10};  // heartbeat while enrolling

const log::Logger logger{"drover.node.daemon"};

int makeSignalFd() {
  try {
    return util::blockedSignalFd({SIGTERM, SIGINT, SIGHUP});
  } catch (const std::system_error& e) {
    throw Daemon::StartupError(e.what());
  }
}

// The poll timeout that ends at `wake`: at least 0, rounded up so the loop does not
// wake just before its timer and poll again for nothing.
std::chrono::milliseconds waitUntil(util::SteadyClock::time_point wake,
                                    util::SteadyClock::time_point now) {
  if (wake <= now) return 0ms;
  return std::chrono::ceil<std::chrono::milliseconds>(wake - now);
}

NodeIdentity identityFrom(const NodeConfig& config) {
  NodeIdentity id;
  id.identity = config.identity;
  id.mainCollective = config.mainCollective;
  id.collectives = config.collectives;
  id.maxTtl = static_cast<std::uint32_t>(config.maxTtl.count());
  id.maxSkewMs = std::chrono::duration_cast<std::chrono::milliseconds>(config.maxClockSkew).count();
  id.registrationIntervalS = static_cast<std::uint32_t>(config.registrationInterval.count());
  return id;
}

std::shared_ptr<NodeSecurity> makeSecurity(const NodeConfig& config) {
  try {
    return NodeSecurity::fromConfig(config);
  } catch (const std::exception& e) {
    throw Daemon::StartupError(e.what());
  }
}

facts::FactSet makeFacts(const NodeConfig& config) {
  try {
    return facts::FactSet(config.factsFile, config.classesFile);
  } catch (const std::exception& e) {
    throw Daemon::StartupError(e.what());
  }
}

}  // namespace

Daemon::Daemon(const NodeConfig& config)
    : config_(config),
      signalFd_(makeSignalFd()),
      watch_(config, config.securityEnabled),
      facts_(makeFacts(config)),
      core_(identityFrom(config), makeSecurity(config)),
      context_(1),
      pool_(static_cast<std::size_t>(config.workers), static_cast<std::size_t>(config.queueLimit)) {
  core_.setFacts(facts_.snapshot());
  core_.setClasses(facts_.classes());
  loadAgents();
  switch (core_.securityMode()) {
    case SecurityMode::Disabled:
      logger()->warn(
          "node={} SECURITY IS DISABLED (security.enabled: false): requests are "
          "neither verified nor authorized, anyone who can reach the broker can run "
          "any action on this node",
          config_.identity);
      break;
    case SecurityMode::Enrolling:
      logger()->warn(
          "node={} has no certificate at {}: enrolling with the provisioning token; "
          "serving only the provision agent to provisioners",
          config_.identity, config_.certFile.string());
      break;
    case SecurityMode::Enforcing: break;
  }
}

Daemon::~Daemon() {
  pool_.stop();
  if (signalFd_ >= 0) ::close(signalFd_);
}

void Daemon::loadAgents() {
  ddl::Repository ddls(
      std::vector<std::filesystem::path>(config_.ddlDirs.begin(), config_.ddlDirs.end()));
  for (const auto& error : ddls.errors()) {
    logger()->error("skipping DDL: {}", error.message);
  }
  try {
    for (auto& agent :
         agents::makeBuiltinAgents(ddls, core_, config_.builtinAgents, config_.agentFiles())) {
      core_.addAgent(std::move(agent));
    }
  } catch (const std::exception& e) {
    throw StartupError(e.what());
  }
  std::vector<std::filesystem::path> dirs(config_.agentsDir.begin(), config_.agentsDir.end());
  auto external = loadExternalAgents(dirs);
  for (const auto& [file, reason] : external.errors) {
    logger()->error("skipping external agent {}: {}", file, reason);
  }
  for (auto& agent : external.agents) {
    std::string name = agent->name();
    try {
      core_.addAgent(std::move(agent));
    } catch (const std::exception& e) {
      logger()->error("skipping external agent {}: {}", name, e.what());
    }
  }
}

void Daemon::subscribeAll() {
  for (const auto& topic : core_.topics()) connection_->subscribe(topic);
}

int Daemon::run() {
  auto started = util::SteadyClock::now();
  if (!config_.metricsListen.empty()) {
    try {
      metrics_ = std::make_unique<service::MetricsEndpoint>(config_.metricsListen,
                                                            [this] { return metricsText(); });
    } catch (const std::exception& e) {
      throw StartupError(e.what());
    }
  }
  bus::ConnectionOptions options;
  options.monitorReconnects = true;
  options.curve = config_.bus.curve();
  options.name = config_.identity;
  connection_ = bus::connect(context_, config_.bus.endpoints(), options);
  subscribeAll();
  service::status("waiting for the bus at " + connection_->describe());
  while (!connection_->waitReady(kReadyTimeout)) {
    std::string problem = connection_->problem();
    logger()->warn("node={} bus {} not answering yet{}; still trying", config_.identity,
                   connection_->describe(), problem.empty() ? "" : " (" + problem + ")");
    if (!handleSignals()) return 0;
  }
  announce("start");
  writePidFile();
  logger()->info(
      "node={} ready in {} ms: collectives={} agents={}", config_.identity,
      std::chrono::duration_cast<std::chrono::milliseconds>(util::SteadyClock::now() - started)
          .count(),
      fmt::join(config_.collectives, ","), fmt::join(core_.agentNames(), ","));
  // Ready for systemd only now that the broker answered (Type=notify).
  service::ready(readyStatus());
  ready_ = true;
  service::Watchdog watchdog;

  auto registrationEvery = config_.registrationInterval;
  // An enrolling node answers nothing but provision, so a provisioner started after it
  // finds it only by its registrations: announce often until enrolled.
  auto enrollingEvery = std::min<std::chrono::seconds>(
      registrationEvery.count() > 0 ? registrationEvery : kEnrollingRegistration,
      kEnrollingRegistration);
  auto nextRegistration =
      util::SteadyClock::now() +
      (core_.securityMode() == SecurityMode::Enrolling ? enrollingEvery : registrationEvery);
  std::vector<zmq::pollitem_t> items{connection_->readable(),
                                     {nullptr, outbox_.fd(), ZMQ_POLLIN, 0},
                                     {nullptr, signalFd_, ZMQ_POLLIN, 0}};
  if (auto reconnects = connection_->reconnects()) items.push_back(*reconnects);
  const std::size_t watchSlots = items.size();
  watch_.addPollItems(items);
  for (;;) {
    while (auto message = connection_->tryReceive()) handleMessage(*message);
    // Asleep until a message, a signal, a change or the next timer: an idle node
    // does not wake between its registrations.
    auto now = util::SteadyClock::now();
    bool registering =
        registrationEvery.count() > 0 || core_.securityMode() == SecurityMode::Enrolling;
    auto wake = std::min({registering ? nextRegistration : util::SteadyClock::time_point::max(),
                          watch_.due(), refusedLog_.reportDue(), now + watchdog.pollBudget()});
    if (core_.registrationRequested()) wake = now;  // asked by an agent that ran inline
    zmq::poll(items.data(), items.size(), waitUntil(wake, now));
    watchdog.kick();  // only this loop turning proves the daemon is not wedged
    now = util::SteadyClock::now();
    watch_.collect(items.data() + watchSlots, now);
    // Before the replies: a caller told its change is done finds it in the registry.
    if (core_.takeRegistrationRequest()) {
      refreshFacts();
      announce("agent data changed");
    }
    if (items[1].revents & ZMQ_POLLIN) {
      for (auto& [topic, body] : outbox_.drain()) connection_->publish(topic, body);
    }
    if ((items[2].revents & ZMQ_POLLIN) && !handleSignals()) break;
    reportSuppressed(false);
    if (connection_->takeReconnected()) {
      ++reconnects_;
      logger()->info("node={} back on the bus at {}: announcing itself again", config_.identity,
                     connection_->describe());
      announce("reconnect");
    }
    if (core_.securityMode() != announcedMode_) {
      logger()->info("node={} enrolled: signing with its certificate {} from now on",
                     config_.identity, config_.certFile.string());
      announce("enrolled");
    }
    auto changes = watch_.take(now);
    if (changes.crl) refreshCrl();
    if (changes.policies) reloadPolicies();
    if (changes.facts && refreshFacts()) announce("facts changed");
    // A heartbeat carries facts resolved now: what no watch follows (kernel, OS,
    // memory) is at most one interval old in the registry.
    if (core_.securityMode() == SecurityMode::Enrolling && now >= nextRegistration) {
      refreshFacts();
      announce("enrolling");
      nextRegistration = now + enrollingEvery;
    } else if (registrationEvery.count() > 0 && now >= nextRegistration) {
      refreshFacts();
      announce("heartbeat");
      nextRegistration = now + registrationEvery;
    }
  }
  service::stopping();
  // Programs the agents started (a Puppet run, an external agent) stop with the node:
  // left running they would outlive it, holding locks its next start needs.
  if (std::size_t n = util::terminateRunningProcesses(kChildGrace)) {
    logger()->info("node={} stopping: terminated {} running program(s)", config_.identity, n);
  }
  reportSuppressed(true);
  logger()->info("node={} stopping: letting {} queued request(s) finish", config_.identity,
                 pool_.queued());
  pool_.stop();
  for (auto& [topic, body] : outbox_.drain()) connection_->publish(topic, body);
  // A registry drops the node now instead of waiting for missed heartbeats.
  announce("stopping", /*leaving=*/true);
  connection_.reset();  // lingers up to 1 s to flush the last replies
  if (!config_.pidFile.empty()) std::filesystem::remove(config_.pidFile);
  return 0;
}

void Daemon::handleMessage(const bus::Message& message) {
  if (message.topic.empty()) return;  // malformed frame, already dropped
  Envelope request;
  try {
    request = envelope::decode(message.body);
  } catch (const envelope::DecodeError& e) {
    // An unknown version included: nothing in it can be verified, so nothing answers it.
    if (mayLogRefused()) {
      logger()->warn("node={} dropped a malformed message of {} bytes on {}: {}", config_.identity,
                     message.body.size(), log::clip(message.topic), e.what());
    }
    return;
  }
  Decision decision = core_.inspect(request, message.topic);
  switch (decision.kind) {
    case Decision::Kind::Ignore:
      logger()->debug("node={} request={} ignored: {}", config_.identity, request.id,
                      decision.reason);
      return;
    case Decision::Kind::Drop:
      if (mayLogRefused()) {
        logger()->warn("node={} request={} from={} agent={} action={} dropped: {}",
                       config_.identity, request.id, request.sender, request.agent, request.action,
                       decision.reason);
      }
      return;
    case Decision::Kind::Reply:
      logger()->info("node={} request={} from={} agent={} action={} refused: {}", config_.identity,
                     request.id, request.sender, request.agent, request.action, decision.reason);
      sendReply(request, std::move(decision.reply));
      return;
    case Decision::Kind::Run: dispatch(std::move(decision), std::move(request)); return;
  }
}

// Refused traffic nobody verified is logged a bounded number of lines per window;
// the rest is counted and the count reported when the window is over.
bool Daemon::mayLogRefused() {
  reportSuppressed(false);
  return refusedLog_.admit(log::LogThrottle::Clock::now());
}

void Daemon::reportSuppressed(bool final) {
  std::uint64_t n = final ? refusedLog_.takeAllSuppressed()
                          : refusedLog_.takeSuppressed(log::LogThrottle::Clock::now());
  if (n == 0) return;
  logger()->warn("node={} {} more refused message(s) not logged in the last {} s", config_.identity,
                 n, std::chrono::duration_cast<std::chrono::seconds>(refusedLog_.window()).count());
}

void Daemon::dispatch(Decision decision, Envelope request) {
  if (decision.agent->runsInline()) {
    Envelope reply = core_.execute(decision, request);
    sendReply(request, std::move(reply));
    return;
  }
  auto job = [this, decision = std::move(decision), request,
              submitted = util::SteadyClock::now()]() mutable {
    auto queued =
        std::chrono::duration_cast<std::chrono::microseconds>(util::SteadyClock::now() - submitted);
    Envelope reply = core_.execute(decision, request, queued);
    core_.countReply();
    outbox_.push(request.replyTo, envelope::encode(reply));
  };
  if (!pool_.trySubmit(std::move(job))) {
    core_.countBusy();
    logger()->warn("node={} request={} agent={}: work queue full ({} queued)", config_.identity,
                   request.id, request.agent, pool_.queued());
    sendReply(request,
              core_.replyTo(request, {envelope::StatusCode::Busy,
                                      "node " + config_.identity + " is busy: queue full"}));
  }
}

// inspect() answered only requests whose reply topic is the caller's.
void Daemon::sendReply(const Envelope& request, Envelope reply) {
  core_.countReply();
  connection_->publish(request.replyTo, envelope::encode(reply));
}

void Daemon::announce(const char* reason, bool leaving) {
  announcedMode_ = core_.securityMode();
  for (const auto& collective : config_.collectives) {
    ++registrations_;
    connection_->publish(bus::registrationTopic(collective),
                         envelope::encode(core_.registration(collective, leaving)));
  }
  logger()->debug("node={} registration sent ({})", config_.identity, reason);
}

bool Daemon::refreshFacts() {
  try {
    if (!facts_.reload()) return false;
  } catch (const std::exception& e) {
    logger()->error("node={} keeping previous facts: {}", config_.identity, e.what());
    return false;
  }
  bool changed = core_.setFacts(facts_.snapshot());
  return core_.setClasses(facts_.classes()) || changed;
}

// A revocation takes effect as the file is written, without a SIGHUP.
void Daemon::refreshCrl() {
  if (core_.security() == nullptr) return;
  try {
    if (core_.security()->refreshCrl()) {
      logger()->info("node={} loaded a new CRL from {}", config_.identity,
                     config_.crlFile.string());
    }
  } catch (const std::exception& e) {
    logger()->error("node={} {}", config_.identity, e.what());
  }
}

// A policy takes effect as its file is written; a broken one changes nothing.
void Daemon::reloadPolicies() {
  if (core_.security() == nullptr) return;
  try {
    std::size_t agents = core_.security()->reloadPolicies();
    logger()->info("node={} reloaded the policies in {}: {} agent(s) with a policy",
                   config_.identity, config_.policyDir.string(), agents);
  } catch (const std::exception& e) {
    logger()->error("node={} {}", config_.identity, e.what());
  }
}

void Daemon::reloadSecurity() {
  if (core_.security() == nullptr) return;
  try {
    core_.security()->reload();
  } catch (const std::exception& e) {
    logger()->error("node={} security reload: {}", config_.identity, e.what());
  }
}

bool Daemon::handleSignals() {
  signalfd_siginfo info;
  bool keepRunning = true;
  while (::read(signalFd_, &info, sizeof(info)) == sizeof(info)) {
    if (info.ssi_signo == SIGHUP) {
      logger()->info(
          "node={} SIGHUP: re-reading facts, classes, CRL and policies; reopening "
          "the audit log",
          config_.identity);
      service::reloading();
      if (refreshFacts()) announce("facts changed");
      reloadSecurity();
      if (ready_) service::ready(readyStatus());
    } else {
      logger()->info("node={} received {}", config_.identity,
                     strsignal(static_cast<int>(info.ssi_signo)));
      keepRunning = false;
    }
  }
  return keepRunning;
}

std::string Daemon::readyStatus() const {
  return "node " + config_.identity + " on the bus at " + connection_->describe() + ", " +
         std::to_string(core_.agentNames().size()) + " agents";
}

std::string Daemon::metricsText() const {
  NodeMetrics::Gauges gauges;
  gauges.workersStarted = pool_.workers();
  gauges.workersIdle = pool_.idle();
  gauges.workersLimit = static_cast<std::size_t>(config_.workers);
  gauges.queued = pool_.queued();
  gauges.received = core_.received();
  gauges.filtered = core_.filtered();
  gauges.reconnects = reconnects_.load();
  gauges.registrations = registrations_.load();
  gauges.startedMs = core_.startedMs();
  gauges.identity = core_.identity();
  gauges.security = std::string(toString(core_.securityMode()));
  return core_.metrics().prometheus(gauges);
}

void Daemon::writePidFile() const {
  if (config_.pidFile.empty()) return;
  util::writeFileAtomically(config_.pidFile, std::to_string(::getpid()) + "\n");
}

}  // namespace drover::node
