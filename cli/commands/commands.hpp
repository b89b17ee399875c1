#pragma once
// Each `drover` subcommand registers itself on the app; when chosen, its callback
// stores the work to run in `chosen`, which main runs after parsing and config.
#include <functional>

#include "cli/context.hpp"
#include "core/rpc/call_builder.hpp"

namespace drover::cli {

using Command = std::function<int()>;

void addPing(Context& context, Command& chosen);
void addFind(Context& context, Command& chosen);
void addRpc(Context& context, Command& chosen);
void addFacts(Context& context, Command& chosen);
void addInventory(Context& context, Command& chosen);
void addPlugin(Context& context, Command& chosen);
void addDdl(Context& context, Command& chosen);
void addCert(Context& context, Command& chosen);
void addProvision(Context& context, Command& chosen);
void addNotify(Context& context, Command& chosen);
void addName(Context& context, Command& chosen);
void addDeploy(Context& context, Command& chosen);

/// `drover __complete WORDS...` (cli/completion.hpp), run before the flags are parsed:
/// the words are a partial command line, not this command's arguments.
int runCompletion(Context& context, const std::vector<std::string>& words);

/// Records in the completion cache (cli/completion_cache.hpp) the nodes that answered
/// `result`, so their identities complete next time. Never throws.
void rememberNodes(Context& context, const rpc::CallResult& result) noexcept;

/// Asks the `provisioner` agent (provisioner/control.hpp) `action`: a broadcast every
/// provisioner answers, or only `provisioner` when given (--provisioner). The call waits
/// the configured timeout, at least `atLeast` (an action that holds its reply back, as
/// deploy_wait does) unless --timeout was given.
rpc::CallResult askProvisioners(Context& context, const std::string& provisioner,
                                const std::string& action, Json args,
                                std::chrono::milliseconds atLeast = {});

/// kExitOk when some provisioner answered; else says "no provisioner answered" on
/// stderr (naming the silent one asked) and returns kExitNoNodes.
int noProvisioner(const rpc::CallResult& result);

/// Shows what the provisioners answered: --json prints the result as it is; otherwise
/// "no provisioner answered", each refusal as "sender: message", and `print` for each
/// OK reply. The exit code: OK when some provisioner accepted.
int showProvisionerReplies(Context& context, const rpc::CallResult& result,
                           const std::function<void(const rpc::NodeReply&)>& print);

/// The filter a call to the flags' nodes carries: none when exact -I values name them
/// (the call's targets are the identities resolved from them), else the flags' filter.
/// Throws UsageError naming a malformed flag.
std::string requestFilter(Context& context);

/// Discovers (or takes from the flags) the nodes a call addresses, applying --limit.
/// Returns an empty list when discovery found nothing.
std::vector<std::string> resolveTargets(Context& context, const std::string& agent);

/// A request of `agent`'s `action` to what the discovery flags select: the filter, the
/// known nodes (-I, --nodes) or, with --limit, the sampled matches; with the flags' quiet
/// window, timeout and TTL floor.
rpc::CallBuilder flaggedRequest(Context& context, const std::string& agent,
                                const std::string& action);

}  // namespace drover::cli
