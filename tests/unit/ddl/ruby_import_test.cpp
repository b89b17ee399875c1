// `drover ddl import` (core/ddl/ruby_import.hpp): a DDL written for these tests that uses
// every construct (data/ruby/deployer.ddl) converts, loads and checks requests as
// MCollective would; everything that does not convert is an error naming file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/ddl/plugin_doc.hpp"
#include "core/ddl/ruby_import.hpp"
#include "core/ddl/validator.hpp"

namespace drover::ddl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::filesystem::path kDeployer =
    std::filesystem::path(DROVER_SOURCE_DIR) / "tests/unit/ddl/data/ruby/deployer.ddl";

// Line 1 is the metadata, line 2 opens action "run": `body` starts on line 3.
std::string agent(const std::string& body) {
  return "metadata :name => \"t\", :description => \"d\", :author => \"a\", :license => \"l\", "
         ":version => \"1\", :url => \"u\", :timeout => 5\n"
         "action \"run\", :description => \"Run\" do\n" +
         body + "end\n";
}

std::string importError(const std::string& text, const std::string& source = "agent/t.ddl") {
  try {
    importRubyDdl(text, source);
  } catch (const ImportError& e) {
    return e.what();
  }
  return "(converted)";
}

std::vector<std::string> warningsOf(const std::string& text) {
  return importRubyDdl(text, "agent/t.ddl").warnings;
}

std::string input(const std::string& name, const std::string& properties) {
  return "  input :" + name + ", :prompt => \"P\", :description => \"D\", " + properties + "\n";
}

std::vector<std::string> rules(const Action& action, Json args) {
  std::vector<std::string> out;
  for (const auto& violation : validate(action, args)) out.push_back(violation.rule);
  return out;
}

TEST(RubyImport, ConvertsEveryConstruct) {
  ImportedDdl imported = importRubyDdlFile(kDeployer);
  EXPECT_EQ(imported.agent, "deployer");
  const Ddl& ddl = imported.ddl;
  EXPECT_EQ(ddl.metadata.description, "Deploys releases");
  EXPECT_EQ(ddl.metadata.version, "1.2");
  EXPECT_EQ(ddl.metadata.url, "https://example.com/deployer");
  EXPECT_EQ(ddl.metadata.timeout, 60);
  ASSERT_EQ(ddl.actions.size(), 2u);
  const Action& deploy = ddl.actions[0];
  EXPECT_EQ(deploy.display, DisplayPolicy::Always);
  std::vector<std::string> names;
  for (const auto& in : deploy.inputs) names.push_back(in.name);
  EXPECT_THAT(names,
              ElementsAre("release", "environment", "host", "tag", "command", "batch", "ratio",
                          "weight", "force", "options", "files", "mode", "address6"));
  EXPECT_EQ(deploy.findInput("release")->validation, "^[\\w\\-\\.]+$");
  EXPECT_EQ(deploy.findInput("release")->maxlength, 40u);
  EXPECT_THAT(deploy.findInput("environment")->list, ElementsAre("staging", "production"));
  EXPECT_EQ(deploy.findInput("tag")->validation, "(?i)^v\\d+$");
  EXPECT_EQ(deploy.findInput("batch")->defaultValue, Json(-1));
  EXPECT_EQ(deploy.findInput("options")->defaultValue, Json({{"retries", 3}, {"quiet", true}}));
  EXPECT_EQ(deploy.findInput("files")->defaultValue, Json({"a", "b\tc", "\u00e9"}));
  EXPECT_EQ(deploy.findInput("mode")->type, InputType::List);
  EXPECT_EQ(deploy.findInput("address6")->validation, "ipv6address");
  EXPECT_EQ(deploy.findOutput("status")->defaultValue, Json("unknown"));
  ASSERT_EQ(deploy.aggregates.size(), 4u);
  EXPECT_EQ(deploy.aggregates[1].args, Json({{"format", "Mean: %.1f"}}));
  EXPECT_EQ(deploy.aggregates[3].function, "boolean_summary");
  const Action& status = ddl.actions[1];
  EXPECT_EQ(status.description, "Status of the release\n");
  EXPECT_EQ(status.display, DisplayPolicy::Ok);
  EXPECT_THAT(imported.warnings, ElementsAre(HasSubstr("deployer.ddl:14: `requires`")));
  EXPECT_THAT(pluginDoc(ddl), HasSubstr("Deploy a release"));
}

