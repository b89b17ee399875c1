#pragma once
// What `drover deploy` prints for people, from the provisioner's JSON (provisioner/control.hpp,
// the deploy_* actions: the status of deploy_status and deploy_wait, the
// replies of deploy_up and deploy_list). Pure: deploy.cpp asks and prints, these only
// format and decide, so they are tested alone. A missing field shows as "-"; nothing
// here throws on a short reply.
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::cli {

/// One member as it stands: "shop-app-0 app-0: waiting (configure); waiting for
/// db-master.address" (its state, then its step when that says more), then the newest
/// stage result ("; stage 1 exit 0 in 420 ms") and the member's error, when it has them.
std::string memberLine(const Json& member);

/// One memberLine for each member that is new or changed from `before` to `after`
/// (statuses; members matched by identity), and "IDENTITY: gone" for each that left.
std::vector<std::string> progressLines(const Json& before, const Json& after);

/// MEMBER NAME ADDRESS STEP WAITING FOR: one row per member, STEP as memberLine says it;
/// a failed member shows
/// "failed: stage N exit C" (or its error) in the last column.
std::string statusTable(const Json& members);

/// What went wrong with a failed member: its failed stage's exit code and duration and
/// its output tail (indented), or its error.
std::string failureText(const Json& member);

/// The whole of deploy status: "deployment NAME: STATE, N member(s)", the table, then
/// failureText of every failed member.
std::string statusText(const Json& status);

/// NAME STATE MEMBERS DONE, one row per deployment of deploy_list.
std::string listTable(const Json& deployments);

/// deploy_up's reply: "deployment shop: 7 member(s); launched 3: a, b, c; stopping 0".
std::string upText(const Json& reply);

/// deploy_down's reply: the members stopped and names released.
std::string downText(const Json& reply);

/// How `drover deploy up` ends on this status: 0 when the deployment is done, 1 when a
/// member (or the deployment) failed; std::nullopt while it is still on its way.
std::optional<int> outcomeOf(const Json& status);

}  // namespace drover::cli
