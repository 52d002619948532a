#include "crypto/key_file.h"

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

namespace loyal::crypto {
namespace {

namespace fs = std::filesystem;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("loyal-key-file-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_text(const fs::path& path, const std::string& text, fs::perms mode) {
    std::ofstream(path) << text;
    fs::permissions(path, mode);
  }

  fs::path dir_;
};

TEST_F(KeyFileTest, RoundTripsAndIsWrittenWithMode0600) {
  const NodeSecrets secrets = generate_node_secrets(NodeId::replica(3));
  const fs::path path = dir_ / "replica-3.key";
  ASSERT_TRUE(write_key_file(path, secrets, Overwrite::refuse).ok());

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  const Result<NodeSecrets> read = read_key_file(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->node, NodeId::replica(3));
  EXPECT_EQ(read->signing.public_key(), secrets.signing.public_key());
  EXPECT_EQ(read->exchange.public_key(), secrets.exchange.public_key());
}

TEST_F(KeyFileTest, RefusesToOverwriteUnlessAllowed) {
  const fs::path path = dir_ / "client-0.key";
  ASSERT_TRUE(write_key_file(path, generate_node_secrets(NodeId::client(0)), Overwrite::refuse).ok());
  const Status again = write_key_file(path, generate_node_secrets(NodeId::client(0)), Overwrite::refuse);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  EXPECT_TRUE(write_key_file(path, generate_node_secrets(NodeId::client(0)), Overwrite::allow).ok());
}

TEST_F(KeyFileTest, RefusesFilesReadableByGroupOrOthers) {
  const fs::path path = dir_ / "replica-0.key";
  ASSERT_TRUE(write_key_file(path, generate_node_secrets(NodeId::replica(0)), Overwrite::refuse).ok());
  for (const fs::perms extra : {fs::perms::others_read, fs::perms::group_read, fs::perms::group_write}) {
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | extra);
    const Result<NodeSecrets> read = read_key_file(path);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("must not be accessible by group or others"), std::string::npos)
        << read.error().message;
    EXPECT_NE(read.error().message.find("chmod 600"), std::string::npos) << "the error says how to fix it";
  }
}

TEST_F(KeyFileTest, RefusesMalformedFilesWithTheReason) {
  const fs::perms private_mode = fs::perms::owner_read | fs::perms::owner_write;
  const std::string good_seed = "signing_seed = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n";
  const std::string good_exchange = "exchange_secret = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n";
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"role = \"replica\"\nid = 1\n" + good_exchange, "missing signing_seed"},
      {"role = \"replica\"\nid = 1\nsigning_seed = \"not base64!\"\n" + good_exchange,
       ":3: signing_seed is not base64 of 32 bytes"},
      {"role = \"king\"\nid = 1\n" + good_seed + good_exchange, ":1: role \"king\" is unknown"},
      {"role = \"client\"\n" + good_seed + good_exchange, "missing id"},
      {"role = \"client\"\nid = -4\n" + good_seed + good_exchange, ":2: id -4 is out of range"},
      {"role = \"client\"\nid = 1\nextra = 5\n" + good_seed + good_exchange, ":3: unknown key \"extra\""},
      {"role = \"client\nid = 1\n", ":1: "},
  };
  for (const Case& c : cases) {
    const fs::path path = dir_ / "broken.key";
    write_text(path, c.text, private_mode);
    const Result<NodeSecrets> read = read_key_file(path);
    ASSERT_FALSE(read.ok()) << c.text;
    EXPECT_NE(read.error().message.find(c.expected), std::string::npos)
        << "expected \"" << c.expected << "\" in: " << read.error().message;
    EXPECT_EQ(read.error().message.rfind(path.string(), 0), 0u) << "the error names the file";
  }
}

TEST_F(KeyFileTest, MissingFileIsAnError) {
  const Result<NodeSecrets> read = read_key_file(dir_ / "absent.key");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("absent.key"), std::string::npos);
}

}  // namespace
}  // namespace loyal::crypto
