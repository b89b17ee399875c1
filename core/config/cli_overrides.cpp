#include "core/config/cli_overrides.hpp"

#include <system_error>

#include <CLI/CLI.hpp>

namespace drover::config {
namespace {

const char* typeName(Type type) {
  switch (type) {
    case Type::Int: return "INT";
    case Type::Double: return "NUMBER";
    case Type::Bool: return "BOOL";
    case Type::Milliseconds: return "MS";
    case Type::Seconds: return "SECONDS";
    case Type::StringList: return "LIST";
    case Type::Path: return "PATH";
    case Type::String: break;
  }
  return "TEXT";
}

std::string helpText(const OptionSpec& spec, const std::string& shownDefault) {
  if (shownDefault.empty() || shownDefault == "\"\"" || shownDefault == "[]")
    return spec.description;
  return spec.description + " [default: " + shownDefault + "]";
}

}  // namespace

void CliOverrides::addFlags(CLI::App& app) {
  app.add_option("-c,--config", configArg_, "Configuration file (YAML); flags override it")
      ->type_name("FILE");
  for (const auto& flag : flags_) addFlag(app, flag);
}

void CliOverrides::addFlag(CLI::App& app, const Flag& flag) {
  const std::string& key = flag.spec.key;
  std::string help = helpText(flag.spec, flag.shownDefault);
  CLI::Option* option = nullptr;
  if (flag.spec.type == Type::StringList) {
    auto store = [this, key](const std::vector<std::string>& texts) { given_[key] = texts; };
    // One value per use (a,b or the flag repeated): a greedy list would swallow the
    // arguments that follow it, such as drover rpc's key=value inputs.
    option = app.add_option_function<std::vector<std::string>>(flag.spec.flag, store, help)
                 ->delimiter(',')
                 ->expected(1)
                 ->take_all()
                 ->allow_extra_args(false);
  } else {
    auto store = [this, key](const std::string& text) { given_[key] = {text}; };
    option = app.add_option_function<std::string>(flag.spec.flag, store, help);
  }
  option->type_name(typeName(flag.spec.type))->group("Settings (override the config file)");
  if (flag.spec.type == Type::Bool) option->expected(0, 1);  // a bare --flag means true
}

std::filesystem::path CliOverrides::configFile() const {
  if (!configArg_.empty()) return configArg_;
  std::error_code ignored;
  if (!defaultFile_.empty() && std::filesystem::exists(defaultFile_, ignored)) return defaultFile_;
  return {};
}

void CliOverrides::apply(const std::vector<Binding>& fields, Diagnostics& diag) const {
  for (const auto& binding : fields) {
    auto given = given_.find(binding.spec->key);
    if (given == given_.end()) continue;
    std::vector<std::string> texts = given->second;
    if (texts == std::vector<std::string>{""}) texts.clear();  // --agents-dir '' empties a list
    if (binding.spec->type == Type::Bool && texts.empty()) texts = {"true"};
    std::string problem =
        binding.spec->type == Type::StringList
            ? assignList(*binding.spec, binding.field, texts)
            : assignText(*binding.spec, binding.field, texts.empty() ? "" : texts.back());
    Origin origin;
    origin.flag = binding.spec->flag;
    if (problem.empty())
      diag.setOrigin(binding.spec->key, origin);
    else
      diag.badValue(origin, binding.spec->key, problem);
  }
}

}  // namespace drover::config
