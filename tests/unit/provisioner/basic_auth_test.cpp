// The page's login: htpasswd-style files with slow hashes only, errors naming the line,
// and a header granting access only with the right password.
#include "provisioner/web/basic_auth.hpp"

#include <crypt.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>

#include "testing/process.hpp"

namespace drover::provisioner::web {
namespace {

namespace fs = std::filesystem;

std::string hashOf(const std::string& password, const char* scheme) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  // The lowest cost each scheme takes: the tests check the format, not the strength.
  unsigned long cost = std::string(scheme) == "$2b$" ? 4 : 0;
  if (crypt_gensalt_rn(scheme, cost, nullptr, 0, salt, sizeof salt) == nullptr) {
    throw std::runtime_error("crypt_gensalt failed");
  }
  crypt_data data{};
  const char* hash = crypt_r(password.c_str(), salt, &data);
  if (hash == nullptr || hash[0] == '*') throw std::runtime_error("crypt failed");
  return hash;
}

std::string header(const std::string& user, const std::string& password) {
  std::string pair = user + ":" + password;
  std::string out(sodium_base64_ENCODED_LEN(pair.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(pair.data()),
                    pair.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return "Basic " + out;
}

class BasicAuthFile : public ::testing::Test {
 protected:
  fs::path write(const std::string& text) {
    fs::path file = dir_.path() / "users";
    std::ofstream(file) << text;
    return file;
  }
  std::string loadError(const std::string& text) {
    try {
      BasicAuth::load(write(text));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  testing::TempDir dir_;
};

TEST_F(BasicAuthFile, EachSlowSchemeLetsItsUserInWithItsPasswordOnly) {
  fs::path file = write("# who may look\n\nalice:" + hashOf("wonder land", "$2b$") +
                        "\nbob:" + hashOf("b0b", "$6$") + "\r\ncarol:" + hashOf("c", "$y$") +
                        "\ndave:" + hashOf("d", "$5$") + "\n");
  BasicAuth auth = BasicAuth::load(file);
  EXPECT_TRUE(auth.allows(header("alice", "wonder land")));
  EXPECT_TRUE(auth.allows(header("bob", "b0b")));
  EXPECT_TRUE(auth.allows(header("carol", "c")));
  EXPECT_TRUE(auth.allows(header("dave", "d")));
  EXPECT_TRUE(auth.allows(header("alice", "wonder land")));  // again, remembered

  EXPECT_FALSE(auth.allows(header("alice", "wonder lan")));
  EXPECT_FALSE(auth.allows(header("alice", "b0b")));
  EXPECT_FALSE(auth.allows(header("bob", "wonder land")));
  EXPECT_FALSE(auth.allows(header("eve", "wonder land")));
  EXPECT_FALSE(auth.allows(header("", "")));
  EXPECT_FALSE(auth.allows(""));
  EXPECT_FALSE(auth.allows("Bearer abc"));
  EXPECT_FALSE(auth.allows("Basic !!!not base64!!!"));
  EXPECT_FALSE(auth.allows("Basic " + std::string(5000, 'A')));
  EXPECT_FALSE(auth.allows("basic " + header("alice", "wonder land").substr(6)));
}

TEST_F(BasicAuthFile, AWeakOrMalformedLineIsRefusedNamingIt) {
  std::string good = "alice:" + hashOf("x", "$6$") + "\n";
  EXPECT_NE(loadError(good + "bob\n").find("users:2: not USER:HASH"), std::string::npos);
  EXPECT_NE(loadError(good + ":" + hashOf("x", "$6$") + "\n").find(":2: not USER:HASH"),
            std::string::npos);
  std::string plain = loadError("# c\nbob:secret\n");
  EXPECT_NE(plain.find("users:2: the hash of user 'bob' is not bcrypt"), std::string::npos)
      << plain;
  EXPECT_NE(loadError("bob:$1$abc$defghijklmnopqrstuvwx\n").find(":1: the hash of user 'bob'"),
            std::string::npos);
  EXPECT_NE(loadError("bob:$apr1$abc$def\n").find(":1:"), std::string::npos);
  EXPECT_NE(loadError("bob:abJnggxhB/yWI\n").find(":1:"), std::string::npos);  // DES
  EXPECT_NE(loadError(good + good).find("users:2: user 'alice' is listed twice"),
            std::string::npos);
  EXPECT_NE(loadError("# nobody\n\n").find("lists no user"), std::string::npos);
  EXPECT_NE(loadError(std::string(BasicAuth::kMaxFileBytes + 1, '#')).find("larger than"),
            std::string::npos);
  try {
    BasicAuth::load(dir_.path() / "missing");
    ADD_FAILURE() << "a missing file was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing: cannot be read"), std::string::npos);
  }
}

TEST_F(BasicAuthFile, AHashThatNoLongerMatchesItsSchemeLetsNobodyIn) {
  // A truncated bcrypt string: crypt(3) fails on it, which must not read as a match.
  BasicAuth auth = BasicAuth::load(write("alice:$2b$04$short\n"));
  EXPECT_FALSE(auth.allows(header("alice", "")));
  EXPECT_FALSE(auth.allows(header("alice", "short")));
}

}  // namespace
}  // namespace drover::provisioner::web
