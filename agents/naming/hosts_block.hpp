#pragma once
// The names block of the node's hosts file: every name of the collective, pushed by the
// provisioner (naming#update_hosts), between two marker lines:
//
//   # BEGIN drover names (managed: do not edit, version 7)
//   <legacy updater output, if configured>
//   10.0.0.5 db-master.example.internal db-master mongo
//   # END drover names
//
// Only the block is ever rewritten: every line outside it stays byte for byte (the
// node's own entries, the provision agent's "# drover: puppet server" entry). A file
// without a block gets it at its end. The marker handling is agents/managed_block.hpp's,
// shared with the cluster agent's deployment blocks.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/json.hpp"

namespace drover::agents::naming {

inline constexpr std::string_view kBlockBegin = "# BEGIN drover names";
inline constexpr std::string_view kBlockEnd = "# END drover names";
inline constexpr std::size_t kMaxEntries = 20000;
inline constexpr std::size_t kMaxNamesPerEntry = 64;

/// One hosts line: an address and the names that resolve to it.
struct HostsEntry {
  std::string address;
  std::vector<std::string> names;
};

/// Input that is refused as a whole; the message names the entry and field.
class BadEntries : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The entries of an update_hosts request: at most kMaxEntries, each with an IPv4 or
/// IPv6 address and 1..kMaxNamesPerEntry valid host names. Throws BadEntries naming
/// the first bad one: "entries[3].names[1]: 'Web_1' may hold only ...".
std::vector<HostsEntry> entriesFrom(const Json& entries);

/// The block, marker lines included, each line ending in '\n'. The first name of an
/// entry is written qualified with `domain` (when set) before its short form; the
/// others as given. `legacy` goes first, as it is (a final newline added).
std::string renderBlock(std::int64_t version, std::string_view domain, std::string_view legacy,
                        const std::vector<HostsEntry>& entries);

/// `content` with its names block replaced by `block` (or `block` appended when it has
/// none, after a newline ending its last line). Lines of the provision agent found
/// inside the old block move out just before it, so that entry is never lost. Throws
/// std::runtime_error naming the line of a block that is opened and never closed:
/// guessing where it ends could drop the administrator's lines.
std::string withBlock(std::string_view content, std::string_view block);

/// True when `line` is one of the two marker lines (as a legacy updater must not print).
bool isMarkerLine(std::string_view line);

}  // namespace drover::agents::naming