TEST(RubyImport, TakesAndRefusesWhatMcollectiveDoes) {
  ImportedDdl imported = importRubyDdlFile(kDeployer);
  const Action& deploy = *imported.ddl.findAction("deploy");
  Json ok = {{"release", "1.0-rc"},
             {"environment", "production"},
             {"host", "10.0.0.1"},
             {"tag", "V12"},
             {"command", "restart web"},
             {"batch", 5},
             {"ratio", 0.25},
             {"weight", 3},
             {"force", true},
             {"options", Json::object()},
             {"files", Json::array()},
             {"mode", "safe"},
             {"address6", "::1"}};
  EXPECT_THAT(rules(deploy, ok), IsEmpty());
  EXPECT_THAT(rules(deploy, {{"release", "a"}}), IsEmpty());
  EXPECT_THAT(rules(deploy, Json::object()), ElementsAre("required"));
  EXPECT_THAT(rules(deploy, {{"release", "a b"}}), ElementsAre("regex"));
  EXPECT_THAT(rules(deploy, {{"release", std::string(41, 'a')}}), ElementsAre("maxlength"));
  EXPECT_THAT(rules(deploy, {{"release", 5}}), ElementsAre("type"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"environment", "dev"}}), ElementsAre("list"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"host", "10.0.0"}}), ElementsAre("ipv4address"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"tag", "12"}}), ElementsAre("regex"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"command", "ls; rm"}}), ElementsAre("shellsafe"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"batch", "5"}}), ElementsAre("type"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"force", "yes"}}), ElementsAre("type"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"mode", "fest"}}), ElementsAre("list"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"address6", "1.2.3.4"}}),
              ElementsAre("ipv6address"));
  EXPECT_THAT(rules(deploy, {{"release", "a"}, {"colour", "red"}}), ElementsAre("unknown"));
}

TEST(RubyImport, ReadsRubyLiterals) {
  std::string text =
      agent(input("a",
                  ":type => :string, :optional => true, :maxlength => 0,\n"
                  "    :validation => \"\\\\d\\x41\\u{42 43}\\101\" 'x' \\\n"
                  "      \"y\"") +
            input("b", "type: :integer, optional: true, default: 0b101") +
            input("c", ":type => :integer, :optional => true, :default => 0o17 + 0") +
            "  output :o, :description => 'it''s', :display_as => 'O'\n");
  EXPECT_EQ(importError(text),
            "agent/t.ddl:7: cannot convert Ruby expression `0o17 + 0` in input :c :default");
  text = agent(input("a",
                     ":type => :string, :optional => true, :maxlength => 0,\n"
                     "    :validation => \"\\\\d\\x41\\u{42 43}\\101\" 'x' \\\n"
                     "      \"y\"") +
               input("b", "type: :integer, optional: true, default: 0b101") +
               input("c", ":type => :integer, :optional => true, :default => 017") +
               "  output :o, :description => 'it''s', :display_as => 'O' # comment\n");
  ImportedDdl imported = importRubyDdl(text, "agent/t.ddl");
  const Action& run = imported.ddl.actions[0];
  EXPECT_EQ(run.findInput("a")->validation, "\\dABCAxy");
  EXPECT_EQ(run.findInput("b")->defaultValue, Json(5));
  EXPECT_EQ(run.findInput("c")->defaultValue, Json(15));
  EXPECT_EQ(run.findOutput("o")->description, "its");
}

