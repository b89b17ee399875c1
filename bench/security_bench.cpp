// Google Benchmark cases for the cost of message security (part of drover-micro-bench):
// Ed25519 signing and verification of envelopes, with the signer's certificate chain
// cached (the common case: a node sees the same callers, a client the same nodes) and
// cold, one node inspecting and answering a signed ping with security on and off, and
// the replay cache's memory at 10,000 requests per minute.
#include <malloc.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "agents/builtin.hpp"
#include "bench/fleet/sim_facts.hpp"
#include "core/bus/topics.hpp"
#include "core/ddl/repository.hpp"
#include "core/envelope/envelope.hpp"
#include "core/log/log.hpp"
#include "core/security/certificate.hpp"
#include "core/security/certificate_store.hpp"
#include "core/security/issuing.hpp"
#include "core/security/keys.hpp"
#include "core/security/replay_cache.hpp"
#include "core/security/signing.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "node/node_core.hpp"

namespace {

using drover::Json;
namespace envelope = drover::envelope;
namespace security = drover::security;

constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

// A collective in memory: CA, empty CRL, and certificates issued as the CA would.
class Collective {
 public:
  Collective() : caKey_(security::generateKey()) {
    drover::log::setLevel("warn");  // every store logs its CRL at info
    std::int64_t now = drover::util::nowMs();
    caCert_ =
        security::makeCaCertificate(caKey_.get(), {"bench-ca", "01", now - kDayMs, now + kDayMs});
    caPem_ = security::certificateToPem(caCert_.get());
    crlPem_ = security::crlToPem(
        security::makeCrl(caKey_.get(), caCert_.get(), {}, now, now + kDayMs).get());
  }

  /// `cacheEntries` 0: every verification walks the chain again.
  std::shared_ptr<security::CertificateStore> store(
      std::size_t cacheEntries = security::CertificateStore::kDefaultCacheEntries) const {
    return std::make_shared<security::CertificateStore>(caPem_, crlPem_, cacheEntries);
  }

  std::shared_ptr<const security::Signer> issue(const std::string& name, security::Role role) {
    security::PkeyPtr key = security::generateKey();
    std::int64_t now = drover::util::nowMs();
    auto cert = security::makeLeafCertificate(
        caKey_.get(), caCert_.get(), key.get(), role,
        {name, fmt::format("{:X}", ++serial_), now - kDayMs, now + kDayMs});
    return std::make_shared<const security::Signer>(std::move(key),
                                                    security::certificateToDer(cert.get()));
  }

