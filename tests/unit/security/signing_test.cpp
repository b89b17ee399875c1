// Signatures over bytes and envelopes, and everything verifyEnvelope refuses.
#include "core/security/signing.hpp"

#include <gtest/gtest.h>

#include "core/security/asn1_time.hpp"
#include "core/security/certificate.hpp"
#include "core/util/clock.hpp"
#include "core/util/ids.hpp"
#include "tests/unit/security/test_collective.hpp"

namespace drover::security {
namespace {

using testing::Identity;
using testing::TestCollective;
using Reason = VerifyError::Reason;

envelope::Envelope request(const std::string& sender) {
  envelope::Envelope env;
  env.id = util::randomId();
  env.sender = sender;
  env.collective = "drover";
  env.agent = "puppet";
  env.action = "runonce";
  env.args = Json{{"environment", "production"}};
  env.time = util::nowMs();
  return env;
}

// Sends through the codec as the bus would, so what is verified is what was decoded.
envelope::Envelope overTheWire(const envelope::Envelope& env) {
  return envelope::decode(envelope::encode(env));
}

Reason refusalReason(const envelope::Envelope& env, CertificateStore& store) {
  try {
    verifyEnvelope(env, store, util::nowMs());
  } catch (const VerifyError& e) {
    return e.reason();
  }
  ADD_FAILURE() << "envelope accepted";
  return Reason::Other;
}

class SecuritySigning : public ::testing::Test {
 protected:
  TestCollective collective_;
  std::unique_ptr<CertificateStore> store_ = collective_.store();
  Identity admin_ = collective_.issue("alice.admin", Role::Admin);
  Identity node_ = collective_.issue("web1", Role::Node);
};

TEST_F(SecuritySigning, SignatureOverBytesVerifiesAndAFlippedBitDoesNot) {
  Signer signer = admin_.signer();
  std::string signature = signer.sign("hello");
  EXPECT_EQ(signature.size(), 64u);
  X509Ptr cert = certificateFromPem(admin_.certPem);
  EXPECT_TRUE(verifySignature(cert.get(), "hello", signature));
  EXPECT_FALSE(verifySignature(cert.get(), "hellp", signature));
  signature[10] = static_cast<char>(signature[10] ^ 1);
  EXPECT_FALSE(verifySignature(cert.get(), "hello", signature));
  EXPECT_FALSE(verifySignature(cert.get(), "hello", signature.substr(0, 63)));
  EXPECT_FALSE(verifySignature(cert.get(), "hello", ""));
}

TEST_F(SecuritySigning, SignerRefusesAKeyThatIsNotTheCertificates) {
  EXPECT_THROW(Signer(generateKey(), admin_.certPem), std::invalid_argument);
}

TEST_F(SecuritySigning, SignedEnvelopeVerifiesAfterTheWire) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  EXPECT_FALSE(env.cert.empty());
  EXPECT_FALSE(isPem(env.cert));  // DER on the wire
  auto principal = verifyEnvelope(overTheWire(env), *store_, util::nowMs());
  EXPECT_EQ(principal.name, "alice.admin");
  EXPECT_EQ(principal.role, Role::Admin);
}

TEST_F(SecuritySigning, NodeReplyReportsTheNodeRole) {
  envelope::Envelope req = request("alice.admin");
  envelope::Envelope reply = envelope::makeReply(req, "web1", {}, Json{{"ok", true}});
  signEnvelope(reply, node_.signer());
  auto principal = verifyEnvelope(overTheWire(reply), *store_, util::nowMs());
  EXPECT_EQ(principal.name, "web1");
  EXPECT_EQ(principal.role, Role::Node);
}

TEST_F(SecuritySigning, EmptySenderIsFilledAndAForeignSenderIsNotSigned) {
  envelope::Envelope env = request("");
  signEnvelope(env, admin_.signer());
  EXPECT_EQ(env.sender, "alice.admin");
  envelope::Envelope other = request("bob.admin");
  EXPECT_THROW(signEnvelope(other, admin_.signer()), std::invalid_argument);
}

TEST_F(SecuritySigning, ChangedArgumentsAfterSigningAreRefused) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  env.args["environment"] = "productioN";
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::BadSignature);
}

TEST_F(SecuritySigning, FlippedByteInTheEncodedArgsIsRefused) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  std::string wire = envelope::encode(env);
  auto at = wire.find("production");
  ASSERT_NE(at, std::string::npos);
  wire[at] = 'P';
  EXPECT_EQ(refusalReason(envelope::decode(wire), *store_), Reason::BadSignature);
}

