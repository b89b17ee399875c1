#pragma once
// Principals and their roles. Every certificate the collective's CA issues carries its
// role twice, and a verifier demands that both agree:
//
//   1. in its name (the subject CN), by suffix:
//        admin        "<user>.admin"         e.g. "alice.admin"
//        provisioner  "<name>.provisioner"   e.g. "prov1.provisioner"
//        node         any other valid name   e.g. "web1.example.com"
//      so a node can never be named like an admin and policy files that match on
//      the caller's name ("alice.admin") cannot be satisfied by a node's certificate;
//   2. in a subjectAltName URI "drover:role:<role>" (exactly one), so a certificate
//      cannot be given a role by choosing a name alone: the CA adds the URI only for
//      the role it was asked to sign, after checking that the name fits that role.
//
// A valid name is 1..253 characters of [A-Za-z0-9._-], starting and ending with a
// letter or digit, with no ".." (names end up in files and log lines).
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace drover::security {

enum class Role { Admin, Node, Provisioner };

/// The prefix of the subjectAltName URI that carries a certificate's role.
inline constexpr std::string_view kRoleUriPrefix = "drover:role:";
inline constexpr std::string_view kAdminSuffix = ".admin";
inline constexpr std::string_view kProvisionerSuffix = ".provisioner";

/// "admin", "node" or "provisioner".
std::string_view toString(Role role);

/// The role called `text`, or nothing for an unknown word.
std::optional<Role> parseRole(std::string_view text);

/// "drover:role:<role>", as written into certificates.
std::string roleUri(Role role);

/// True if `name` may name a principal (see the header comment).
bool isValidName(std::string_view name);

/// The role a valid name's suffix stands for (Node when it has neither suffix).
Role roleForName(std::string_view name);

/// Throws std::invalid_argument naming the name and the rule it breaks, when `name`
/// is not valid or its suffix does not stand for `role`.
void checkNameForRole(std::string_view name, Role role);

}  // namespace drover::security
