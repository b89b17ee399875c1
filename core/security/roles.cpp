#include "core/security/roles.hpp"

#include <algorithm>

namespace drover::security {
namespace {

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isNameChar(char c) { return isAlnum(c) || c == '.' || c == '-' || c == '_'; }

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view toString(Role role) {
  switch (role) {
    case Role::Admin: return "admin";
    case Role::Node: return "node";
    case Role::Provisioner: return "provisioner";
  }
  return "unknown";
}

std::optional<Role> parseRole(std::string_view text) {
  for (Role role : {Role::Admin, Role::Node, Role::Provisioner}) {
    if (text == toString(role)) return role;
  }
  return std::nullopt;
}

std::string roleUri(Role role) { return std::string(kRoleUriPrefix) + std::string(toString(role)); }

bool isValidName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (!isAlnum(name.front()) || !isAlnum(name.back())) return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), isNameChar);
}

Role roleForName(std::string_view name) {
  if (endsWith(name, kAdminSuffix)) return Role::Admin;
  if (endsWith(name, kProvisionerSuffix)) return Role::Provisioner;
  return Role::Node;
}

void checkNameForRole(std::string_view name, Role role) {
  std::string quoted = "'" + std::string(name) + "'";
  if (!isValidName(name)) {
    throw std::invalid_argument("name " + quoted +
                                " is not valid (1-253 of A-Z a-z 0-9 . _ -, no '..')");
  }
  Role implied = roleForName(name);
  if (implied == role) return;
  if (role == Role::Node) {
    throw std::invalid_argument("node name " + quoted +
                                " must not end in '.admin' or '.provisioner'");
  }
  throw std::invalid_argument(std::string(toString(role)) + " name " + quoted + " must end in '." +
                              std::string(toString(role)) + "'");
}

}  // namespace drover::security
