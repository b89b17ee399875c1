// drover ddl import FILE.ddl...: MCollective's Ruby agent DDLs as Drover JSON DDLs
// (core/ddl/ruby_import.hpp). All files convert or nothing is written.
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands/commands.hpp"
#include "core/ddl/ruby_import.hpp"
#include "core/util/files.hpp"

namespace drover::cli {
namespace {

namespace fs = std::filesystem;

struct ImportFlags {
  std::vector<std::string> files;
  std::string outputDir;
  bool force = false;
};

// Every file converted, or every error said and nullopt.
std::optional<std::vector<ddl::ImportedDdl>> convertAll(const std::vector<std::string>& files) {
  std::vector<ddl::ImportedDdl> out;
  bool failed = false;
  for (const auto& file : files) {
    try {
      out.push_back(ddl::importRubyDdlFile(file));
    } catch (const ddl::ImportError& e) {
      std::fprintf(stderr, "drover: %s\n", e.what());
      failed = true;
    }
  }
  if (failed) return std::nullopt;
  return out;
}

// Where each DDL goes; nullopt (having said why) when two share an agent or a file
// would be overwritten without --force.
std::optional<std::vector<fs::path>> targets(const ImportFlags& flags,
                                             const std::vector<ddl::ImportedDdl>& ddls) {
  std::vector<fs::path> out;
  std::map<std::string, std::string> seen;
  bool ok = true;
  for (const auto& imported : ddls) {
    fs::path path = fs::path(flags.outputDir) / (imported.agent + ".json");
    auto [it, fresh] = seen.emplace(imported.agent, imported.ddl.source);
    if (!fresh) {
      std::fprintf(stderr, "drover: %s and %s both define agent '%s'\n", it->second.c_str(),
                   imported.ddl.source.c_str(), imported.agent.c_str());
      ok = false;
    }
    std::error_code ec;
    if (!flags.force && fs::exists(path, ec)) {
      std::fprintf(stderr, "drover: %s exists (give --force to replace it)\n",
                   path.string().c_str());
      ok = false;
    }
    out.push_back(std::move(path));
  }
  if (!ok) return std::nullopt;
  return out;
}

int runImport(const ImportFlags& flags) {
  if (flags.files.size() > 1 && flags.outputDir.empty()) {
    throw UsageError("several files need --output-dir DIR (one AGENT.json each)");
  }
  auto ddls = convertAll(flags.files);
  if (!ddls) return kExitFailed;
  for (const auto& imported : *ddls) {
    for (const auto& warning : imported.warnings) {
      std::fprintf(stderr, "drover: warning: %s\n", warning.c_str());
    }
  }
  if (flags.outputDir.empty()) {
    std::fputs(ddls->front().json.c_str(), stdout);
    return kExitOk;
  }
  auto paths = targets(flags, *ddls);
  if (!paths) return kExitFailed;
  try {
    fs::create_directories(flags.outputDir);
    for (std::size_t i = 0; i < ddls->size(); ++i) {
      util::writeFileAtomically((*paths)[i], (*ddls)[i].json);
      std::fprintf(stderr, "drover: wrote %s\n", (*paths)[i].string().c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover: %s\n", e.what());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

void addDdl(Context& context, Command& chosen) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* ddl = context.app().add_subcommand("ddl", "Agent DDL files");
  ddl->require_subcommand(1);
  CLI::App* importer = ddl->add_subcommand(
      "import",
      "Convert MCollective agent DDLs (Ruby, agent/NAME.ddl) to Drover JSON DDLs, without "
      "running Ruby");
  importer->add_option("files", flags->files, "MCollective agent DDL files")->required();
  importer->add_option("-o,--output-dir", flags->outputDir,
                       "Write DIR/AGENT.json for each file (default: one file, to stdout)");
  importer->add_flag("--force", flags->force, "Replace existing files in --output-dir");
  importer->footer(
      "The agent is named after the file, as in MCollective. What cannot be converted is an\n"
      "error naming FILE:LINE and nothing is written (exit 1); what is left out without\n"
      "changing which requests pass is a warning on stderr. Put the output in a directory of\n"
      "ddl_dirs to use the agent (see `drover plugin doc AGENT`).");
  importer->callback([&chosen, flags] { chosen = [flags] { return runImport(*flags); }; });
}

}  // namespace drover::cli