TEST_F(SecuritySigning, UnsignedMessageIsRefused) {
  envelope::Envelope env = request("alice.admin");
  try {
    verifyEnvelope(env, *store_, util::nowMs());
    FAIL() << "unsigned message accepted";
  } catch (const VerifyError& e) {
    EXPECT_EQ(e.reason(), Reason::Unsigned);
    EXPECT_EQ(std::string(e.what()).rfind("unsigned message", 0), 0u) << e.what();
  }
}

TEST_F(SecuritySigning, MessageWithoutCertificateIsRefused) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  env.cert.clear();
  EXPECT_EQ(refusalReason(env, *store_), Reason::NoCertificate);
}

TEST_F(SecuritySigning, SenderThatIsNotTheCertificatesNameIsRefused) {
  // web1 holds a valid certificate and signs properly, but claims to be alice.admin.
  envelope::Envelope env = request("alice.admin");
  Signer node = node_.signer();
  env.cert = node.certificateDer();
  env.sig = node.sign(envelope::signingBytes(env));
  try {
    verifyEnvelope(overTheWire(env), *store_, util::nowMs());
    FAIL() << "impersonation accepted";
  } catch (const VerifyError& e) {
    EXPECT_EQ(e.reason(), Reason::SenderMismatch);
    EXPECT_STREQ(e.what(), "sender 'alice.admin' does not match certificate 'web1'");
  }
}

TEST_F(SecuritySigning, SomeoneElsesCertificateWithOurSignatureIsRefused) {
  // web1 attaches alice's (public) certificate to a message it signs itself.
  envelope::Envelope env = request("alice.admin");
  X509Ptr aliceCert = certificateFromPem(admin_.certPem);
  env.cert = certificateToDer(aliceCert.get());
  env.sig = node_.signer().sign(envelope::signingBytes(env));
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::BadSignature);
}

TEST_F(SecuritySigning, CertificateFromAnotherCollectiveIsRefused) {
  TestCollective theirs;
  Identity impostor = theirs.issue("alice.admin", Role::Admin);
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, impostor.signer());
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::Untrusted);
}

TEST_F(SecuritySigning, ExpiredCertificateIsRefused) {
  CertificateAuthority::IssueOptions past;
  past.notBeforeMs = util::nowMs() - 30 * kMsPerDay;
  past.notAfterMs = util::nowMs() - kMsPerDay;
  Identity old = collective_.issue("bob.admin", Role::Admin, past);
  envelope::Envelope env = request("bob.admin");
  signEnvelope(env, old.signer());
  EXPECT_EQ(refusalReason(overTheWire(env), *store_), Reason::Expired);
}

TEST_F(SecuritySigning, RevokedSenderIsRefusedAfterCrlReload) {
  envelope::Envelope env = request("alice.admin");
  signEnvelope(env, admin_.signer());
  EXPECT_NO_THROW(verifyEnvelope(env, *store_, util::nowMs()));
  collective_.ca().revoke("alice.admin");
  store_->reload();
  EXPECT_EQ(refusalReason(env, *store_), Reason::Revoked);
}

// --- Replies MACed for their one recipient (pairwise.hpp) ---

class SecurityPairwise : public SecuritySigning {
 protected:
  Identity bob_ = collective_.issue("bob.admin", Role::Admin);
  Identity web2_ = collective_.issue("web2", Role::Node);

  static EVP_PKEY* keyOf(const Signer& signer, X509Ptr& holder) {
    holder = certificateFromDer(signer.certificateDer());
    return X509_get0_pubkey(holder.get());
  }

  // web1's reply to alice, MACed for alice, as it arrives.
  envelope::Envelope macedReply() {
    Signer alice = admin_.signer();
    X509Ptr holder;
    envelope::Envelope req = request("alice.admin");
    req.replyMac = true;
    envelope::Envelope reply = envelope::makeReply(req, "web1", {}, Json{{"pong", 1}});
    macEnvelope(reply, node_.signer(), keyOf(alice, holder));
    return overTheWire(reply);
  }

  Reason refusedFor(const envelope::Envelope& env, const Signer* recipient) {
    try {
      verifyEnvelope(env, *store_, util::nowMs(), recipient);
    } catch (const VerifyError& e) {
      return e.reason();
    }
    ADD_FAILURE() << "envelope accepted";
    return Reason::Other;
  }
};

