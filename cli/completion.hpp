#pragma once
// Shell completion for `drover`: what may come next on a command line, from the app's
// own subcommands and flags (CLI11's tree, so a new command completes without being
// listed here), the DDLs (agents, their actions and inputs) and the completion cache
// (identities, facts, classes). etc/bash_completion/drover asks `drover __complete WORDS`.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/completion_cache.hpp"
#include "core/ddl/repository.hpp"

namespace drover::cli {

struct Completions {
  std::vector<std::string> words;  // candidates that start with the word being completed
  bool files = false;              // the word is a file name: let the shell complete it
};

/// `words` are the command line's words after the program name, the last being the one
/// under completion (empty for a new word).
Completions complete(const CLI::App& root, const ddl::Repository& ddls,
                     const CompletionCache& cache, const std::vector<std::string>& words);

}  // namespace drover::cli
