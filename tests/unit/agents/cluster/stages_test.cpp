// cluster#put_chunk, cluster#run_stage and cluster#stages with the real tar: bundles in
// chunks, stages run once per digest with only their own environment, failures and
// timeouts recorded, records kept across a restart, hostile bundles refused.
#include <algorithm>
#include <set>
#include <sstream>

#include "agents/cluster/stage_runner.hpp"
#include "agents/naming/hostname.hpp"
#include "core/util/base64.hpp"
#include "core/util/blob_store.hpp"
#include "core/util/files.hpp"
#include "core/util/subprocess.hpp"
#include "tests/unit/agents/cluster/cluster_fixture.hpp"

namespace drover::agents::cluster {
namespace {

namespace fs = std::filesystem;
using envelope::StatusCode;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// About `size` bytes that do not compress away.
std::string noise(std::size_t size) {
  std::string out(size, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

using PutChunk = ClusterTest;

TEST_F(PutChunk, ABundleInChunksIsCompleteOnceItsDigestIsCheckedAndThenAtOnce) {
  std::string bundle =
      makeBundle({{"bootstrap.sh", "#!/bin/sh\n", 0755}, {"data.bin", noise(1536 * 1024)}});
  std::string digest = upload(bundle);
  Json again =
      ok("put_chunk", {{"digest", digest}, {"size", bundle.size()}, {"offset", 0}, {"data", ""}});
  EXPECT_EQ(again, Json({{"held", bundle.size()}, {"complete", true}}));
}

TEST_F(PutChunk, RefusesBadDigestsBadBase64OversizeBundlesAndAMismatchNamingBothDigests) {
  Json chunk = {
      {"digest", util::sha256Digest("x")}, {"size", 4}, {"offset", 0}, {"data", "eHh4eA=="}};
  auto with = [&](Json change) {
    Json args = chunk;
    args.update(change);
    return refused("put_chunk", args);
  };
  EXPECT_NE(with({{"digest", "sha256:../../x"}}).find("digest: 'sha256:../../x' is not a digest"),
            std::string::npos);
  EXPECT_NE(with({{"data", "eHh4eA"}}).find("data: not base64"), std::string::npos);
  EXPECT_NE(with({{"size", (8 << 20) + 1}}).find("size: 8388609 bytes is over the limit"),
            std::string::npos);
  std::string mismatch = with(Json::object());
  EXPECT_NE(mismatch.find(util::sha256Digest("x")), std::string::npos) << mismatch;
  EXPECT_NE(mismatch.find(util::sha256Digest("xxxx")), std::string::npos) << mismatch;
}

using RunStage = ClusterTest;

TEST_F(RunStage, RunsBootstrapWithItsArgsInItsDirectoryWithOnlyTheStagesEnvironment) {
  testing::TempDir out;
  std::string digest =
      upload(scriptBundle("tr '\\0' '\\n' < /proc/$$/environ > \"$DROVER_PARAM_OUT/env\"\n"
                          "for a in \"$@\"; do echo \"$a\"; done > \"$DROVER_PARAM_OUT/args\"\n"
                          "pwd > \"$DROVER_PARAM_OUT/pwd\"\n"
                          "echo home > \"$HOME/home-check\"\n"
                          "echo stage done\n"));
  Json params = {{"out", out.path().string()}, {"db-host", "10.213.0.2"}, {"workers", 3}};
  Json record =
      runStage(0, digest, {{"args", {"--quick", "two words", "$(reboot)"}}, {"params", params}});
  EXPECT_EQ(record["ran"], true);
  EXPECT_EQ(record["exit_code"], 0);
  EXPECT_EQ(record["digest"], digest);
  EXPECT_EQ(record["output_tail"], "stage done\n");
  EXPECT_EQ(lines(util::readFile(out / "args")),
            (std::vector<std::string>{"--quick", "two words", "$(reboot)"}));
  fs::path stageDir = root() / "var/lib/drover/cluster/stage-0";
  EXPECT_EQ(util::readFile(out / "pwd"), stageDir.string() + "\n");
  EXPECT_EQ(util::readFile(root() / "root/home-check"), "home\n");  // HOME made
  std::vector<std::string> env = lines(util::readFile(out / "env"));
  std::sort(env.begin(), env.end());
  fs::path paramsFile = root() / "var/lib/drover/cluster/params-0.json";
  std::vector<std::string> expected = {
      "DROVER_CLUSTER_FACTS=" + (root() / "etc/drover/cluster_facts.json").string(),
      "DROVER_DEPLOYMENT=shop",
      "DROVER_NAME=" + naming::currentHostname(),
      "DROVER_PARAMS=" + paramsFile.string(),
      "DROVER_PARAM_DB_HOST=10.213.0.2",
      "DROVER_PARAM_OUT=" + out.path().string(),
      "DROVER_PARAM_WORKERS=3",
      "DROVER_STAGE=0",
      "HOME=" + (root() / "root").string(),
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  EXPECT_EQ(env, expected);
  EXPECT_EQ(Json::parse(util::readFile(paramsFile)), params);
}

TEST_F(RunStage, ADoneStageIsNotRunAgainWithTheSameDigestButIsWithANewOne) {
  testing::TempDir out;
  Json params = {{"out", out.path().string()}};
  std::string first = upload(scriptBundle("echo one >> \"$DROVER_PARAM_OUT/runs\"\n"));
  EXPECT_EQ(runStage(1, first, {{"params", params}})["ran"], true);
  Json again = runStage(1, first, {{"params", params}});
  EXPECT_EQ(again["ran"], false);
  EXPECT_EQ(again["exit_code"], 0);
  EXPECT_EQ(util::readFile(out / "runs"), "one\n");
  std::string second = upload(scriptBundle("echo two >> \"$DROVER_PARAM_OUT/runs\"\n"));
  EXPECT_EQ(runStage(1, second, {{"params", params}})["ran"], true);
  EXPECT_EQ(util::readFile(out / "runs"), "one\ntwo\n");
}

TEST_F(RunStage, AFailingStageIsAnOkReplyWithItsExitCodeAndTailAndRunsAgainWhenAsked) {
  std::string digest =
      upload(scriptBundle("echo about to fail; echo 'boom: no database' >&2; exit 3\n"));
  Json failed = runStage(0, digest);
  EXPECT_EQ(failed["ran"], true);
  EXPECT_EQ(failed["exit_code"], 3);
  EXPECT_EQ(failed["output_tail"], "about to fail\nboom: no database\n");
  EXPECT_EQ(runStage(0, digest)["ran"], true);
}

TEST_F(RunStage, AStageThatOutlivesItsTimeoutIsKilledAndRecordedSo) {
  std::string digest = upload(scriptBundle("echo started\nsleep 300\n"));
  Json killed = runStage(0, digest, {{"timeout", 1}});
  EXPECT_EQ(killed["timed_out"], true);
  EXPECT_EQ(killed["exit_code"], 128 + 15);  // SIGTERM
  EXPECT_EQ(killed["output_tail"], "started\n");
}

TEST_F(RunStage, AStageIsKilledBeforeTheRequestsDeadlineWhateverItsTimeout) {
  std::string digest = upload(scriptBundle("echo started\nsleep 300\n"));
  Request request;
  request.action = "run_stage";
  request.args = {{"stage", 0}, {"digest", digest}, {"deployment", "shop"}, {"timeout", 600}};
  request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  Reply reply = agent_->handle(request);
  ASSERT_TRUE(reply.status.ok()) << reply.status.message;
  EXPECT_EQ(reply.data["timed_out"], true);
  EXPECT_EQ(reply.data["output_tail"], "started\n");
}

TEST_F(RunStage, OnlyTheLastFourKiBOfTheOutputAreKept) {
  std::string digest = upload(scriptBundle("seq 1 100000\necho last line\n"));
  std::string tail = runStage(0, digest)["output_tail"];
  EXPECT_EQ(tail.size(), kOutputTailBytes);
  EXPECT_TRUE(tail.ends_with("99999\n100000\nlast line\n"));
}

TEST_F(RunStage, BytesThatAreNotTextInTheOutputAreRecordedAsReplacementCharacters) {
  std::string digest = upload(scriptBundle("printf 'a\\377\\376b\\n'\n"));
  Json record = runStage(0, digest);
  EXPECT_EQ(record["exit_code"], 0);
  EXPECT_EQ(record["output_tail"],
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b\n");
  restart();
  EXPECT_EQ(ok("stages")["stages"][0]["output_tail"], record["output_tail"]);
}

TEST_F(RunStage, ABundleThatIsNotATarIsRefusedNamingTar) {
  std::string digest = upload("#!/bin/sh\necho not a tar\n");
  std::string why =
      refused("run_stage", {{"stage", 0}, {"digest", digest}, {"deployment", "shop"}});
  EXPECT_NE(why.find("bundle: tar cannot read it as a tar file"), std::string::npos) << why;
}

TEST_F(RunStage, RecordsSurviveANewAgentAndShowInRegistrations) {
  std::string digest = upload(scriptBundle("echo hi\n"));
  Json record = runStage(2, digest);
  restart();
  Json listed = ok("stages");
  record.erase("ran");
  EXPECT_EQ(listed, Json({{"stages", {record}}}));
  EXPECT_EQ(agent_->registrationData(),
            Json({{"facts_version", 0}, {"trust_version", 0}, {"stages", 1}}));
  EXPECT_EQ(runStage(2, digest)["ran"], false);
}

TEST_F(RunStage, RefusesABundleNotHeldAndOneWithoutAnExecutableBootstrap) {
  EXPECT_NE(refused("run_stage",
                    {{"stage", 0}, {"digest", util::sha256Digest("?")}, {"deployment", "shop"}})
                .find("is not held complete on this node"),
            std::string::npos);
  std::string plain = upload(makeBundle({{"bootstrap.sh", "#!/bin/sh\n", 0644}}));
  EXPECT_NE(refused("run_stage", {{"stage", 0}, {"digest", plain}, {"deployment", "shop"}})
                .find("no executable regular file bootstrap.sh"),
            std::string::npos);
  std::string none = upload(makeBundle({{"setup.sh", "#!/bin/sh\n", 0755}}));
  EXPECT_NE(refused("run_stage", {{"stage", 0}, {"digest", none}, {"deployment", "shop"}})
                .find("bootstrap.sh"),
            std::string::npos);
  EXPECT_EQ(ok("stages"), Json({{"stages", Json::array()}}));
}

TEST_F(RunStage, RefusesBadArgumentsParamsAndNamesBeforeRunningAnything) {
  std::string digest = upload(scriptBundle("exit 0\n"));
  Json base = {{"stage", 0}, {"digest", digest}, {"deployment", "shop"}};
  auto with = [&](Json change) {
    Json args = base;
    args.update(change);
    return refused("run_stage", args);
  };
  EXPECT_NE(with({{"stage", 1000}}).find("stage: 1000 is not between 0 and 999"),
            std::string::npos);
  EXPECT_NE(
      with({{"args", Json(std::vector<std::string>(65, "a"))}}).find("args: 65 items, at most 64"),
      std::string::npos);
  EXPECT_NE(with({{"args", {std::string(5000, 'a')}}}).find("args[0]: 5000 bytes"),
            std::string::npos);
  EXPECT_NE(with({{"params", {{"db-host", "a"}, {"db_host", "b"}}}})
                .find("both become DROVER_PARAM_DB_HOST"),
            std::string::npos);
  EXPECT_NE(with({{"params", {{"big", std::string(70000, 'a')}}}}).find("params: "),
            std::string::npos);
  EXPECT_NE(with({{"deployment", "../x"}}).find("deployment: "), std::string::npos);
  EXPECT_NE(with({{"timeout", 0}}).find("timeout: 0 is not between 1"), std::string::npos);
  EXPECT_EQ(ok("stages"), Json({{"stages", Json::array()}}));
}

// Bundles made to write outside their directory: by an absolute name, by "..", and by
// a member written through a symbolic link the bundle itself brings.
class HostileBundle : public ClusterTest {
 protected:
  testing::TempDir outside_;
};

TEST_F(HostileBundle, MembersWithAbsoluteNamesOrDotDotAreRefusedBeforeAnythingIsWritten) {
  testing::TempDir source;
  source.write("evil", "owned\n");
  std::string absolute = (outside_ / "evil").string();
  auto made =
      util::runProcess({"tar", "-c", "-P", "-f", (source / "abs.tar").string(), "--transform",
                        "s|.*|" + absolute + "|", (source / "evil").string()},
                       "", std::chrono::seconds(30));
  ASSERT_EQ(made.exitCode, 0) << made.err;
  std::string why = refused("run_stage", {{"stage", 0},
                                          {"digest", upload(util::readFile(source / "abs.tar"))},
                                          {"deployment", "shop"}});
  EXPECT_NE(why.find("member '" + absolute + "' has an absolute name"), std::string::npos) << why;

  std::string dotdot = makeBundle({{"bootstrap.sh", "#!/bin/sh\n", 0755}, {"evil", "owned\n"}},
                                  {"-P", "--transform", "s|^evil$|../../../evil|"});
  why = refused("run_stage", {{"stage", 0}, {"digest", upload(dotdot)}, {"deployment", "shop"}});
  EXPECT_NE(why.find("member '../../../evil' has a '..' component"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(outside_ / "evil"));
  EXPECT_FALSE(fs::exists(root() / "var/lib/drover/evil"));
}

TEST_F(HostileBundle, AMemberWrittenThroughALinkTheBundleBringsDoesNotLeaveTheDirectory) {
  testing::TempDir source;
  fs::create_directory_symlink(outside_.path(), source / "link");
  source.write("bootstrap.sh", "#!/bin/sh\n");
  util::writeFileAtomically(outside_ / "pwned", "owned\n");  // read through the link by tar -c
  auto made = util::runProcess({"tar", "-c", "-f", (source / "link.tar").string(), "-C",
                                source.path().string(), "bootstrap.sh", "link", "link/pwned"},
                               "", std::chrono::seconds(30));
  ASSERT_EQ(made.exitCode, 0) << made.err;
  fs::remove(outside_ / "pwned");
  Reply reply = call("run_stage", {{"stage", 0},
                                   {"digest", upload(util::readFile(source / "link.tar"))},
                                   {"deployment", "shop"}});
  EXPECT_FALSE(reply.status.ok());
  EXPECT_NE(reply.status.message.find("bundle: "), std::string::npos) << reply.status.message;
  EXPECT_FALSE(fs::exists(outside_ / "pwned"));
}

}  // namespace
}  // namespace drover::agents::cluster