TEST_F(SecurityPairwise, BothEndsDeriveOneKeyAndEveryOtherPairAnother) {
  Signer alice = admin_.signer(), web1 = node_.signer(), web2 = web2_.signer();
  X509Ptr a, w1, w2;
  auto raw = [](EVP_PKEY* key) {
    std::string out(32, '\0');
    std::size_t size = out.size();
    EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &size);
    return out;
  };
  std::string alicePub = raw(keyOf(alice, a)), web1Pub = raw(keyOf(web1, w1)),
              web2Pub = raw(keyOf(web2, w2));
  auto fromAlice = alice.pairwise().with(web1Pub);
  auto fromWeb1 = web1.pairwise().with(alicePub);
  ASSERT_TRUE(fromAlice && fromWeb1);
  EXPECT_EQ(*fromAlice, *fromWeb1);
  EXPECT_NE(*fromAlice, *alice.pairwise().with(web2Pub));
  EXPECT_NE(*fromAlice, *web2.pairwise().with(alicePub));
  std::string mac = alice.pairwise().mac(web1Pub, "bytes");
  EXPECT_EQ(mac.size(), kMacSize);
  EXPECT_TRUE(web1.pairwise().check(alicePub, "bytes", mac));
  EXPECT_FALSE(web1.pairwise().check(alicePub, "bytez", mac));
  EXPECT_FALSE(web2.pairwise().check(alicePub, "bytes", mac));
  EXPECT_FALSE(web1.pairwise().check(alicePub, "bytes", mac.substr(1)));
}

TEST_F(SecurityPairwise, KeysThatAreNoPointOrOfSmallOrderGiveNoKey) {
  Signer alice = admin_.signer();
  EXPECT_FALSE(alice.pairwise().with(""));
  EXPECT_FALSE(alice.pairwise().with(std::string(31, '\x01')));
  // The neutral element (y = 1) and a point of order 8 (y = 0): each would make the
  // agreement's result known to anyone.
  std::string neutral(32, '\0');
  neutral[0] = 1;
  EXPECT_FALSE(alice.pairwise().with(neutral));
  EXPECT_FALSE(alice.pairwise().with(std::string(32, '\0')));
  EXPECT_TRUE(alice.pairwise().mac(neutral, "bytes").empty());
  EXPECT_FALSE(alice.pairwise().check(neutral, "bytes", std::string(kMacSize, '\0')));
}

TEST_F(SecurityPairwise, TheCacheKeepsAtMostItsCapacity) {
  std::array<unsigned char, 64> secret{};
  secret.fill(7);
  PairwiseKeys keys(secret, 3);
  std::vector<Signer> peers;
  for (int i = 0; i < 5; ++i) {
    peers.push_back(collective_.issue("peer" + std::to_string(i), Role::Node).signer());
  }
  for (auto& peer : peers) {
    X509Ptr holder;
    std::string pub(32, '\0');
    std::size_t size = pub.size();
    EVP_PKEY_get_raw_public_key(keyOf(peer, holder), reinterpret_cast<unsigned char*>(pub.data()),
                                &size);
    auto key = keys.with(pub);
    ASSERT_TRUE(key);
    EXPECT_LE(keys.cached(), 3u);
  }
  EXPECT_EQ(keys.cached(), 3u);
}

TEST_F(SecurityPairwise, AMacedReplyChecksForItsRecipientOnly) {
  envelope::Envelope reply = macedReply();
  EXPECT_TRUE(reply.sig.empty());
  EXPECT_EQ(reply.mac.size(), kMacSize);
  Signer alice = admin_.signer(), bob = bob_.signer();
  auto principal = verifyEnvelope(reply, *store_, util::nowMs(), &alice);
  EXPECT_EQ(principal.name, "web1");
  EXPECT_EQ(principal.role, Role::Node);
  EXPECT_EQ(refusedFor(reply, &bob), Reason::BadSignature);
  // Nobody takes a MAC where a signature is due: a node checking a request has none.
  EXPECT_EQ(refusedFor(reply, nullptr), Reason::Unsigned);
}

TEST_F(SecurityPairwise, ATamperedMacedReplyIsRefused) {
  Signer alice = admin_.signer();
  envelope::Envelope changed = macedReply();
  changed.data["pong"] = 2;
  EXPECT_EQ(refusedFor(changed, &alice), Reason::BadSignature);
  envelope::Envelope flipped = macedReply();
  flipped.mac[5] = static_cast<char>(flipped.mac[5] ^ 1);
  EXPECT_EQ(refusedFor(flipped, &alice), Reason::BadSignature);
  envelope::Envelope renamed = macedReply();
  renamed.requestId = util::randomId();
  EXPECT_EQ(refusedFor(renamed, &alice), Reason::BadSignature);
}

