#pragma once
// Named validators: what a DDL input may give as `validation` instead of a regex. These
// are the ones MCollective ships (shellsafe, ipv4address, ipv6address, ipaddress) and the
// ones the Choria plugins' DDLs name (puppet_variable, puppet_tags, puppet_server_address,
// service_name, package_name, nettest_fqdn), each with the rule its plugin documents.
// Another name loads with a warning, and every value sent for its input is refused
// (validator.hpp), so no input is silently left unchecked.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}  // namespace re2

namespace drover::ddl {

/// Why `value` fails a validator, or nullopt when it passes. Never throws.
using NamedCheck = std::optional<std::string> (*)(std::string_view value);

/// The validator called `name`, or nullptr when there is none.
NamedCheck findNamedValidator(std::string_view name);

/// Names of all named validators, in a stable order.
std::vector<std::string_view> namedValidatorNames();

/// True when `validation` is spelled as a validator name, a lower-case identifier such
/// as "shellsafe", rather than a regex. A regex meant to match a bare word is written
/// "^word$" or "(word)".
bool isValidatorName(std::string_view validation);

/// Compiles a validation regex with RE2, whose matching is linear in the input: these
/// regexes run on arguments from the network. Throws std::invalid_argument carrying
/// RE2's reason when the pattern does not compile.
std::shared_ptr<const re2::RE2> compileValidationRegex(const std::string& pattern);

}  // namespace drover::ddl
