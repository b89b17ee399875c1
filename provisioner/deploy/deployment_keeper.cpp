// DeploymentKeeper: loading, the operator's commands (up, down, status, list), plans.
#include "provisioner/deploy/deployment_keeper.hpp"

#include <algorithm>
#include <set>

#include "core/log/log.hpp"
#include "core/util/base64.hpp"
#include "provisioner/deploy/keeper_state.hpp"

namespace drover::provisioner {
namespace {

const log::Logger logger{"drover.provisioner.deploy"};

constexpr std::size_t kMaxTextBytes = 1 << 20;  // a deployment file
constexpr std::size_t kMaxFiles = 1000;         // files/<pool>/<name> of one deployment
constexpr std::size_t kMaxFileBytes = 1 << 20;  // one of them

const Json& member(const Json& args, const char* key, Json::value_t type, const char* what) {
  auto it = args.find(key);
  if (it == args.end() || it->type() != type) {
    throw DeployError(std::string("argument '") + key + "' (" + what + ") is required", true);
  }
  return *it;
}

// A byte count: a JSON integer from 0 up.
std::uint64_t byteCount(const Json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0)
    throw DeployError(std::string("argument '") + key + "' (bytes, from 0) is required", true);
  return it->get<std::uint64_t>();
}

}  // namespace

DeploymentKeeper::DeploymentKeeper(DeployOptions options, Store& store, StepExecutor& executor,
                                   std::unique_ptr<launchers::Launcher> launcher,
                                   std::string launcherError, NameKeeper* names,
                                   notifiers::EventSink& events, Clock clock)
    : options_(std::move(options)),
      store_(store),
      executor_(executor),
      launcher_(std::move(launcher)),
      launcherError_(std::move(launcherError)),
      names_(names),
      events_(events),
      clock_(std::move(clock)),
      blobs_(options_.blobDir, options_.maxBlobBytes) {
  load();
}

DeploymentKeeper::~DeploymentKeeper() { stop(std::chrono::seconds(10)); }

::drover::deploy::SlotRecord slotRecord(const DeploymentMember& m) {
  using ::drover::deploy::MemberState;
  MemberState state = MemberState::Running;
  if (m.phase == MemberPhase::Launching) state = MemberState::Launching;
  if (m.phase == MemberPhase::Failed) state = MemberState::Failed;
  if (m.phase == MemberPhase::Stopping) state = MemberState::Stopping;
  return {m.slot, m.identity, m.name, state};
}

// A deployment whose file no longer loads (a newer provisioner wrote it, say) is kept
// as it is and said in the log; its members stay where they are.
void DeploymentKeeper::load() {
  for (auto& [name, doc] : store_.loadDeployments()) {
    auto d = std::make_unique<Deployment>();
    d->name = name;
    d->doc = doc;
    d->version = doc.value("version", std::int64_t{0});
    d->factsVersion = doc.value("facts_version", std::int64_t{0});
    d->trustVersion = doc.value("trust_version", std::int64_t{0});
    d->down = doc.value("down", false);
    try {
      d->spec = parseStored(doc, blobs_);
      d->loaded = true;
    } catch (const std::exception& e) {
      logger()->error("deployment {}: stored file does not load: {}", name, e.what());
    }
    deployments_[name] = std::move(d);
  }
  for (auto& [identity, doc] : store_.loadDeploymentMembers()) {
    try {
      members_[identity] = deploymentMemberFrom(identity, doc);
    } catch (const std::exception& e) {
      throw StoreError("deployment member " + identity + ": " + e.what());
    }
  }
}

void DeploymentKeeper::start(EngineLink engine) {
  engine_ = std::move(engine);
  std::vector<std::string> all;
  std::vector<std::pair<std::string, std::string>> flows;
  {
    Lock lock(mutex_);
    for (const auto& [name, d] : deployments_) {
      if (d->loaded) launchJobs_.push_back(LaunchJob{name, {}, {}, true});
    }
    for (const auto& [identity, m] : members_) {
      all.push_back(identity);
      flows.emplace_back(identity, m.flow);
    }
  }
  assignFlows(flows);
  // What the flow made of each member while no provisioner ran (read without our lock).
  for (const auto& identity : all) {
    if (auto node = engine_.node(identity)) engineChanged(nodeRecordFrom(*node, identity));
  }
  Lock lock(mutex_);
  for (const auto& [identity, m] : members_) {
    if (m.phase == MemberPhase::Wiring || m.phase == MemberPhase::Waiting ||
        m.phase == MemberPhase::Files || m.phase == MemberPhase::Stages) {
      ready_.push_back(identity);
      queued_.insert(identity);
    }
  }
  running_ = 2 + options_.workers;
  threads_.emplace_back([this] { launcherLoop(); });
  threads_.emplace_back([this] { pusherLoop(); });
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { driverLoop(); });
}