TEST_F(SecurityPairwise, AnotherNodeCannotMacInTheNameOfThisOne) {
  // web2 MACs for alice with its own key, then claims web1's name and certificate.
  Signer alice = admin_.signer();
  X509Ptr holder;
  envelope::Envelope req = request("alice.admin");
  envelope::Envelope reply = envelope::makeReply(req, "web2", {}, Json{{"pong", 1}});
  macEnvelope(reply, web2_.signer(), keyOf(alice, holder));
  reply.sender = "web1";
  reply.cert = node_.signer().certificateDer();
  EXPECT_EQ(refusedFor(overTheWire(reply), &alice), Reason::BadSignature);
  // And under its own name the same MAC still checks: it is the certificate that fails.
  envelope::Envelope own = envelope::makeReply(req, "web2", {}, Json{{"pong", 1}});
  macEnvelope(own, web2_.signer(), keyOf(alice, holder));
  EXPECT_EQ(verifyEnvelope(overTheWire(own), *store_, util::nowMs(), &alice).name, "web2");
}

TEST_F(SecurityPairwise, AMacedMessageFromAnUntrustedCertificateIsRefusedFirst) {
  TestCollective theirs;
  Identity impostor = theirs.issue("web1", Role::Node);
  Signer alice = admin_.signer();
  X509Ptr holder;
  envelope::Envelope reply =
      envelope::makeReply(request("alice.admin"), "web1", {}, Json{{"pong", 1}});
  macEnvelope(reply, impostor.signer(), keyOf(alice, holder));
  EXPECT_EQ(refusedFor(overTheWire(reply), &alice), Reason::Untrusted);
}

TEST_F(SecurityPairwise, MacingRefusesAForeignSenderAndANonEd25519Key) {
  Signer alice = admin_.signer();
  X509Ptr holder;
  envelope::Envelope reply = envelope::makeReply(request("alice.admin"), "web9", {}, Json{});
  EXPECT_THROW(macEnvelope(reply, node_.signer(), keyOf(alice, holder)), std::invalid_argument);
  envelope::Envelope other = envelope::makeReply(request("alice.admin"), "web1", {}, Json{});
  EXPECT_THROW(macEnvelope(other, node_.signer(), nullptr), std::invalid_argument);
}

// A direct request carries its signature and, when the caller knows the node's key, a
// MAC for that node: the node checks the MAC and spares the signature check; a MAC that
// does not check (a key from before the node's certificate changed) leaves the signature.
TEST_F(SecurityPairwise, ARequestMacedBesideItsSignatureChecksByEitherForItsNode) {
  Signer alice = admin_.signer(), web1 = node_.signer(), web2 = web2_.signer();
  X509Ptr holder;
  std::string web1Key = rawPublicKey(keyOf(web1, holder));
  auto withMac = [&](const std::string& key, bool goodSignature) {
    envelope::Envelope req = request("alice.admin");
    req.targets = {"web1"};
    signEnvelope(req, alice);
    if (!goodSignature) req.sig[3] = static_cast<char>(req.sig[3] ^ 1);
    req.mac = alice.pairwise().mac(key, envelope::signingBytes(req));
    return overTheWire(req);
  };
  envelope::Envelope good = withMac(web1Key, true);
  EXPECT_EQ(verifyEnvelope(good, *store_, util::nowMs(), &web1).name, "alice.admin");
  // Not the MAC's node: the signature decides.
  EXPECT_EQ(verifyEnvelope(good, *store_, util::nowMs(), &web2).name, "alice.admin");
  EXPECT_EQ(verifyEnvelope(good, *store_, util::nowMs()).name, "alice.admin");
  // A MAC made for web2's key reaching web1: the signature still lets it through.
  std::string web2Key = rawPublicKey(keyOf(web2, holder));
  EXPECT_EQ(verifyEnvelope(withMac(web2Key, true), *store_, util::nowMs(), &web1).name,
            "alice.admin");
  // Neither checks: refused.
  EXPECT_EQ(refusedFor(withMac(web2Key, false), &web1), Reason::BadSignature);
  // The MAC, made by alice for web1, is what web1 checks; only alice and web1 can make it.
  EXPECT_EQ(verifyEnvelope(withMac(web1Key, false), *store_, util::nowMs(), &web1).name,
            "alice.admin");
  EXPECT_EQ(refusedFor(withMac(web1Key, false), &web2), Reason::BadSignature);
  // Changing what was covered breaks both.
  envelope::Envelope changed = good;
  changed.targets = {"web2"};
  EXPECT_EQ(refusedFor(changed, &web1), Reason::BadSignature);
}

TEST_F(SecurityPairwise, PeerKeysRemembersTheLatestKeyOfItsLatestPeers) {
  PeerKeys peers(2);
  EXPECT_EQ(peers.find("web1"), "");
  peers.learn("web1", "key-1");
  peers.learn("web1", "key-1b");
  EXPECT_EQ(peers.find("web1"), "key-1b");
  peers.learn("web2", "key-2");
  peers.learn("web3", "key-3");
  EXPECT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers.find("web1"), "");
  EXPECT_EQ(peers.find("web3"), "key-3");
}

}  // namespace
}  // namespace drover::security
