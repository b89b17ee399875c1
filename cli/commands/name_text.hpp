#pragma once
// What `drover name` prints for people, from the provisioner's JSON (the shapes of
// provisioner/control.hpp, the names actions: Holding, HistoryRow, Change). Pure: the
// command (name.cpp) asks and prints, these only format, so they are tested alone.
// A field missing from the JSON shows as "-"; nothing here throws on a short reply.
#include <cstdint>
#include <string>
#include <vector>

#include "core/util/json.hpp"

namespace drover::cli {

/// A field of `object` as text (strings as they are, other values as JSON); "" when the
/// field is missing or null, or `object` is no object.
std::string fieldText(const Json& object, const char* key);

/// Columns padded to their widest cell (two spaces apart), the last one unpadded; the
/// first row is the header.
std::string columns(const std::vector<std::vector<std::string>>& rows);

/// The table of `names` (the provisioner's `names` list): NAME NODE ADDRESS ALIASES
/// SINCE LIVE. A reservation shows "(reserved)" in NODE, after the node it waits for.
std::string holdingsTable(const Json& holdings);

/// One holding as "key: value" lines (name_show's `holding`).
std::string holdingText(const Json& holding);

/// A name's history, oldest first: AT KIND NAME NODE FROM BY DETAIL, where FROM is the
/// previous name and node.
std::string historyTable(const Json& history);

/// One change as a sentence: "renamed db-master (node-3) to db-slave-1", or with
/// `dryRun` "would rename db-master (node-3) to db-slave-1"; its detail after "; ".
std::string changeLine(const Json& change, bool dryRun);

}  // namespace drover::cli
