// Bundles cut into deploy_put_blob requests (cli/commands/deploy_upload.hpp): 512 KiB
// of base64 each, the next one where the provisioner's reply says it stands.
#include "cli/commands/deploy_upload.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/process.hpp"

namespace drover::cli {
namespace {

using ::testing::HasSubstr;

std::string decode(const std::string& text) {
  std::string out(text.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  EXPECT_GE(length, 0) << text.substr(0, 40);
  std::size_t padding = text.size() - text.find_last_not_of('=') - 1;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

std::string randomBytes(std::size_t size) {
  std::mt19937 random(7);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random() & 0xff);
  return bytes;
}

class DeployUpload : public ::testing::Test {
 protected:
  LocalBlob blobOf(const std::string& bytes) {
    return LocalBlob{dir.write("bundle.tar", bytes), "sha256:" + std::string(64, 'a'),
                     bytes.size()};
  }
  testing::TempDir dir;
};

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64(std::string("\0\xff", 2)), "AP8=");
}

TEST_F(DeployUpload, ChunksAre512KiBAndTogetherTheFile) {
  const std::string bytes = randomBytes(2 * kChunkBytes + 100);
  LocalBlob blob = blobOf(bytes);
  std::string joined;
  for (std::uint64_t offset : {std::uint64_t{0}, kChunkBytes, 2 * kChunkBytes}) {
    Json args = putBlobArgs(blob, offset);
    EXPECT_EQ(args["digest"], blob.digest);
    EXPECT_EQ(args["size"], bytes.size());
    EXPECT_EQ(args["offset"], offset);
    std::string data = decode(args["data"]);
    EXPECT_EQ(data.size(), offset == 2 * kChunkBytes ? 100u : kChunkBytes);
    joined += data;
  }
  EXPECT_EQ(joined, bytes);
}

TEST_F(DeployUpload, AnEmptyBundleIsOneEmptyChunk) {
  LocalBlob blob = blobOf("");
  EXPECT_EQ(putBlobArgs(blob, 0)["data"], "");
  EXPECT_THROW(putBlobArgs(blob, 1), UploadError);
}

TEST_F(DeployUpload, AFileShorterThanLoadedIsNamed) {
  LocalBlob blob = blobOf("short");
  blob.size = 5000;
  try {
    putBlobArgs(blob, 0);
    FAIL() << "a short file was read";
  } catch (const UploadError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bundle.tar: cannot read 5000 bytes at offset 0"));
  }
}

TEST_F(DeployUpload, TheNextChunkStartsWhereTheProvisionerStands) {
  LocalBlob blob = blobOf(randomBytes(kChunkBytes + 1));
  EXPECT_EQ(nextOffset(blob, 0, Json{{"held", kChunkBytes}, {"complete", false}}), kChunkBytes);
  EXPECT_EQ(nextOffset(blob, kChunkBytes, Json{{"held", kChunkBytes + 1}, {"complete", true}}),
            std::nullopt);
  EXPECT_EQ(nextOffset(blob, 0, Json{{"held", kChunkBytes + 1}, {"complete", true}}), std::nullopt);
}

TEST_F(DeployUpload, RepliesWithoutProgressOrBeyondTheSizeEndTheUpload) {
  LocalBlob blob = blobOf(randomBytes(kChunkBytes + 1));
  EXPECT_THROW(nextOffset(blob, kChunkBytes, Json{{"held", kChunkBytes}, {"complete", false}}),
               UploadError);
  EXPECT_THROW(nextOffset(blob, 0, Json{{"held", 0}, {"complete", false}}), UploadError);
  EXPECT_THROW(nextOffset(blob, 0, Json{{"held", kChunkBytes + 1}, {"complete", false}}),
               UploadError);
  EXPECT_THROW(nextOffset(blob, 0, Json{{"held", kChunkBytes + 9}, {"complete", false}}),
               UploadError);
  EXPECT_THROW(nextOffset(blob, 0, Json{{"complete", false}}), UploadError);
  EXPECT_THROW(nextOffset(blob, 0, Json{{"held", "lots"}}), UploadError);
}

TEST_F(DeployUpload, ABundleHeldCompleteGetsOnlyItsFirstChunk) {
  LocalBlob blob = blobOf(randomBytes(3 * kChunkBytes));
  std::vector<Json> sent;
  std::size_t chunks = uploadBlob(blob, [&sent](const Json& args) {
    sent.push_back(args);
    return Json{{"held", 3 * kChunkBytes}, {"complete", true}};
  });
  EXPECT_EQ(chunks, 1u);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["offset"], 0);
}

}  // namespace
}  // namespace drover::cli
