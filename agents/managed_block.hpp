#pragma once
// A block of lines an agent owns inside a file others edit too (the names block of the
// hosts file, the deployment's block of authorized_keys and ssh_known_hosts):
//
//   # BEGIN <what> (managed: do not edit, version 7)
//   ...
//   # END <what>
//
// Only the block is ever rewritten; every line outside it stays byte for byte. A file
// without a block gets it at its end.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace drover::agents {

struct BlockMarkers {
  std::string_view begin;  // "# BEGIN drover names": the start of the opening line
  std::string_view end;    // "# END drover names": the closing line
  std::string_view what;   // "names block", for errors
};

/// `begin` " (managed: do not edit, version N)\n", then `body` (a final newline added
/// when missing), then `end` "\n".
std::string renderManagedBlock(const BlockMarkers& markers, std::int64_t version,
                               std::string_view body);

/// `content` with its block replaced by `block` (or `block` appended when it has none,
/// after a newline ending its last line). A second block (edited in by hand) is dropped.
/// Lines inside the old block for which `keep` is true move out just before it (a line
/// another writer owns must never be lost). Throws std::runtime_error naming the line
/// of a block that is opened and never closed: guessing where it ends could drop the
/// administrator's lines.
std::string withManagedBlock(std::string_view content, std::string_view block,
                             const BlockMarkers& markers,
                             const std::function<bool(std::string_view)>& keep = {});

/// True when `line` is one of the two marker lines.
bool isMarkerLine(std::string_view line, const BlockMarkers& markers);

}  // namespace drover::agents
