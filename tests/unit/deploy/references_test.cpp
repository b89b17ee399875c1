// Parameter references checked when the file loads: every reference that cannot exist is
// an error at the string's position, naming the expression and what is wrong with it.
#include <gtest/gtest.h>

#include "tests/unit/deploy/deploy_fixture.hpp"

namespace drover::deploy {
namespace {

using testing::load;
using testing::problem;

// db masterful of 2, worker iterative of 3, empty iterative of 0; pool `app` with a param
// `x` holding `value`.
std::string withParam(const std::string& value) {
  return "name: shop\nflow: f\nfacts: [ipaddress, os.family]\npools:\n"
         "  db: {type: masterful, count: 2}\n  worker: {count: 3}\n  empty: {count: 0}\n"
         "  app: {count: 1, params: {x: \"" +
         value + "\"}}\n";
}

std::string paramProblem(const std::string& value) { return problem(withParam(value)); }

TEST(DeployReferences, ValidReferencesLoad) {
  for (const char* value :
       {"{{pools.db.master.address}}", "{{pools.db.slave-1.fqdn}}", "{{pools.worker.2.name}}",
        "{{pools.worker.*.name | join(',')}}", "{{pools.empty.*.address}}",
        "{{pools.db.master.facts.os.family}}", "{{self.facts.ipaddress}}", "{{deployment.name}}",
        "{{pools.app.0.identity}}/{{pools.db.*.service}}/{{self.pool}}", "plain text"}) {
    EXPECT_NO_THROW(load(withParam(value))) << value;
  }
}

TEST(DeployReferences, AnUnknownPoolIsNamedWithASuggestion) {
  EXPECT_EQ(paramProblem("{{pools.dbs.master.address}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.dbs.master.address}}: unknown pool "
            "'dbs' (did you mean 'db'?)");
  EXPECT_EQ(paramProblem("at {{pools.queue.0.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.queue.0.name}}: unknown pool 'queue'");
}

TEST(DeployReferences, SelectorsThePoolCannotHave) {
  EXPECT_EQ(paramProblem("{{pools.worker.master.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.worker.master.name}}: an iterative pool "
            "'worker' (count 3) has no master");
  EXPECT_EQ(paramProblem("{{pools.db.slave-2.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.db.slave-2.name}}: 'slave-2' is past the "
            "end of masterful pool 'db' (count 2)");
  EXPECT_EQ(paramProblem("{{pools.worker.3.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.worker.3.name}}: '3' is past the end of "
            "iterative pool 'worker' (count 3)");
  EXPECT_EQ(paramProblem("{{pools.empty.0.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.empty.0.name}}: '0' is past the end of "
            "iterative pool 'empty' (count 0)");
  EXPECT_EQ(paramProblem("{{pools.db.0.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.db.0.name}}: a masterful pool 'db' "
            "(count 2) has master, slave-N or *");
  EXPECT_EQ(paramProblem("{{pools.db.slave-0.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.db.slave-0.name}}: 'slave-0' is no member "
            "name of a masterful pool 'db' (count 2)");
  EXPECT_EQ(paramProblem("{{pools.worker.01.name}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.worker.01.name}}: an iterative pool "
            "'worker' (count 3) has N (0, 1, ...) or *");
}

TEST(DeployReferences, FieldsAndFacts) {
  EXPECT_EQ(paramProblem("{{pools.db.master.ip}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.db.master.ip}}: unknown field 'ip' "
            "(known: name, fqdn, address, identity, pool, service, facts.<fact>)");
  EXPECT_EQ(paramProblem("{{pools.db.master.facts.memory}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.db.master.facts.memory}}: fact 'memory' "
            "is not in facts: (add it there to use it)");
  EXPECT_EQ(paramProblem("{{self.hostname}}"),
            "shop.yaml:8:31: pools.app.params.x: {{self.hostname}}: unknown field 'hostname' "
            "(known: name, fqdn, address, identity, pool, service, facts.<fact>)");
  EXPECT_EQ(paramProblem("{{pools.db.master}}"),
            "shop.yaml:8:31: pools.app.params.x: {{pools.db.master}}: expected "
            "pools.<pool>.<selector>.<field>");
  EXPECT_EQ(paramProblem("{{deployment.flow}}"),
            "shop.yaml:8:31: pools.app.params.x: {{deployment.flow}}: deployment has only .name");
}

TEST(DeployReferences, BadTemplatesAndNames) {
  EXPECT_EQ(
      paramProblem("{{pools.db.master.address"),
      "shop.yaml:8:31: pools.app.params.x: '{{' without '}}' in \"{{pools.db.master.address\"");
  EXPECT_EQ(paramProblem("{{node.identity}}"),
            "shop.yaml:8:31: pools.app.params.x: unknown placeholder '{{node.identity}}' (known: "
            "pools.NAME, self.NAME, deployment.NAME)");
  EXPECT_EQ(paramProblem("{{params.x}}"),
            "shop.yaml:8:31: pools.app.params.x: unknown placeholder '{{params.x}}' (known: "
            "pools.NAME, self.NAME, deployment.NAME)");
}

TEST(DeployReferences, NestedParamsAndDefaultsAreChecked) {
  std::string text =
      "name: shop\nflow: f\ndefaults:\n  params: {d: \"{{pools.nope.0.name}}\"}\npools:\n"
      "  app: {count: 1, params: {x: {list: [a, \"{{self.nope}}\"]}}}\n";
  auto found = testing::problems(text);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0],
            "shop.yaml:4:15: defaults.params.d: {{pools.nope.0.name}}: unknown pool 'nope'");
  EXPECT_EQ(found[1].substr(0, 58), "shop.yaml:6:42: pools.app.params.x.list[1]: {{self.nope}}:");
}

TEST(DeployReferences, FilesMayNameParamsAndReportTheirOwnPositions) {
  std::string text = "name: shop\nflow: f\npools:\n  app: {count: 1, params: {port: 80}}\n";
  EXPECT_NO_THROW(load(text, {{"files/app/a.conf", "port={{params.port}} {{deployment.name}}"}}));
  EXPECT_EQ(problem(text, {{"files/app/a.conf", "port={{params.port}}\nhost={{params.host}}\n"}}),
            "files/app/a.conf:2:6: {{params.host}}: no param 'host' in the pool's params");
  EXPECT_EQ(problem(text, {{"files/app/a.conf", "x\n  {{pools.db.0.name}}"}}),
            "files/app/a.conf:2:3: {{pools.db.0.name}}: unknown pool 'db'");
  EXPECT_EQ(problem(text, {{"files/app/a.conf", "a }} b"}}),
            "files/app/a.conf:1:3: '}}' without '{{' in \"a }} b\"");
}

// A file's template must not be able to fail when the member is written: a path below a
// literal param is checked to exist, and a param with no value is refused.
TEST(DeployReferences, PathsBelowLiteralParamsMustExistAndParamsMustHaveAValue) {
  std::string text =
      "name: shop\nflow: f\npools:\n"
      "  app: {count: 1, params: {port: 80, db: {host: h}, names: \"{{pools.app.0.name}}\"}}\n";
  EXPECT_NO_THROW(
      load(text, {{"files/app/a.conf", "{{params.db.host}} {{params.port}} {{params.names.x}}"}}));
  EXPECT_EQ(problem(text, {{"files/app/a.conf", "{{params.port.number}}"}}),
            "files/app/a.conf:1:1: {{params.port.number}}: param 'port' has no 'number'");
  EXPECT_EQ(problem(text, {{"files/app/a.conf", "{{params.db.user}}"}}),
            "files/app/a.conf:1:1: {{params.db.user}}: param 'db' has no 'user'");
  EXPECT_EQ(problem("name: shop\nflow: f\npools:\n  app:\n    count: 1\n    params:\n"
                    "      db_host:\n      port: 80\n"),
            "shop.yaml:7:7: pools.app.params.db_host: has no value (write \"\" for empty text)");
}

}  // namespace
}  // namespace drover::deploy
