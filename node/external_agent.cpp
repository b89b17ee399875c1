#include "node/external_agent.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "core/ddl/loader.hpp"
#include "core/log/log.hpp"
#include "core/util/subprocess.hpp"

namespace drover::node {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;
using std::chrono::milliseconds;

constexpr const char* kProtocol = "drover.external/1";
constexpr int kMaxNesting = 64;  // deeper replies could exhaust the stack when encoded
constexpr std::size_t kOutputCap = std::size_t{1} << 20;
constexpr milliseconds kKillGrace{1000};
constexpr int kDefaultTimeoutSeconds = 10;  // for a DDL that sets no positive timeout

const log::Logger logger{"drover.node.external"};

// ---- running one request ---------------------------------------------------------

std::string requestDocument(const std::string& agent, const agents::Request& request) {
  Json doc = {{"protocol", kProtocol},    {"agent", agent},
              {"action", request.action}, {"request_id", request.requestId},
              {"caller", request.caller}, {"args", request.args}};
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

util::SubprocessOptions processOptions(const fs::path& program, const std::string& agent,
                                       const agents::Request& request) {
  util::SubprocessOptions opts;
  opts.workingDir = program.parent_path();
  opts.environment = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "DROVER_AGENT=" + agent,
                      "DROVER_ACTION=" + request.action, "DROVER_REQUEST_ID=" + request.requestId};
  opts.maxOutputBytes = kOutputCap;
  opts.killGrace = kKillGrace;
  return opts;
}

// The DDL timeout, cut short by the request's deadline (when it has one).
// Throws ActionError when the deadline has already passed.
milliseconds timeoutFor(const ddl::Metadata& metadata, const agents::Request& request) {
  milliseconds limit =
      std::chrono::seconds(metadata.timeout > 0 ? metadata.timeout : kDefaultTimeoutSeconds);
  if (request.deadline != std::chrono::steady_clock::time_point{}) {
    auto left =
        std::chrono::ceil<milliseconds>(request.deadline - std::chrono::steady_clock::now());
    limit = std::min(limit, left);
  }
  if (limit.count() <= 0) {
    throw agents::ActionError(StatusCode::UnknownError,
                              "deadline passed before the program started");
  }
  return limit;
}

std::string secondsText(milliseconds ms) { return fmt::format("{:g}", ms.count() / 1000.0); }

std::string lastNonEmptyLine(const std::string& text) {
  std::size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return {};
  std::size_t begin = text.find_last_of('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(begin, end - begin + 1);
}

// Parses stdout as one JSON object whose "data", if present, is an object.
// Throws std::exception with the reason (nlohmann's parser message names the spot).
Json parseReply(const std::string& out) {
  if (out.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw std::runtime_error("nothing on stdout, expected one JSON object");
  }
  auto limitNesting = [](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxNesting) {
      throw std::runtime_error(fmt::format("nested deeper than {} levels", kMaxNesting));
    }
    return true;
  };
  Json reply = Json::parse(out, limitNesting);
  if (!reply.is_object()) {
    throw std::runtime_error(std::string("expected a JSON object, got ") + reply.type_name());
  }
  if (reply.contains("data") && !reply["data"].is_object() && !reply["data"].is_null()) {
    throw std::runtime_error("\"data\" must be a JSON object");
  }
  return reply;
}

Json dataOf(const Json& reply) {
  auto it = reply.find("data");
  return it != reply.end() && it->is_object() ? *it : Json::object();
}

// The program's own explanation: "error", else its last stderr line, else the status.
std::string failureMessage(const Json& reply, const util::SubprocessResult& result) {
  auto error = reply.find("error");
  if (error != reply.end() && !error->is_null()) {
    return error->is_string() ? error->get<std::string>() : error->dump();
  }
  std::string line = lastNonEmptyLine(result.err);
  return line.empty() ? fmt::format("exited with status {}", result.exitCode) : line;
}

// Throws ActionError for the outcomes the program itself cannot have meant.
void rejectAbnormalEnd(const util::SubprocessResult& result, milliseconds timeout) {
  if (result.timedOut) {
    throw agents::ActionError(StatusCode::UnknownError, "timed out after " + secondsText(timeout) +
                                                            " s (process group killed)");
  }
  if (result.outputTruncated) {
    throw agents::ActionError(StatusCode::UnknownError,
                              fmt::format("wrote more than the {} byte output cap", kOutputCap));
  }
  if (result.signal != 0) {
    const char* abbrev = sigabbrev_np(result.signal);
    throw agents::ActionError(StatusCode::UnknownError,
                              fmt::format("killed by signal {} (SIG{})", result.signal,
                                          abbrev != nullptr ? abbrev : "?"));
  }
}

agents::Reply interpret(const util::SubprocessResult& result, milliseconds timeout) {
  rejectAbnormalEnd(result, timeout);
  Json reply = Json::object();
  try {
    reply = parseReply(result.out);
  } catch (const std::exception& e) {
    if (result.exitCode == 0) {
      throw agents::ActionError(StatusCode::UnknownError,
                                std::string("produced malformed output: ") + e.what());
    }
  }
  if (result.exitCode != 0 || (reply.contains("error") && !reply["error"].is_null())) {
    return {{StatusCode::Aborted, failureMessage(reply, result)}, dataOf(reply)};
  }
  return {{StatusCode::Ok, ""}, dataOf(reply)};
}

// ---- loading agents from directories ---------------------------------------------

// One agent turned away, and the file at fault.
class Rejected : public std::runtime_error {
 public:
  Rejected(fs::path file, const std::string& reason)
      : std::runtime_error(reason), file_(std::move(file)) {}
  const fs::path& file() const { return file_; }