TEST(RubyImport, ReadsHeredocsAndPercentLiterals) {
  std::string text =
      "metadata :name => \"t\", :description => <<~ONE + \"\", :author => <<-'TWO',\n"
      "    first\n"
      "      indented \\t\n"
      "  ONE\n"
      "raw \\t #{x}\n"
      "    TWO\n"
      "  :license => \"l\", :version => \"1\", :url => \"u\", :timeout => 5\n";
  EXPECT_EQ(importError(text),
            "agent/t.ddl:1: cannot convert Ruby expression `<<~ONE + \"\"` in metadata "
            ":description");
  text =
      "metadata :name => \"t\", :description => <<~ONE, :author => <<-'TWO',\n"
      "    first\n"
      "      indented \\t\n"
      "  ONE\n"
      "raw \\t #{x}\n"
      "    TWO\n"
      "  :license => \"l\", :version => \"1\", :url => \"u\", :timeout => 5\n"
      "action \"run\", :description => \"Run\" do\n" +
      input("a", ":type => :array, :optional => true, :default => %i[x y]") +
      input("b", ":type => :array, :optional => true, :default => %w(p\\ q r)") +
      input("c",
            ":type => :string, :optional => true, :maxlength => 0, :validation => "
            "%r{^/etc/\\w+$}, :default => :\"/etc/hosts\"") +
      "end\n";
  ImportedDdl imported = importRubyDdl(text, "agent/t.ddl");
  EXPECT_EQ(imported.ddl.metadata.description, "first\n  indented \t\n");
  EXPECT_EQ(imported.ddl.metadata.author, "raw \\t #{x}\n");
  EXPECT_EQ(imported.ddl.metadata.license, "l");
  const Action& run = imported.ddl.actions[0];
  EXPECT_EQ(run.findInput("a")->defaultValue, Json({"x", "y"}));
  EXPECT_EQ(run.findInput("b")->defaultValue, Json({"p q", "r"}));
  EXPECT_EQ(run.findInput("c")->validation, "^/etc/\\w+$");
  EXPECT_EQ(run.findInput("c")->defaultValue, Json("/etc/hosts"));
  EXPECT_EQ(run.findInput("a")->name, "a");
}

TEST(RubyImport, KeepsABareWordARegex) {
  std::string text = agent(input("a",
                                 ":type => :string, :optional => true, :maxlength => 20, "
                                 ":validation => 'web'"));
  ImportedDdl imported = importRubyDdl(text, "agent/t.ddl");
  const Action& run = imported.ddl.actions[0];
  EXPECT_EQ(run.findInput("a")->validation, "(?:web)");
  EXPECT_THAT(rules(run, {{"a", "a webserver"}}), IsEmpty());
  EXPECT_THAT(rules(run, {{"a", "db"}}), ElementsAre("regex"));
}

TEST(RubyImport, NilValidationChecksNothing) {
  std::string text = agent(input("a",
                                 ":type => :string, :optional => false, :maxlength => 3, "
                                 ":validation => nil"));
  ImportedDdl imported = importRubyDdl(text, "agent/t.ddl");
  const Action& run = imported.ddl.actions[0];
  EXPECT_TRUE(run.findInput("a")->validation.empty());
  EXPECT_THAT(rules(run, {{"a", "$;|"}}), IsEmpty());
}

TEST(RubyImport, WarnsOfWhatItLeavesOut) {
  std::string text =
      "metadata :name => \"other\", :description => \"d\", :author => \"a\", :license => \"l\", "
      ":version => \"1\", :url => \"u\", :timeout => 5, :color => 'red'\n"
      "action \"run\", :description => \"Run\" do\n"
      "  display :flatten\n" +
      input("n", ":type => :integer, :optional => true, :validation => '^\\d+$', :hint => 1") +
      "  output :o, :description => 'O', :display_as => 'O', :unit => 's'\n"
      "  summarize do\n"
      "    aggregate summary(:o), :format => '%s'\n"
      "    aggregate nettest_mma(:o)\n"
      "  end\n"
      "end\n"
      "usage 'text'\n";
  EXPECT_THAT(
      warningsOf(text),
      ElementsAre(
          "agent/t.ddl:1: metadata :name 'other' is not the agent's name 't' (MCollective names "
          "an agent after its DDL file): the DDL is for 't'",
          "agent/t.ddl:1: metadata :color has no place in a Drover DDL; left out",
          "agent/t.ddl:3: display :flatten (deprecated in MCollective) is shown as :always",
          "agent/t.ddl:4: input :n :validation is never applied by MCollective to a :integer "
          "input; left out",
          "agent/t.ddl:4: input :n :hint has no place in a Drover DDL; left out",
          "agent/t.ddl:5: output :o :unit has no place in a Drover DDL; left out",
          "agent/t.ddl:7: options given to aggregate itself are never read by MCollective; left "
          "out (give them to the function)",
          "agent/t.ddl:11: `usage` has no place in a Drover DDL; left out",
          HasSubstr("aggregate function 'nettest_mma' is unknown to this Drover")));
}

