// The chunked, content-addressed blob store (core/util/blob_store.hpp) and the base64
// that carries its chunks: in order, restart at 0, digest checked at the end, limits.
#include "core/util/blob_store.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/util/base64.hpp"
#include "core/util/files.hpp"
#include "testing/process.hpp"

namespace drover::util {
namespace {

namespace fs = std::filesystem;

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 7919) % 251);
  return out;
}

std::string errorOf(BlobStore& store, const std::string& digest, std::uint64_t size,
                    std::uint64_t offset, std::string_view data) {
  try {
    store.put(digest, size, offset, data);
  } catch (const BlobError& e) {
    return e.what();
  }
  return "";
}

class BlobStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  BlobStore store_{dir_ / "blobs", 1 << 20, 1000};
  const std::string data_ = pattern(2500);
  const std::string digest_ = sha256Digest(data_);
};

TEST_F(BlobStoreTest, ChunksInOrderCompleteTheBlobUnderItsDigest) {
  EXPECT_FALSE(store_.find(digest_));
  auto first = store_.put(digest_, 2500, 0, std::string_view(data_).substr(0, 1000));
  EXPECT_EQ(first.held, 1000u);
  EXPECT_FALSE(first.complete);
  EXPECT_FALSE(store_.find(digest_));
  EXPECT_EQ(store_.put(digest_, 2500, 1000, std::string_view(data_).substr(1000, 1000)).held,
            2000u);
  auto last = store_.put(digest_, 2500, 2000, std::string_view(data_).substr(2000));
  EXPECT_EQ(last.held, 2500u);
  EXPECT_TRUE(last.complete);
  ASSERT_TRUE(store_.find(digest_));
  EXPECT_EQ(*store_.find(digest_), dir_ / "blobs" / digest_.substr(7));
  EXPECT_EQ(readFile(*store_.find(digest_)), data_);
  EXPECT_TRUE(fs::is_empty(dir_ / "blobs/partial"));
}

TEST_F(BlobStoreTest, ACompleteBlobAnswersCompleteAtOnce) {
  store_.put(digest_, 2500, 0, std::string_view(data_).substr(0, 1000));
  store_.put(digest_, 2500, 1000, std::string_view(data_).substr(1000, 1000));
  store_.put(digest_, 2500, 2000, std::string_view(data_).substr(2000));
  auto again = store_.put(digest_, 2500, 0, "");
  EXPECT_TRUE(again.complete);
  EXPECT_EQ(again.held, 2500u);
  EXPECT_NE(errorOf(store_, digest_, 99, 0, "").find("holds 2500"), std::string::npos);
}

TEST_F(BlobStoreTest, AnOffsetThatDoesNotFollowWhatIsHeldIsRefusedNamingWhatIsHeld) {
  store_.put(digest_, 2500, 0, std::string_view(data_).substr(0, 1000));
  std::string why = errorOf(store_, digest_, 2500, 2000, std::string_view(data_).substr(2000));
  EXPECT_NE(why.find("offset: 2000 does not follow the 1000 bytes held"), std::string::npos) << why;
  EXPECT_EQ(store_.put(digest_, 2500, 1000, std::string_view(data_).substr(1000, 1000)).held,
            2000u);
}

TEST_F(BlobStoreTest, OffsetZeroStartsOver) {
  store_.put(digest_, 2500, 0, "garbage that is not the blob");
  EXPECT_EQ(store_.put(digest_, 2500, 0, std::string_view(data_).substr(0, 1000)).held, 1000u);
  store_.put(digest_, 2500, 1000, std::string_view(data_).substr(1000, 1000));
  EXPECT_TRUE(store_.put(digest_, 2500, 2000, std::string_view(data_).substr(2000)).complete);
}

TEST_F(BlobStoreTest, AChunkSentAgainAfterALostReplyChangesNothing) {
  store_.put(digest_, 2500, 0, std::string_view(data_).substr(0, 1000));
  store_.put(digest_, 2500, 1000, std::string_view(data_).substr(1000, 1000));
  auto again = store_.put(digest_, 2500, 1000, std::string_view(data_).substr(1000, 1000));
  EXPECT_EQ(again.held, 2000u);
  std::string other(1000, 'x');
  EXPECT_NE(errorOf(store_, digest_, 2500, 1000, other).find("does not follow"), std::string::npos);
}