 private:
  fs::path file_;
};

bool isAgentName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Unknown permissions (stat failed) are left for the next step to report properly.
bool worldWritable(fs::perms perms) {
  return perms != fs::perms::unknown && (perms & fs::perms::others_write) != fs::perms::none;
}

// Throws Rejected unless `program` is a regular, executable, not world-writable file.
void checkProgram(const fs::path& program, const fs::path& ddlPath) {
  std::error_code ec;
  auto status = fs::status(program, ec);
  if (!fs::exists(status)) {
    throw Rejected(program,
                   "missing: " + ddlPath.filename().string() + " has no program beside it");
  }
  if (!fs::is_regular_file(status)) throw Rejected(program, "not a regular file");
  constexpr auto kAnyExec = fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  if ((status.permissions() & kAnyExec) == fs::perms::none) {
    throw Rejected(program, "not executable (no execute permission bit)");
  }
  if (worldWritable(status.permissions())) {
    throw Rejected(program, "world-writable: anyone could change what it runs");
  }
}

// Throws Rejected naming the DDL, or whatever ddl::loadFile throws.
ddl::Ddl loadDdl(const fs::path& ddlPath, const std::string& name) {
  std::error_code ec;
  if (worldWritable(fs::status(ddlPath, ec).permissions())) {
    throw Rejected(ddlPath, "world-writable: anyone could relax its input validation");
  }
  if (!isAgentName(name)) {
    throw Rejected(ddlPath, "\"" + name + "\" is not an agent name (use a-z, 0-9 and _)");
  }
  ddl::Ddl loaded = ddl::loadFile(ddlPath);
  if (loaded.metadata.name != name) {
    throw Rejected(ddlPath, "metadata.name is \"" + loaded.metadata.name +
                                "\" but the file is named for agent \"" + name + "\"");
  }
  return loaded;
}

using Seen = std::map<std::string, fs::path>;  // agent name -> DDL it came from

std::unique_ptr<agents::Agent> loadAgent(const fs::path& ddlPath, Seen& seen) {
  const std::string name = ddlPath.stem().string();
  const fs::path program = ddlPath.parent_path() / name;
  ddl::Ddl loaded = loadDdl(ddlPath, name);
  checkProgram(program, ddlPath);
  auto [it, fresh] = seen.emplace(name, ddlPath);
  if (!fresh) {
    throw Rejected(ddlPath, "agent " + name + " is already loaded from " + it->second.string());
  }
  logger()->info("external agent loaded: agent={} program={}", name, program.string());
  return std::make_unique<ExternalAgent>(std::move(loaded), program);
}

// The DDL files of one directory, sorted. Throws Rejected naming the directory.
std::vector<fs::path> ddlFilesIn(const fs::path& dir) {
  std::error_code ec;
  if (worldWritable(fs::status(dir, ec).permissions())) {
    throw Rejected(dir, "world-writable directory: anyone could swap its programs");
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) throw Rejected(dir, "cannot read directory: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

void reject(ExternalAgentLoad& load, const fs::path& file, const std::string& reason) {
  logger()->warn("external agent skipped: file={} reason={}", file.string(), reason);
  load.errors.emplace_back(file.string(), reason);
}

// Runs `step`, recording a Rejected or any other failure against `file`.
template <typename Step>
void guarded(ExternalAgentLoad& load, const fs::path& file, Step&& step) {
  try {
    step();
  } catch (const Rejected& e) {
    reject(load, e.file(), e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    reject(load, file, e.what());
  }
}

void loadDirectory(const fs::path& dir, ExternalAgentLoad& load, Seen& seen) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    logger()->debug("external agent directory absent: dir={}", dir.string());
    return;
  }
  std::vector<fs::path> files;
  guarded(load, dir, [&] { files = ddlFilesIn(dir); });
  for (const auto& ddlPath : files) {
    guarded(load, ddlPath, [&] { load.agents.push_back(loadAgent(ddlPath, seen)); });
  }
}

}  // namespace

// One program serves every action its DDL lists; the handler uses `this` only when
// called, once the agent is fully built.
ExternalAgent::ExternalAgent(const ddl::Ddl& ddl, const std::filesystem::path& program)
    : agents::Agent(ddl, agents::everyAction(
                             ddl, [this](const agents::Request& request) { return run(request); })),
      program_(std::filesystem::absolute(program)) {}

void ExternalAgent::logFailure(const agents::Request& request, const std::string& message) const {
  logger()->info("external agent failed: agent={} action={} request={} message={}", name(),
                 request.action, request.requestId, message);
}

agents::Reply ExternalAgent::run(const agents::Request& request) {
  const milliseconds timeout = timeoutFor(ddl().metadata, request);
  auto result =
      util::runProcess({program_.string(), request.action}, requestDocument(name(), request),
                       timeout, processOptions(program_, name(), request));
  logger()->debug(
      "external agent ran: agent={} action={} request={} exit={} signal={} elapsed={}ms", name(),
      request.action, request.requestId, result.exitCode, result.signal, result.elapsed.count());
  try {
    agents::Reply reply = interpret(result, timeout);
    if (!reply.status.ok()) logFailure(request, reply.status.message);
    return reply;
  } catch (const agents::ActionError& e) {
    logFailure(request, e.what());
    throw;
  }
}

ExternalAgentLoad loadExternalAgents(const std::vector<std::filesystem::path>& dirs) {
  ExternalAgentLoad load;
  Seen seen;
  for (const auto& dir : dirs) loadDirectory(dir, load, seen);
  return load;
}

}  // namespace drover::node