struct ErrorCase {
  std::string text;
  std::string error;
};

class RubyImportErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RubyImportErrors, NamesFileAndLine) {
  EXPECT_EQ(importError(GetParam().text), GetParam().error);
}

const std::string kString = ":type => :string, :optional => true, :maxlength => 9, ";

INSTANTIATE_TEST_SUITE_P(
    Converter, RubyImportErrors,
    ::testing::Values(
        ErrorCase{agent(input("path", kString + ":validation => File.exist?(x)")),
                  "agent/t.ddl:3: cannot convert Ruby expression `File.exist?(x)` in input :path "
                  ":validation"},
        ErrorCase{agent("  output :o, :description => \"#{x}\", :display_as => 'O'\n"),
                  "agent/t.ddl:3: cannot convert Ruby expression `\"#{x}\"` in output :o "
                  ":description"},
        ErrorCase{"metadata :name => 't'\n",
                  "agent/t.ddl:1: metadata needs a :description property"},
        ErrorCase{"metadata 'x'\n",
                  "agent/t.ddl:1: cannot convert Ruby expression `'x'` in "
                  "metadata"},
        ErrorCase{"# nothing\n", "agent/t.ddl:1: no metadata: not an MCollective DDL"},
        ErrorCase{agent("") + "metadata :name => 't'\n", "agent/t.ddl:4: metadata given twice"},
        ErrorCase{"metadata :name => \"t\", :description => \"d\", :author => \"a\", :license => "
                  "\"l\", :version => \"1\", :url => \"u\", :timeout => 5\n\n",
                  "agent/t.ddl:1: declares no action: not an agent DDL"},
        ErrorCase{"metadata :name => \"t\", :description => \"d\", :author => \"a\", :license => "
                  "\"l\", :version => \"1\", :url => \"u\", :timeout => 1.5\n",
                  "agent/t.ddl:1: metadata :timeout must be a whole number of seconds, got "
                  "`1.5`"},
        ErrorCase{"dataquery :description => 'x' do\nend\n",
                  "agent/t.ddl:1: `dataquery` declares a data plugin: only agent DDLs can be "
                  "imported"},
        ErrorCase{"discovery do\n  capabilities :identity\nend\n",
                  "agent/t.ddl:1: `discovery` declares a discovery plugin: only agent DDLs can "
                  "be imported"},
        ErrorCase{"input :a, {}\n", "agent/t.ddl:1: `input` outside an action"},
        ErrorCase{"require 'json'\n",
                  "agent/t.ddl:1: cannot convert Ruby expression `require 'json'` in the top "
                  "level"},
        ErrorCase{agent("") + "action \"run\", :description => \"again\"\n",
                  "agent/t.ddl:4: action 'run' declared twice"},
        ErrorCase{agent("") + "action \"Run-it\", :description => \"x\"\n",
                  "agent/t.ddl:4: action name 'Run-it' is not one Drover takes (use a-z, 0-9 "
                  "and _)"},
        ErrorCase{agent("") + "action :go, :description => \"x\"\n",
                  "agent/t.ddl:4: action :go is named by a symbol, which MCollective never "
                  "matches to a request: write \"go\""},
        ErrorCase{agent("") + "action \"go\", :summary => \"x\"\n",
                  "agent/t.ddl:4: action needs a :description property"},
        ErrorCase{agent("  puts 'hi'\n"),
                  "agent/t.ddl:3: cannot convert Ruby expression `puts 'hi'` in action 'run'"},
        ErrorCase{agent("  [:a, :b].each do |item|\n    output item, :description => 'x'\n  end\n"),
                  "agent/t.ddl:3: cannot convert Ruby expression `[:a, :b].each do |item| output "
                  "item, :description => 'x' end` in action 'run'"},
        ErrorCase{agent(input("a", ":type => :string")),
                  "agent/t.ddl:3: input :a needs a :optional property"},
        ErrorCase{agent(input("a", ":type => :string, :optional => true")),
                  "agent/t.ddl:3: input :a needs a :validation property"},
        ErrorCase{agent(input("a", ":type => :list, :optional => true")),
                  "agent/t.ddl:3: input :a needs a :list property"},
        ErrorCase{agent(input("a", ":type => :list, :optional => true, :list => [1, 2]")),
                  "agent/t.ddl:3: cannot convert Ruby expression `1` in input :a :list (a list "
                  "of strings)"},
        ErrorCase{agent(input("a", ":type => 'string', :optional => true")),
                  "agent/t.ddl:3: input :a: :type must be a symbol such as :string, got "
                  "`'string'`"},
        ErrorCase{agent(input("a", ":type => :any, :optional => true")),
                  "agent/t.ddl:3: input :a: type :any is neither an MCollective type nor a "
                  "validator Drover knows"},
        ErrorCase{agent(input("a", ":type => :integer, :optional => 'no'")),
                  "agent/t.ddl:3: cannot convert Ruby expression `'no'` in input :a :optional"},
        ErrorCase{agent(input("a", ":type => :integer, :optional => true, :default => '5'")),
                  "agent/t.ddl:3: input :a: :default `'5'` is not of type integer"},
        ErrorCase{agent(input("a", kString + ":validation => :fqdn")),
                  "agent/t.ddl:3: input :a :validation: validator :fqdn is unknown to Drover"},
        ErrorCase{agent(input("a", kString + ":validation => /^(?!root)\\w+$/")),
                  "agent/t.ddl:3: input :a :validation: regex /^(?!root)\\w+$/ cannot be "
                  "converted to RE2: invalid perl operator: (?!"},
        ErrorCase{agent(input("a", kString + ":validation => /^a b$/x")),
                  "agent/t.ddl:3: input :a :validation: regex flag 'x' cannot be converted"},
        ErrorCase{agent(input("a", kString + ":validation => '(?m)^a.b$'")),
                  "agent/t.ddl:3: input :a :validation: inline regex flag 'm' cannot be "
                  "converted to RE2"},
        ErrorCase{agent(input("a",
                              ":type => :string, :optional => true, :maxlength => -1, "
                              ":validation => '.'")),
                  "agent/t.ddl:3: cannot convert Ruby expression `-1` in input :a :maxlength"},
        ErrorCase{agent(input("a b", ":type => :integer, :optional => true")),
                  "agent/t.ddl:3: unexpected `b`"},
        ErrorCase{agent(input("a", ":type => :integer, :optional => true") +
                        input("a", ":type => :integer, :optional => true")),
                  "agent/t.ddl:4: input :a declared twice"},
        ErrorCase{agent("  output :o, :description => 'O', :display_as => 'O'\n"
                        "  output :o, :description => 'P', :display_as => 'P'\n"),
                  "agent/t.ddl:4: output :o declared twice"},
        ErrorCase{agent(input("a", ":type => :integer, :type => :string, :optional => true")),
                  "agent/t.ddl:3: duplicate key :type in input :a"},
        ErrorCase{agent("  display 'always'\n"),
                  "agent/t.ddl:3: display preference `'always'` is not valid, should be :ok, "
                  ":failed, :flatten or :always"},
        ErrorCase{agent("  output :o, :description => 'O'\n"),
                  "agent/t.ddl:3: output :o needs a :display_as property"},
        ErrorCase{agent("  summarize do\n    aggregate summary(:nope)\n  end\n"),
                  "agent/t.ddl:4: aggregate over output :nope, which action 'run' does not "
                  "declare"},
        ErrorCase{agent("  summarize do\n    aggregate :x\n  end\n"),
                  "agent/t.ddl:4: cannot convert Ruby expression `:x` in aggregate"},
        ErrorCase{agent("  summarize do\n    puts 1\n  end\n"),
                  "agent/t.ddl:4: cannot convert Ruby expression `puts 1` in summarize"}));