// Threads still in a call at the grace's end are left to it (a stage may run for
// minutes): false then, and the caller ends the process as a crash would.
bool DeploymentKeeper::stop(std::chrono::milliseconds grace) {
  Lock lock(mutex_);
  stopping_ = true;
  driverWake_.notify_all();
  launcherWake_.notify_all();
  pusherWake_.notify_all();
  bool drained = threadsEnded_.wait_for(lock, grace, [this] { return running_ == 0; });
  lock.unlock();
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    if (drained)
      t.join();
    else
      t.detach();
  }
  threads_.clear();
  return drained;
}

// The last thing each thread does, with the lock held.
void DeploymentKeeper::threadEnded() {
  --running_;
  threadsEnded_.notify_all();
}

DeploymentKeeper::Deployment* DeploymentKeeper::find(const std::string& name) {
  auto it = deployments_.find(name);
  return it == deployments_.end() ? nullptr : it->second.get();
}

const DeploymentKeeper::Deployment* DeploymentKeeper::find(const std::string& name) const {
  auto it = deployments_.find(name);
  return it == deployments_.end() ? nullptr : it->second.get();
}

Json DeploymentKeeper::putBlob(const Json& args) {
  if (!args.is_object()) throw DeployError("arguments must be an object", true);
  std::uint64_t size = byteCount(args, "size");
  std::uint64_t offset = byteCount(args, "offset");
  std::optional<std::string> data = util::decodeBase64(
      member(args, "data", Json::value_t::string, "base64 text").get<std::string>());
  if (!data) throw DeployError("argument 'data' is not base64", true);
  try {
    auto held = blobs_.put(member(args, "digest", Json::value_t::string, "sha256:HEX"), size,
                           offset, *data);
    return Json{{"held", held.held}, {"complete", held.complete}};
  } catch (const util::BlobError& e) {
    throw DeployError(e.what(), true);
  }
}

::drover::deploy::Deployment parseStored(const Json& doc, const util::BlobStore& blobs) {
  std::map<std::string, ::drover::deploy::Blob> given;
  const Json blobsGiven = doc.value("blobs", Json::object());
  for (const auto& [path, digest] : blobsGiven.items()) {
    if (!digest.is_string()) continue;  // not a blob: the loader says the bundle is missing
    auto file = blobs.find(digest.get<std::string>());
    if (!file) continue;
    std::error_code ec;
    auto bytes = std::filesystem::file_size(*file, ec);
    if (!ec) given[path] = {digest.get<std::string>(), bytes};
  }
  std::map<std::string, std::string> files;
  const Json filesGiven = doc.value("files", Json::object());
  for (const auto& [path, text] : filesGiven.items())
    if (text.is_string()) files[path] = text.get<std::string>();
  auto source = ::drover::deploy::givenSource(std::move(given), std::move(files));
  return ::drover::deploy::parseDeployment(doc.value("text", ""), doc.value("file", "deployment"),
                                           *source);
}

// The file is loaded again here, with what was uploaded: the provisioner trusts no
// check made by the client.
Json DeploymentKeeper::up(const Json& args, const std::string& by) {
  if (!args.is_object()) throw DeployError("arguments must be an object", true);
  Json doc = Json::object();
  doc["file"] = member(args, "file", Json::value_t::string, "the file's name");
  doc["text"] = member(args, "text", Json::value_t::string, "the file's YAML");
  doc["blobs"] = args.value("blobs", Json::object());
  doc["files"] = args.value("files", Json::object());
  if (doc["text"].get_ref<const std::string&>().size() > kMaxTextBytes)
    throw DeployError("the deployment file is larger than 1 MiB", true);
  if (!doc["blobs"].is_object() || !doc["files"].is_object() || doc["files"].size() > kMaxFiles)
    throw DeployError("'blobs' and 'files' must be objects (at most 1000 files)", true);
  for (const auto& [path, text] : doc["files"].items()) {
    if (!text.is_string() || text.get_ref<const std::string&>().size() > kMaxFileBytes)
      throw DeployError("file " + path + ": must be text of at most 1 MiB", true);
  }
  ::drover::deploy::Deployment spec;
  try {
    spec = parseStored(doc, blobs_);
  } catch (const ::drover::deploy::DeploymentError& e) {
    throw DeployError(e.what(), true);
  }
  checkFlows(spec);
  if (!launcher_) throw DeployError("no launcher: " + launcherError_);
  return upParsed(std::move(spec), std::move(doc), by);
}

