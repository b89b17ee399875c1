#include "cli/completion.hpp"

#include <algorithm>
#include <set>

namespace drover::cli {
namespace {

// Where the words before the one completed left the parse.
struct Position {
  const CLI::App* app = nullptr;
  const CLI::Option* awaiting = nullptr;  // the option whose value is being completed
  std::vector<std::string> positionals;   // values given so far to the command
};

bool hidden(const CLI::Option* option) { return option->get_group().empty(); }

// An option of `app` or, where it lets its flags fall through, of its parents.
const CLI::Option* findOption(const CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      if (!option->get_positional() && option->check_name(name)) return option;
    }
    if (!app->get_fallthrough()) break;
  }
  return nullptr;
}

const CLI::App* findSubcommand(const CLI::App* app, const std::string& name) {
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->check_name(name)) return sub;
  }
  return nullptr;
}

Position walk(const CLI::App& root, const std::vector<std::string>& before) {
  Position at{&root, nullptr, {}};
  for (const auto& word : before) {
    if (at.awaiting != nullptr) {
      at.awaiting = nullptr;
      continue;
    }
    if (word.size() > 1 && word[0] == '-') {
      std::string name = word.substr(0, word.find('='));
      const CLI::Option* option = findOption(at.app, name);
      if (option != nullptr && option->get_type_size() != 0 && name == word) at.awaiting = option;
      continue;
    }
    if (at.positionals.empty()) {
      if (const CLI::App* sub = findSubcommand(at.app, word)) {
        at.app = sub;
        continue;
      }
    }
    at.positionals.push_back(word);
  }
  return at;
}

std::vector<std::string> optionNames(const CLI::App* app) {
  std::vector<std::string> names;
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      if (option->get_positional() || hidden(option)) continue;
      for (const auto& name : option->get_lnames()) names.push_back("--" + name);
      for (const auto& name : option->get_snames()) names.push_back("-" + name);
    }
    if (!app->get_fallthrough()) break;
  }
  return names;
}

std::vector<std::string> factNamesWithEquals(const CompletionCache& cache) {
  std::vector<std::string> out;
  for (const auto& [name, values] : cache.facts()) out.push_back(name + "=");
  return out;
}

// fact=value: the fact names, then, once the name is typed, the values seen for it.
std::vector<std::string> factComparisons(const CompletionCache& cache, const std::string& word) {
  auto equals = word.find('=');
  if (equals == std::string::npos) return factNamesWithEquals(cache);
  std::string name = word.substr(0, equals);
  std::vector<std::string> out;
  auto it = cache.facts().find(name);
  if (it != cache.facts().end()) {
    for (const auto& value : it->second) out.push_back(name + "=" + value);
  }
  return out;
}

const ddl::Action* actionOf(const ddl::Repository& ddls, const std::vector<std::string>& given) {
  if (given.size() < 2) return nullptr;
  const ddl::Ddl* ddl = ddls.find(given[0]);
  if (ddl == nullptr) return nullptr;
  for (const auto& action : ddl->actions) {
    if (action.name == given[1]) return &action;
  }
  return nullptr;
}

Completions forOption(const CLI::Option* option, const ddl::Repository& ddls,
                      const CompletionCache& cache, const std::string& word) {
  const std::string name = option->get_lnames().empty() ? "" : option->get_lnames().front();
  Completions out;
  if (name == "wf") {
    out.words = factComparisons(cache, word);
  } else if (name == "wc") {
    out.words.assign(cache.classes().begin(), cache.classes().end());
  } else if (name == "wa") {
    out.words = ddls.agents();
  } else if (name == "wi") {
    out.words.assign(cache.identities().begin(), cache.identities().end());
  } else if (name == "dm" || name == "discovery-method") {
    out.words = {"broadcast", "registry", "nodes"};
  } else if (name == "bus-transport") {
    out.words = {"zmq", "nats"};
  } else if (name == "log-level") {
    out.words = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  } else {
    const std::string type = option->get_type_name();
    out.files =
        type == "FILE" || type == "PATH" || type == "DIR" || name == "nodes" || name == "config";
  }
  return out;
}

// A command's positional arguments complete by what they are named.
Completions forPositional(const Position& at, const ddl::Repository& ddls,
                          const CompletionCache& cache) {
  std::vector<const CLI::Option*> positionals =
      at.app->get_options([](const CLI::Option* option) { return option->get_positional(); });
  Completions out;
  if (positionals.empty()) return out;
  std::size_t index = std::min(at.positionals.size(), positionals.size() - 1);
  std::string name = positionals[index]->get_name();
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  if (name == "agent") {
    out.words = ddls.agents();
  } else if (name == "action") {
    if (const ddl::Ddl* ddl = ddls.find(at.positionals.front())) {
      for (const auto& action : ddl->actions) out.words.push_back(action.name);
    }
  } else if (name == "arguments") {  // key=value for the action's inputs
    if (const ddl::Action* action = actionOf(ddls, at.positionals)) {
      for (const auto& input : action->inputs) out.words.push_back(input.name + "=");
    }
  } else if (name == "node") {
    out.words.assign(cache.identities().begin(), cache.identities().end());
  } else if (name == "fact") {
    for (const auto& [fact, values] : cache.facts()) out.words.push_back(fact);
  } else if (name == "file") {
    out.files = true;
  }
  return out;
}

}  // namespace

Completions complete(const CLI::App& root, const ddl::Repository& ddls,
                     const CompletionCache& cache, const std::vector<std::string>& words) {
  std::string word = words.empty() ? "" : words.back();
  std::vector<std::string> before(words.begin(), words.end() - (words.empty() ? 0 : 1));
  Position at = walk(root, before);
  Completions out;
  if (at.awaiting != nullptr) {
    out = forOption(at.awaiting, ddls, cache, word);
  } else if (!word.empty() && word[0] == '-') {
    out.words = optionNames(at.app);
  } else {
    out = forPositional(at, ddls, cache);
    if (at.positionals.empty()) {
      for (const CLI::App* sub : at.app->get_subcommands([](const CLI::App*) { return true; })) {
        if (!sub->get_group().empty()) out.words.push_back(sub->get_name());
      }
    }
  }
  std::set<std::string> unique;
  for (auto& candidate : out.words) {
    if (candidate.starts_with(word)) unique.insert(std::move(candidate));
  }
  out.words.assign(unique.begin(), unique.end());
  return out;
}

}  // namespace drover::cli