INSTANTIATE_TEST_SUITE_P(
    Syntax, RubyImportErrors,
    ::testing::Values(
        ErrorCase{"metadata `ls`\n", "agent/t.ddl:1: backtick commands cannot be converted"},
        ErrorCase{"\n\nmetadata :name => \"t\n",
                  "agent/t.ddl:3: unterminated literal (no closing \")"},
        ErrorCase{"=begin\nx\n", "agent/t.ddl:1: =begin without =end"},
        ErrorCase{"x = \"\\u{D800}\"\n", "agent/t.ddl:1: invalid \\u escape"},
        ErrorCase{"x = \"\\cA\"\n", "agent/t.ddl:1: escape \\c cannot be converted"},
        ErrorCase{"\nx = 12abc\n", "agent/t.ddl:2: invalid number '12a'"},
        ErrorCase{"x = 99999999999999999999\n",
                  "agent/t.ddl:1: integer literal out of range: 99999999999999999999"},
        ErrorCase{"x = \"\xff\"\n", "agent/t.ddl:1: string is not valid UTF-8"},
        ErrorCase{"x = \"\\xff\"\n", "agent/t.ddl:1: string is not valid UTF-8"},
        ErrorCase{"usage <<-EOS\ntext\n", "agent/t.ddl:1: heredoc EOS is not terminated"},
        ErrorCase{"usage <<-EOS, \\\n 1\nEOS\n",
                  "agent/t.ddl:1: line continuation after a heredoc"},
        ErrorCase{"x = :\"a#{b}\"\n", "agent/t.ddl:1: an interpolated symbol cannot be converted"},
        ErrorCase{"action 'a', :description => 'b' do\n  display :ok\n",
                  "agent/t.ddl:3: missing `end`"},
        ErrorCase{"summarize {\n", "agent/t.ddl:2: missing `}`"},
        ErrorCase{"metadata(:a => 1))\n", "agent/t.ddl:1: unexpected `)`"},
        ErrorCase{"\nif true\nend\n",
                  "agent/t.ddl:2: cannot convert Ruby `if`: only DDL statements are understood"},
        ErrorCase{"x = [1, 2\n", "agent/t.ddl:2: expected `]`, got end of file"},
        ErrorCase{"foo :a => 1, 2\n",
                  "agent/t.ddl:1: positional argument after `key => value` arguments"},
        ErrorCase{"foo [:a => 1]\n",
                  "agent/t.ddl:1: cannot convert a hash without braces inside an array"},
        ErrorCase{"x = " + std::string(100, '[') + std::string(100, ']') + "\n",
                  "agent/t.ddl:1: nesting deeper than 64 levels"},
        ErrorCase{"x = '" + std::string(70000, 'a') + "'\n",
                  "agent/t.ddl:1: literal longer than 65536 bytes"}));