TEST_F(BlobStoreTest, ADigestMismatchDiscardsTheUploadNamingBothDigests) {
  std::string wrong = sha256Digest("something else");
  store_.put(wrong, 2500, 0, std::string_view(data_).substr(0, 1000));
  store_.put(wrong, 2500, 1000, std::string_view(data_).substr(1000, 1000));
  std::string why = errorOf(store_, wrong, 2500, 2000, std::string_view(data_).substr(2000));
  EXPECT_NE(why.find(wrong), std::string::npos) << why;
  EXPECT_NE(why.find(digest_), std::string::npos) << why;
  EXPECT_FALSE(store_.find(wrong));
  EXPECT_TRUE(fs::is_empty(dir_ / "blobs/partial"));
}

TEST_F(BlobStoreTest, RefusesBadDigestsOversizeBlobsAndChunksAndDataPastTheEnd) {
  for (const std::string& bad : std::vector<std::string>{
           "sha256:ABC", "md5:" + std::string(64, 'a'), "sha256:" + std::string(63, 'a') + "/",
           "sha256:../../etc/passwd", "sha256:" + std::string(64, 'A')}) {
    EXPECT_NE(errorOf(store_, bad, 10, 0, "").find("digest: "), std::string::npos) << bad;
    EXPECT_FALSE(store_.find(bad));
  }
  EXPECT_NE(errorOf(store_, digest_, (1 << 20) + 1, 0, "").find("over the limit of 1048576"),
            std::string::npos);
  EXPECT_NE(errorOf(store_, digest_, 2500, 0, pattern(1001)).find("data: a chunk of 1001 bytes"),
            std::string::npos);
  EXPECT_NE(errorOf(store_, digest_, 10, 5, pattern(6)).find("go past the blob's size 10"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "blobs/partial") && !fs::is_empty(dir_ / "blobs/partial"));
}

TEST_F(BlobStoreTest, KeepsAtMostAFewUploadsInProgress) {
  for (std::size_t i = 0; i < kMaxUploads + 3; ++i) {
    store_.put(sha256Digest(std::to_string(i)), 100, 0, "partial");
  }
  std::size_t uploads = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_ / "blobs/partial"))
    ++uploads;
  EXPECT_EQ(uploads, kMaxUploads);
}

TEST(Sha256, DigestsBytesAndFilesAlike) {
  EXPECT_EQ(sha256Digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  testing::TempDir dir;
  EXPECT_EQ(sha256DigestOfFile(dir.write("abc", "abc")), sha256Digest("abc"));
  EXPECT_EQ(checkDigest(sha256Digest("abc")), "");
}

TEST(Base64, RoundTripsEveryLengthAndRefusesWhatIsNotCanonical) {
  for (std::size_t n = 0; n < 40; ++n) {
    std::string bytes = pattern(n);
    EXPECT_EQ(decodeBase64(encodeBase64(bytes)), bytes) << n;
  }
  EXPECT_EQ(encodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(decodeBase64("Zm9vYmFy"), "foobar");
  for (const char* bad : {"Zm9", "Zm9v\nYg==", "Zm=vYg==", "Zm9vYh==", "Zg==Zg==", "Zm9v!g=="}) {
    EXPECT_FALSE(decodeBase64(bad)) << bad;
  }
}

// A sweep removes the complete blobs nobody keeps once they are older than the grace;
// kept ones, young ones and what is not a blob stay.
TEST_F(BlobStoreTest, ASweepRemovesOnlyOldBlobsNobodyKeeps) {
  std::string a = pattern(10), b = pattern(20), c = pattern(30);
  for (const auto& bytes : {a, b, c}) store_.put(sha256Digest(bytes), bytes.size(), 0, bytes);
  writeFileAtomically(dir_ / "blobs/notes.txt", "not a blob");
  auto old = fs::file_time_type::clock::now() - std::chrono::hours(2);
  for (const auto& bytes : {a, b}) fs::last_write_time(*store_.find(sha256Digest(bytes)), old);
  EXPECT_EQ(store_.sweep({sha256Digest(a)}, std::chrono::hours(1)), 1u);
  EXPECT_TRUE(store_.find(sha256Digest(a)));   // kept
  EXPECT_FALSE(store_.find(sha256Digest(b)));  // old, not kept
  EXPECT_TRUE(store_.find(sha256Digest(c)));   // young
  EXPECT_TRUE(fs::exists(dir_ / "blobs/notes.txt"));
  EXPECT_EQ(store_.sweep({}, std::chrono::hours(1)), 1u);  // a, now nobody's
  BlobStore empty(dir_ / "never-made", 1 << 20);
  EXPECT_EQ(empty.sweep({}, std::chrono::seconds(0)), 0u);
}

}  // namespace
}  // namespace drover::util