// Every pool's flow is one this provisioner has loaded ("" is its default flow).
void DeploymentKeeper::checkFlows(const ::drover::deploy::Deployment& spec) const {
  std::string problems, known;
  for (const auto& name : options_.flows) known += (known.empty() ? "" : ", ") + name;
  std::set<std::string> told;
  for (const auto& pool : spec.pools) {
    if (pool.flow.empty() ||
        std::find(options_.flows.begin(), options_.flows.end(), pool.flow) != options_.flows.end())
      continue;
    if (!told.insert(pool.flowWhere).second) continue;  // one line for defaults.flow
    problems += (problems.empty() ? "" : "\n") + pool.flowWhere + ": no flow '" + pool.flow +
                "' on this provisioner (it has " + known +
                "; its deployments.flow_files adds flows)";
  }
  if (!problems.empty()) throw DeployError(problems, true);
}

// The bundles no deployment's file names go once older than an hour (an upload for an
// `up` still to come is younger). Called without our lock: it walks the directory.
void DeploymentKeeper::sweepBlobs() {
  std::set<std::string> keep;
  {
    Lock lock(mutex_);
    for (const auto& [name, d] : deployments_) {
      Json blobs = d->doc.value("blobs", Json::object());  // items() of a temporary dangles
      for (const auto& [path, digest] : blobs.items()) {
        if (digest.is_string()) keep.insert(digest.get<std::string>());
      }
    }
  }
  if (std::size_t removed = blobs_.sweep(keep, std::chrono::hours(1)); removed > 0) {
    logger()->info("{} bundle(s) no deployment names removed from {}", removed,
                   blobs_.dir().string());
  }
}

// Outside our lock: the engine calls engineChanged with its lock held.
void DeploymentKeeper::assignFlows(const std::vector<std::pair<std::string, std::string>>& flows) {
  if (!engine_.assignFlow) return;
  for (const auto& [identity, flow] : flows) {
    std::string name = flow.empty() && !options_.flows.empty() ? options_.flows.front() : flow;
    if (std::string refused = engine_.assignFlow(identity, name); !refused.empty()) {
      logger()->warn("member={}: {}", identity, refused);
    }
  }
}

Json DeploymentKeeper::upParsed(::drover::deploy::Deployment spec, Json doc,
                                const std::string& by) {
  std::int64_t now = clock_();
  LaunchJob job;
  Json out;
  {
    Lock lock(mutex_);
    Deployment* d = find(spec.name);
    if (d && d->down) throw DeployError("deployment " + spec.name + " is being taken down");
    if (!d) {
      auto made = std::make_unique<Deployment>();
      made->name = spec.name;
      d = made.get();
      deployments_[spec.name] = std::move(made);
      doc["created_ms"] = now;
    } else {
      doc["created_ms"] = d->doc.value("created_ms", now);
    }
    doc["by"] = by;
    d->doc = std::move(doc);
    d->spec = std::move(spec);
    d->loaded = true;
    job.deployment = d->name;
    plan(*d, job, now);
    retryFailed(*d, job, now);
    touch(*d);
    out = Json{{"deployment", d->name},
               {"launched", job.launch},
               {"stopping", job.stop},
               {"members", membersOf(d->name).size()}};
  }
  store_.sync();  // the Launching records are on disk before the launcher is asked
  std::vector<std::pair<std::string, std::string>> flows;
  {
    Lock lock(mutex_);
    for (const auto& identity : job.launch)
      flows.emplace_back(identity, members_.at(identity).flow);
  }
  assignFlows(flows);  // before the launcher starts them: their first registration counts
  logger()->info("deployment {} up by {}: {} to launch, {} to stop", job.deployment, by,
                 job.launch.size(), job.stop.size());
  {
    Lock lock(mutex_);
    launchJobs_.push_back(std::move(job));
  }
  launcherWake_.notify_one();
  notifyChanged();
  sweepBlobs();  // a bundle the file replaced
  return out;
}

