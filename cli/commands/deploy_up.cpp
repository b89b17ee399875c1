// drover deploy up FILE: the file is loaded here first (a bad file exits 2 before
// anything is sent); every bundle it uses goes to the provisioner in chunks unless it
// holds it already; deploy_up hands over the text, the bundles' digests and the files;
// then deploy_wait (a long poll: the reply comes when the status's version moves past
// the one given) shows each member change as one line, until the deployment is done or
// a member failed. Ctrl-C ends only the following: the provisioner goes on.
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "cli/commands/deploy.hpp"
#include "cli/commands/deploy_file.hpp"
#include "cli/commands/deploy_text.hpp"
#include "core/util/clock.hpp"
#include "notifiers/duration.hpp"

namespace drover::cli {
namespace {

using namespace std::chrono_literals;

// Longest single deploy_wait: the provisioner answers at the latest then, with the same
// version, and the next call goes out at once.
constexpr std::chrono::milliseconds kWaitSlice = 25s;
// How much longer than the long poll the call waits for its reply.
constexpr std::chrono::milliseconds kReplyMargin = 10s;

// What SIGINT writes before exiting: composed before the handler is installed.
char interruptNote[512];

extern "C" void onInterrupt(int) {
  ssize_t ignored = ::write(STDERR_FILENO, interruptNote, std::strlen(interruptNote));
  (void)ignored;
  ::_exit(128 + SIGINT);
}

void noteInterrupt(const std::string& provisioner, const std::string& name) {
  std::snprintf(interruptNote, sizeof interruptNote,
                "\ninterrupted: provisioner %s goes on with deployment %s; follow it with "
                "`drover deploy status %s`\n",
                provisioner.c_str(), name.c_str(), name.c_str());
  struct sigaction action {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
}

void printLine(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void uploadBlobs(ProvisionerCall& ask, const DeployFile& file, bool json) {
  for (const auto& [relpath, blob] : file.blobs) {
    std::size_t chunks =
        uploadBlob(blob, [&ask](const Json& args) { return ask("deploy_put_blob", args); });
    if (!json) {
      printLine(relpath + ": " +
                (chunks == 1 && blob.size > kChunkBytes
                     ? "held already"
                     : "sent in " + std::to_string(chunks) + " chunk(s)") +
                " (" + blob.digest + ", " + std::to_string(blob.size) + " bytes)");
    }
  }
}

Json upArgs(const DeployFile& file) {
  Json blobs = Json::object();
  for (const auto& [relpath, blob] : file.blobs) blobs[relpath] = blob.digest;
  return Json{
      {"file", file.fileName}, {"text", file.text}, {"blobs", blobs}, {"files", file.files}};
}

void showProgress(const Json& before, const Json& after, bool json) {
  if (json) return printLine(after.dump());
  for (const auto& line : progressLines(before, after)) printLine(line);
}

int finish(const Json& status, int code, bool json) {
  if (json) return code;
  const std::string name = status.value("name", "");
  if (code == kExitOk) {
    printLine("deployment " + name + ": done");
    return code;
  }
  for (const auto& member : status.value("members", Json::array())) {
    if (member.value("state", "") == "failed") std::printf("\n%s", failureText(member).c_str());
  }
  printLine("deployment " + name + ": failed");
  return code;
}

std::chrono::milliseconds remaining(util::SteadyClock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - util::SteadyClock::now());
}

// The long poll must end before the call stops waiting for its reply: a --timeout given
// before `deploy` (the seconds any one call waits) shortens it.
std::chrono::milliseconds waitSlice(Context& context, std::chrono::milliseconds left) {
  const auto callWait = context.timeout(kWaitSlice + kReplyMargin);
  return std::min({kWaitSlice, left, callWait * 4 / 5});
}

int follow(Context& context, ProvisionerCall& ask, const std::string& name,
           std::chrono::milliseconds limit) {
  const bool json = context.output().json;
  noteInterrupt(ask.provisioner(), name);
  const auto deadline = util::SteadyClock::now() + limit;
  Json status = ask("deploy_status", {{"name", name}});
  showProgress(Json::object(), status, json);
  for (;;) {
    if (auto code = outcomeOf(status)) return finish(status, *code, json);
    const auto left = remaining(deadline);
    if (left <= 0ms) {
      std::fprintf(stderr,
                   "drover: deployment %s is still on its way; follow it with "
                   "`drover deploy status %s`\n",
                   name.c_str(), name.c_str());
      return kExitFailed;
    }
    const auto slice = waitSlice(context, left);
    Json next = ask("deploy_wait",
                    {{"name", name},
                     {"version", status.value("version", Json())},
                     {"timeout_ms", slice.count()}},
                    slice + kReplyMargin);
    showProgress(status, next, json);
    status = std::move(next);
  }
}

std::chrono::milliseconds followLimit(const DeployFlags& flags) {
  if (flags.timeout.empty()) return std::chrono::hours(24 * 365);
  return *notifiers::parseDuration(flags.timeout);  // checked when parsed
}

int deploy(Context& context, const DeployFlags& flags, const DeployFile& file) {
  const bool json = context.output().json;
  ProvisionerCall ask(context,
                      flags.provisioner.empty() ? chooseProvisioner(context) : flags.provisioner);
  uploadBlobs(ask, file, json);
  Json reply = ask("deploy_up", upArgs(file));
  json ? printLine(reply.dump()) : printLine(upText(reply));
  const std::string name = reply.value("deployment", file.name);
  if (flags.noWait) {
    if (!json) printLine("follow it with `drover deploy status " + name + "`");
    return kExitOk;
  }
  try {
    return follow(context, ask, name, followLimit(flags));
  } catch (const ProvisionerError& e) {
    // The provisioner has the deployment: it goes on whatever became of this call.
    std::fprintf(stderr, "drover: %s; follow deployment %s with `drover deploy status %s`\n",
                 e.what(), name.c_str(), name.c_str());
    return e.exitCode();
  }
}

}  // namespace

int runDeployUp(Context& context, const DeployFlags& flags) {
  DeployFile file;
  try {
    file = readDeployFile(flags.file);
  } catch (const DeployFileError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitUsage;
  }
  try {
    return deploy(context, flags, file);
  } catch (const ProvisionerError& e) {
    std::fprintf(stderr, "drover: %s\n", e.what());
    return e.exitCode();
  } catch (const UploadError& e) {
    std::fprintf(stderr, "drover: %s\n", e.what());
    return kExitFailed;
  }
}

}  // namespace drover::cli
