// drover __complete WORDS...: the candidates for the last word, one per line, for the
// shell's completion function (etc/bash_completion/drover). Not listed in --help.
#include <cstdio>

#include "cli/commands/commands.hpp"
#include "cli/completion.hpp"

namespace drover::cli {

namespace {

// The global flags typed before the word (--config, --ddl-dirs, --completion-cache) say
// which DDLs and cache to complete from, as they would for the command.
void applyGlobalFlags(CLI::App& app, const std::vector<std::string>& words) {
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.size() < 2 || word[0] != '-') continue;
    auto equals = word.find('=');
    CLI::Option* option = app.get_option_no_throw(word.substr(0, equals));
    if (option == nullptr || option->get_type_size() == 0) continue;
    std::string value;
    if (equals != std::string::npos) {
      value = word.substr(equals + 1);
    } else if (i + 2 < words.size()) {  // a value, not the word being completed
      value = words[++i];
    } else {
      continue;
    }
    try {
      option->clear();
      option->add_result(value);
      option->run_callback();
    } catch (const CLI::Error&) {  // a bad value: the command will say so; complete anyway
    }
  }
}

}  // namespace

int runCompletion(Context& context, const std::vector<std::string>& words) {
  applyGlobalFlags(context.app(), words);
  try {
    context.finishConfig();  // the DDL directories client.yaml names
  } catch (const std::exception&) {
    // A broken client.yaml still completes commands and flags, with the default DDLs.
  }
  CompletionCache cache(context.config().completionCache);
  Completions found = complete(context.app(), context.ddls(), cache, words);
  for (const auto& word : found.words) std::printf("%s\n", word.c_str());
  // Exit status 4 asks the shell to complete a file name instead.
  return found.files ? 4 : kExitOk;
}

void rememberNodes(Context& context, const rpc::CallResult& result) noexcept {
  try {
    CompletionCache cache(context.config().completionCache);
    std::vector<std::string> senders;
    for (const auto& reply : result.replies) senders.push_back(reply.sender);
    cache.addIdentities(senders);
    cache.save();
  } catch (const std::exception&) {  // completion is a convenience, never a failure
  }
}

}  // namespace drover::cli