// Each pool's live members against its count; a pool no longer in the file goes whole.
void DeploymentKeeper::plan(Deployment& d, LaunchJob& job, std::int64_t now) {
  std::map<std::string, std::vector<::drover::deploy::SlotRecord>> byPool;
  for (const auto& identity : membersOf(d.name)) {
    const DeploymentMember& m = members_.at(identity);
    byPool[m.pool].push_back(slotRecord(m));
  }
  // Pools others require are launched first.
  for (const auto& poolName : d.spec.order) {
    const auto& pool = *d.spec.pool(poolName);
    auto plan = ::drover::deploy::planPool(pool, byPool[pool.name]);
    for (int slot : plan.launch) {
      DeploymentMember m;
      m.identity = ::drover::deploy::slotIdentity(d.name, pool.name, slot);
      m.deployment = d.name;
      m.pool = pool.name;
      m.slot = slot;
      m.phase = MemberPhase::Launching;
      m.step = "launching";
      m.updatedMs = now;
      m.launchedMs = now;
      m.flow = pool.flow;
      members_[m.identity] = m;
      save(m);
      job.launch.push_back(m.identity);
    }
    for (const auto& identity : plan.stop) markStopping(members_.at(identity), job, now);
    byPool.erase(pool.name);
  }
  for (const auto& [pool, records] : byPool) {
    for (const auto& record : records) {
      DeploymentMember& m = members_.at(record.identity);
      if (m.phase != MemberPhase::Stopping) markStopping(m, job, now);
    }
  }
}

void DeploymentKeeper::markStopping(DeploymentMember& m, LaunchJob& job, std::int64_t now) {
  m.phase = MemberPhase::Stopping;
  m.step = "stopping";
  m.waitingFor.clear();
  m.updatedMs = now;
  save(m);
  job.stop.push_back(m.identity);
}

// Whether a member that is done has a stage whose bundle changed in the file since.
static bool stagesChanged(const DeploymentMember& m, const ::drover::deploy::Pool* pool) {
  if (!pool) return false;
  std::vector<::drover::deploy::StageRecord> records;
  for (const auto& run : m.stages) records.push_back({run.stage, run.digest, run.exitCode});
  return ::drover::deploy::nextStage(pool->stages, records, true).has_value();
}

// `up` again asks a failed member to go on from where it stopped: a failed stage runs
// again, a failed launch is made again. A flow failure is the flow's (drover provision
// retry). A member that is done goes through its files and stages again when a stage's
// bundle changed: the changed stages run, the others are passed.
void DeploymentKeeper::retryFailed(Deployment& d, LaunchJob& job, std::int64_t now) {
  for (const auto& identity : membersOf(d.name)) {
    DeploymentMember& m = members_.at(identity);
    if (m.phase == MemberPhase::Done && stagesChanged(m, d.spec.pool(m.pool))) {
      m.phase = MemberPhase::Waiting;
      m.step = "a stage changed";
      m.updatedMs = now;
      save(m);
      wakeLocked(identity);
      continue;
    }
    if (m.phase != MemberPhase::Failed || m.failedInFlow) continue;
    m.phase = m.launcherId.empty() ? MemberPhase::Launching : MemberPhase::Wiring;
    if (m.launcherId.empty()) m.launchedMs = now;
    m.step = m.launcherId.empty() ? "launching again" : "going on after a failure";
    m.error.clear();
    m.updatedMs = now;
    save(m);
    if (m.phase == MemberPhase::Launching)
      job.launch.push_back(identity);
    else
      wakeLocked(identity);
  }
}

Json DeploymentKeeper::down(const std::string& name, const std::string& by) {
  LaunchJob job;
  {
    Lock lock(mutex_);
    Deployment* d = find(name);
    if (!d) throw DeployError("no deployment '" + name + "'");
    d->down = true;
    d->doc["down"] = true;
    job.deployment = name;
    std::int64_t now = clock_();
    for (const auto& identity : membersOf(name)) {
      DeploymentMember& m = members_.at(identity);
      if (m.phase != MemberPhase::Stopping) markStopping(m, job, now);
    }
    touch(*d);
  }
  store_.sync();
  logger()->info("deployment {} down by {}: {} member(s) to stop", name, by, job.stop.size());
  Json out = Json{{"deployment", name}, {"stopping", job.stop}};
  {
    Lock lock(mutex_);
    launchJobs_.push_back(std::move(job));
  }
  launcherWake_.notify_one();
  notifyChanged();
  return out;
}