TEST(RubyImport, RefusesAFileOverTheLimit) {
  std::string big(kMaxRubyDdlBytes + 1, '#');
  EXPECT_EQ(importError(big), "agent/t.ddl: larger than 1048576 bytes, the most a DDL may have");
}

TEST(RubyImport, NamesTheAgentAfterTheFile) {
  EXPECT_EQ(importError(agent(""), "agent/my-agent.ddl"),
            "agent/my-agent.ddl:1: the agent's name 'my-agent' (the file's name) is not one "
            "Drover takes (use a-z, 0-9 and _)");
  EXPECT_EQ(importRubyDdl(agent(""), "x/y/build.ddl").ddl.metadata.name, "build");
}

TEST(RubyImport, NeverThrowsAnythingElseOnGarbage) {
  // Truncations of a real DDL and some byte soup: an ImportError or a conversion.
  std::string text = agent(input("a", kString + ":validation => /^x$/") +
                           "  summarize { aggregate summary(:a) }\n") +
                     "usage <<~EOS\n  a\nEOS\n";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    try {
      importRubyDdl(text.substr(0, cut), "agent/t.ddl");
    } catch (const ImportError&) {
    }
  }
  for (const char* soup :
       {"%w", "%", "<<", "<<~", ":",  "::", "?",    "/",  "\\", "\"\\", "'\\",
        "-",  "@", "$",  "0x",  "1e", "x.", "do |", "{|", "x(", "%r{",  "%w[a"}) {
    try {
      importRubyDdl(soup, "agent/t.ddl");
    } catch (const ImportError&) {
    }
  }
}

}  // namespace
}  // namespace drover::ddl