 private:
  security::PkeyPtr caKey_;
  security::X509Ptr caCert_;
  std::string caPem_;
  std::string crlPem_;
  unsigned serial_ = 1;
};

Collective& collective() {
  static Collective instance;
  return instance;
}

const std::shared_ptr<const security::Signer>& admin() {
  static auto signer = collective().issue("bench.admin", security::Role::Admin);
  return signer;
}

const std::shared_ptr<const security::Signer>& nodeSigner() {
  static auto signer = collective().issue("sim-0042", security::Role::Node);
  return signer;
}

drover::ddl::Repository& ddls() {
  static drover::ddl::Repository repository({DROVER_BENCH_DDL_DIR});
  return repository;
}

// A broadcast rpcutil ping every simulated node matches, as drover-rpc-bench sends it.
envelope::Envelope pingRequest() {
  envelope::Envelope env;
  env.id = drover::util::randomId();
  env.type = envelope::MessageType::Request;
  env.sender = admin()->name();
  env.collective = "drover";
  env.agent = "rpcutil";
  env.action = "ping";
  env.args = Json::object();
  env.filter = "index>=0";
  env.ttl = 60;
  env.time = drover::util::nowMs();
  env.replyTo = "drover.reply.fedcba9876543210fedcba9876543210";
  return env;
}

// What a node sends back to a ping, signed by the node.
envelope::Envelope signedPingReply() {
  auto reply = envelope::makeReply(pingRequest(), nodeSigner()->name(), {},
                                   Json{{"pong", drover::util::nowMs()}});
  security::signEnvelope(reply, *nodeSigner());
  return reply;
}

void signRequest(benchmark::State& state) {
  auto request = pingRequest();
  for (auto _ : state) {
    security::signEnvelope(request, *admin());
    benchmark::DoNotOptimize(request.sig);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(signRequest);

void signReply(benchmark::State& state) {
  auto reply = signedPingReply();
  for (auto _ : state) {
    security::signEnvelope(reply, *nodeSigner());
    benchmark::DoNotOptimize(reply.sig);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(signReply);

// verifyEnvelope as a client runs it on every reply: certificate (cached or not), sender,
// signature. Cold: a store that keeps nothing, so the chain, dates, CRL and role are
// checked every time, as for the first message from each peer.
void verifyReply(benchmark::State& state, bool cached) {
  auto store = collective().store(cached ? security::CertificateStore::kDefaultCacheEntries : 0);
  auto reply = signedPingReply();
  std::int64_t now = drover::util::nowMs();
  security::verifyEnvelope(reply, *store, now);
  for (auto _ : state) benchmark::DoNotOptimize(security::verifyEnvelope(reply, *store, now));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(verifyReply, cached_chain, true);
BENCHMARK_CAPTURE(verifyReply, cold_chain, false);

// The same for a request, as every node verifies it.
void verifyRequest(benchmark::State& state, bool cached) {
  auto store = collective().store(cached ? security::CertificateStore::kDefaultCacheEntries : 0);
  auto request = pingRequest();
  security::signEnvelope(request, *admin());
  std::int64_t now = drover::util::nowMs();
  for (auto _ : state) benchmark::DoNotOptimize(security::verifyEnvelope(request, *store, now));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(verifyRequest, cached_chain, true);
BENCHMARK_CAPTURE(verifyRequest, cold_chain, false);

// The reply a node sends to a request that asks for a MAC (`reply_mac`, what drover and
// the provisioner send): MACed for the admin.
envelope::Envelope macedPingReply() {
  auto reply = envelope::makeReply(pingRequest(), nodeSigner()->name(), {},
                                   Json{{"pong", drover::util::nowMs()}});
  auto adminCert = security::certificateFromDer(admin()->certificateDer());
  security::macEnvelope(reply, *nodeSigner(), X509_get0_pubkey(adminCert.get()));
  return reply;
}

void macReply(benchmark::State& state) {
  auto reply = macedPingReply();
  auto adminCert = security::certificateFromDer(admin()->certificateDer());
  for (auto _ : state) {
    security::macEnvelope(reply, *nodeSigner(), X509_get0_pubkey(adminCert.get()));
    benchmark::DoNotOptimize(reply.mac);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(macReply);

// verifyEnvelope of a MACed reply as the client runs it: certificate from the cache,
// then the MAC under the key shared with that node, known after its first reply
// (known_peer), or derived (X25519) for a node not heard from before (new_peer: the
// admin's key cache is a fresh one for each check).
void verifyMacedReply(benchmark::State& state, bool knownPeer) {
  auto store = collective().store();
  auto reply = macedPingReply();
  std::int64_t now = drover::util::nowMs();
  if (knownPeer) {
    security::verifyEnvelope(reply, *store, now, admin().get());
    for (auto _ : state) {
      benchmark::DoNotOptimize(security::verifyEnvelope(reply, *store, now, admin().get()));
    }
  } else {
    store->verify(reply.cert, now);
    for (auto _ : state) {
      state.PauseTiming();
      auto fresh = collective().issue("bench.admin", security::Role::Admin);
      auto freshReply =
          envelope::makeReply(pingRequest(), nodeSigner()->name(), {}, Json{{"pong", 1}});
      auto freshCert = security::certificateFromDer(fresh->certificateDer());
      security::macEnvelope(freshReply, *nodeSigner(), X509_get0_pubkey(freshCert.get()));
      state.ResumeTiming();
      benchmark::DoNotOptimize(security::verifyEnvelope(freshReply, *store, now, fresh.get()));
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(verifyMacedReply, known_peer, true);
BENCHMARK_CAPTURE(verifyMacedReply, new_peer, false);

// The parts of the above: the Ed25519 check alone, and the bytes it covers.
void ed25519VerifyOnly(benchmark::State& state) {
  auto reply = signedPingReply();
  std::string bytes = envelope::signingBytes(reply);
  auto cert = security::certificateFromDer(reply.cert);
  for (auto _ : state) {
    benchmark::DoNotOptimize(security::verifySignature(cert.get(), bytes, reply.sig));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ed25519VerifyOnly);

void signingBytesOfReply(benchmark::State& state) {
  auto reply = signedPingReply();
  for (auto _ : state) benchmark::DoNotOptimize(envelope::signingBytes(reply));
}
BENCHMARK(signingBytesOfReply);

// One virtual node as drover-fleet-sim builds it: security off (null), or enforcing
// with its own certificate, the built-in policy and, unless `audit` is false, an audit
// file as real nodes write.
enum class Security { Off, On, OnNoAudit };

class BenchNode {
 public:
  explicit BenchNode(Security mode)
      : auditFile_(std::filesystem::temp_directory_path() /
                   fmt::format("drover-micro-bench-{}.audit.jsonl", ::getpid())) {
    drover::node::NodeIdentity id;
    id.identity = nodeSigner()->name();
    std::shared_ptr<drover::node::NodeSecurity> nodeSecurity;
    if (mode != Security::Off) {
      drover::node::NodeSecurity::Parts parts;
      parts.mode = drover::node::SecurityMode::Enforcing;
      parts.store = collective().store();
      parts.signer = nodeSigner();
      if (mode == Security::On)
        parts.audit = std::make_unique<drover::policy::AuditLog>(auditFile_);
      nodeSecurity = std::make_shared<drover::node::NodeSecurity>(std::move(parts));
    }
    core_ = std::make_unique<drover::node::NodeCore>(id, std::move(nodeSecurity));
    core_->setFacts(drover::bench::simFacts(id.identity, 42));
    for (auto& agent : drover::agents::makeBuiltinAgents(ddls(), *core_)) {
      core_->addAgent(std::move(agent));
    }
  }
  ~BenchNode() {
    std::error_code ignored;
    std::filesystem::remove(auditFile_, ignored);
  }
  drover::node::NodeCore& core() { return *core_; }

 private:
  std::filesystem::path auditFile_;
  std::unique_ptr<drover::node::NodeCore> core_;
};

// How the pings of a pool are sealed: signed (as any client may send them), asking for a
// MACed reply (reply_mac, as drover and the provisioner do), or that plus addressed to
// the node and carrying a MAC for it beside the signature (the direct request of a
// client that heard from the node before).
enum class Pings { Signed, ReplyMac, DirectMac };

// Pings with distinct ids: the replay cache refuses a repeated one. A TTL of an hour (a
// node's maximum) keeps the pool fresh for the whole run.
std::vector<std::string> makePings(std::size_t count, Pings kind) {
  auto nodeCert = security::certificateFromDer(nodeSigner()->certificateDer());
  const std::string nodeKey = security::rawPublicKey(X509_get0_pubkey(nodeCert.get()));
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto request = pingRequest();
    request.ttl = 3600;
    request.replyMac = kind != Pings::Signed;
    if (kind == Pings::DirectMac) request.targets = {nodeSigner()->name()};
    security::signEnvelope(request, *admin());
    if (kind == Pings::DirectMac) {
      request.mac = admin()->pairwise().mac(nodeKey, envelope::signingBytes(request));
    }
    out.push_back(envelope::encode(request));
  }
  return out;
}

constexpr std::size_t kPings = 8192;

const std::vector<std::string>& pingPool(Pings kind) {
  static const auto signedOnly = makePings(kPings, Pings::Signed);
  static const auto replyMac = makePings(kPings, Pings::ReplyMac);
  static const auto directMac = makePings(kPings, Pings::DirectMac);
  switch (kind) {
    case Pings::Signed: return signedOnly;
    case Pings::ReplyMac: return replyMac;
    case Pings::DirectMac: return directMac;
  }
  return signedOnly;
}

// Runs `body` over the pool; at its end, a fresh node (fresh replay cache) untimed.
// `body` returns false when the node did not accept the ping (counted: should be 0).
template <typename Body>
void overPool(benchmark::State& state, Security mode, Body body, Pings kind = Pings::Signed) {
  const auto& pool = pingPool(kind);
  std::vector<envelope::Envelope> decoded;
  for (const auto& bytes : pool) decoded.push_back(envelope::decode(bytes));
  auto node = std::make_unique<BenchNode>(mode);
  std::size_t next = 0;
  double notRun = 0;
  for (auto _ : state) {
    if (next == pool.size()) {
      state.PauseTiming();
      node = std::make_unique<BenchNode>(mode);
      next = 0;
      state.ResumeTiming();
    }
    if (!body(node->core(), pool[next], decoded[next])) ++notRun;
    ++next;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["not_run"] = notRun;
}

// NodeCore::inspect alone on a decoded, signed ping that passes every check (DirectMac:
// taken on its MAC, the signature left unchecked).
void inspectSignedPing(benchmark::State& state, Security mode, Pings kind) {
  overPool(
      state, mode,
      [](drover::node::NodeCore& core, const std::string&, const envelope::Envelope& request) {
        auto decision =
            core.inspect(request, drover::bus::broadcastTopic(request.collective, request.agent));
        benchmark::DoNotOptimize(decision);
        return decision.kind == drover::node::Decision::Kind::Run;
      },
      kind);
}
BENCHMARK_CAPTURE(inspectSignedPing, security_off, Security::Off, Pings::Signed);
BENCHMARK_CAPTURE(inspectSignedPing, security_on, Security::On, Pings::Signed);
BENCHMARK_CAPTURE(inspectSignedPing, security_on_no_audit, Security::OnNoAudit, Pings::Signed);
BENCHMARK_CAPTURE(inspectSignedPing, security_on_direct_mac, Security::On, Pings::DirectMac);

// What one node of the fleet benchmark spends per ping: decode, inspect, run, seal, encode.
// The reply is signed, or MACed for the caller when the ping asks for it (reply_mac).
void answerSignedPing(benchmark::State& state, Security mode, Pings kind) {
  overPool(
      state, mode,
      [](drover::node::NodeCore& core, const std::string& bytes, const envelope::Envelope&) {
        auto request = envelope::decode(bytes);
        auto decision =
            core.inspect(request, drover::bus::broadcastTopic(request.collective, request.agent));
        if (decision.kind != drover::node::Decision::Kind::Run) return false;
        benchmark::DoNotOptimize(envelope::encode(core.execute(decision, request)));
        return true;
      },
      kind);
}
BENCHMARK_CAPTURE(answerSignedPing, security_off, Security::Off, Pings::Signed);
BENCHMARK_CAPTURE(answerSignedPing, security_on, Security::On, Pings::Signed);
BENCHMARK_CAPTURE(answerSignedPing, security_on_no_audit, Security::OnNoAudit, Pings::Signed);
BENCHMARK_CAPTURE(answerSignedPing, security_on_reply_mac, Security::On, Pings::ReplyMac);
BENCHMARK_CAPTURE(answerSignedPing, security_on_direct_mac, Security::On, Pings::DirectMac);

// The replay cache of a node taking 10,000 requests per minute with 60 s TTLs: request i
// arrives at i * 6 ms and is remembered until 60 s later. `minutes` of traffic: after
// one the cache is full (10,000 live ids); after more, expired ids make way for new ones.
// Reports the cache's own estimate (memoryBytes) and, as a check on it, what the heap
// grew by (mallinfo2: glibc's allocated bytes, chunk overhead included).
void replayCache10kPerMinute(benchmark::State& state) {
  constexpr std::int64_t kPerMinute = 10'000;
  constexpr std::int64_t kTtlMs = 60'000;
  constexpr std::int64_t kSpacingMs = 60'000 / kPerMinute;
  const auto minutes = static_cast<std::int64_t>(state.range(0));
  std::vector<std::string> ids;
  for (std::int64_t i = 0; i < kPerMinute * minutes; ++i) ids.push_back(drover::util::randomId());
  const std::int64_t start = drover::util::nowMs();
  std::size_t entries = 0, estimate = 0, heap = 0;
  for (auto _ : state) {
    std::size_t before = mallinfo2().uordblks;
    security::ReplayCache cache;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      std::int64_t now = start + static_cast<std::int64_t>(i) * kSpacingMs;
      benchmark::DoNotOptimize(cache.checkAndInsert(ids[i], now + kTtlMs, now));
    }
    entries = cache.size();
    estimate = cache.memoryBytes();
    heap = mallinfo2().uordblks - before;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ids.size()));
  state.counters["entries"] = static_cast<double>(entries);
  state.counters["memoryBytes"] = static_cast<double>(estimate);
  state.counters["bytes_per_entry"] = static_cast<double>(estimate) / static_cast<double>(entries);
  state.counters["heap_bytes"] = static_cast<double>(heap);
  state.counters["heap_per_entry"] = static_cast<double>(heap) / static_cast<double>(entries);
}
BENCHMARK(replayCache10kPerMinute)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond);

}  // namespace