std::optional<Json> DeploymentKeeper::status(const std::string& name) const {
  Lock lock(mutex_);
  const Deployment* d = find(name);
  if (!d) return std::nullopt;
  Json members = Json::array();
  for (const auto& identity : membersOf(name)) {
    const DeploymentMember& m = members_.at(identity);
    Json entry = statusJson(m);
    // Done, but not yet holding what its peers look like now: the deployment is not done.
    if (m.phase == MemberPhase::Done && m.waitingFor.empty()) {
      Json behind = Json::array();
      if (m.factsSent < d->factsVersion)
        behind.push_back("cluster facts version " + std::to_string(d->factsVersion));
      if (d->spec.sshTrust && m.trustSent < d->trustVersion)
        behind.push_back("SSH trust version " + std::to_string(d->trustVersion));
      if (!behind.empty()) entry["waiting_for"] = behind;
    }
    members.push_back(std::move(entry));
  }
  return Json{{"name", name},
              {"state", stateOf(*d)},
              {"version", d->version},
              {"facts_version", d->factsVersion},
              {"trust_version", d->trustVersion},
              {"file", d->doc.value("file", "")},
              {"members", members}};
}

Json DeploymentKeeper::list() const {
  Lock lock(mutex_);
  Json out = Json::array();
  for (const auto& [name, d] : deployments_) {
    auto identities = membersOf(name);
    auto done = std::count_if(identities.begin(), identities.end(), [&](const std::string& id) {
      return members_.at(id).phase == MemberPhase::Done;
    });
    out.push_back(Json{
        {"name", name}, {"state", stateOf(*d)}, {"members", identities.size()}, {"done", done}});
  }
  return Json{{"deployments", out}};
}

std::int64_t DeploymentKeeper::version(const std::string& name) const {
  Lock lock(mutex_);
  const Deployment* d = find(name);
  return d ? d->version : -1;
}

// running: members on their way; done: all done, each holding the latest cluster facts
// and trust; failed: one failed (the others may go on); stopping: `down` under way; down:
// every member stopped.
std::string DeploymentKeeper::stateOf(const Deployment& d) const {
  auto identities = membersOf(d.name);
  if (d.down) return identities.empty() ? "down" : "stopping";
  bool failed = false, allDone = true;
  for (const auto& identity : identities) {
    const DeploymentMember& m = members_.at(identity);
    failed = failed || m.phase == MemberPhase::Failed;
    bool current =
        m.factsSent >= d.factsVersion && (!d.spec.sshTrust || m.trustSent >= d.trustVersion);
    allDone = allDone && m.phase == MemberPhase::Done && current;
  }
  if (failed) return "failed";
  return allDone && wantedMembers(d) == identities.size() ? "done" : "running";
}

std::size_t DeploymentKeeper::wantedMembers(const Deployment& d) const {
  std::size_t wanted = 0;
  for (const auto& pool : d.spec.pools) wanted += static_cast<std::size_t>(pool.count);
  return wanted;
}

std::vector<std::string> DeploymentKeeper::membersOf(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [identity, m] : members_)
    if (m.deployment == name) out.push_back(identity);
  return out;
}

void DeploymentKeeper::save(const DeploymentMember& m) {
  store_.putDeploymentMember(m.identity, m.deployment, toJson(m));
}

void DeploymentKeeper::saveDeployment(const Deployment& d) {
  Json doc = d.doc;
  doc["version"] = d.version;
  doc["facts_version"] = d.factsVersion;
  doc["trust_version"] = d.trustVersion;
  store_.putDeployment(d.name, doc);
}

// Anything status shows changed: a new version, and the waits parked on it answered.
void DeploymentKeeper::touch(Deployment& d) {
  ++d.version;
  saveDeployment(d);
  changedPending_ = true;
}

void DeploymentKeeper::notifyChanged() {
  bool pending;
  {
    Lock lock(mutex_);
    pending = changedPending_;
    changedPending_ = false;
  }
  if (pending && changed_) changed_();
}

}  // namespace drover::provisioner
