// Bad input from outside: frames that are garbage, truncated, oversized or for another cluster,
// sent with a raw ZeroMQ DEALER straight to the replicas' ports (the replicas keep serving and
// count the drops in their status lines); and broken cluster and key files (the programs refuse
// them with a clear message and a non-zero exit code).

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zmq.hpp>

#include "client/kv_command.h"
#include "cluster/keygen.h"
#include "common/prng.h"
#include "net/envelope_codec.h"
#include "deploy/local/wait_until.h"
#include "tests/integration/cluster_fixture.h"

namespace loyal::integration {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int kFramesOfEachKind = 20;
constexpr std::size_t kGarbageFrameBytes = 512;
constexpr std::size_t kOversizedFrameBytes = net::kMaxFrameBytes + (1u << 20);
constexpr std::chrono::milliseconds kDropsCountedDeadline{10'000};

Bytes garbage_frame(Prng& prng) {
  Bytes frame(kGarbageFrameBytes);
  for (std::uint8_t& byte : frame) byte = static_cast<std::uint8_t>(prng.next());
  return frame;
}

// A well-formed client request envelope (its authenticator is missing, but the decoder refuses
// the frames below before it would look).
Bytes envelope_frame(std::uint64_t cluster_id, ProtocolMode mode) {
  net::Envelope envelope;
  envelope.header = net::EnvelopeHeader{cluster_id, mode, NodeId::client(0), net::MessageKind::client_request};
  envelope.body = to_bytes("not really a request");
  return net::encode_envelope(envelope);
}

// A DEALER connected to one replica's port, as any program on the network could open.
class RawConnection {
 public:
  RawConnection(zmq::context_t& context, std::uint16_t port) : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 1000);
    socket_.connect("tcp://127.0.0.1:" + std::to_string(port));
  }
  void send(const Bytes& frame) { socket_.send(zmq::buffer(frame.data(), frame.size()), zmq::send_flags::none); }

 private:
  zmq::socket_t socket_;
};

class BadFrames : public ClusterFixture, public ::testing::TestWithParam<ProtocolMode> {
 protected:
  void SetUp() override { start_cluster(test_cluster_options(GetParam(), scratch_.path())); }
};

TEST_P(BadFrames, ReplicasKeepServingAndCountTheDrops) {
  write_keys("before", 3);
  const std::uint64_t cluster_id = cluster_->config().cluster_id;
  const Bytes wrong_cluster = envelope_frame(cluster_id + 1, GetParam());
  Bytes truncated = envelope_frame(cluster_id, GetParam());
  truncated.resize(truncated.size() - 5);
  Prng prng(20261126);
  {
    zmq::context_t context;
    std::vector<std::unique_ptr<RawConnection>> connections;
    for (const cluster::ReplicaInfo& replica : cluster_->config().replicas) {
      connections.push_back(std::make_unique<RawConnection>(context, replica.port));
      for (int i = 0; i < kFramesOfEachKind; ++i) {
        connections.back()->send(garbage_frame(prng));
        connections.back()->send(truncated);
        connections.back()->send(wrong_cluster);
      }
      // libzmq itself refuses a frame over the replica's ZMQ_MAXMSGSIZE and drops the connection.
      RawConnection oversized(context, replica.port);
      oversized.send(Bytes(kOversizedFrameBytes, 0xab));
    }

    for (ReplicaId r = 0; r < cluster_->replica_count(); ++r) {
      const auto counted = [&] {
        const auto status = cluster_->latest_status(r);
        return status && status->drops_with_prefix("decode.") >= 3u * kFramesOfEachKind &&
               status->drops.count("decode.wrong_cluster") > 0 &&
               status->drops.at("decode.wrong_cluster") >= static_cast<std::uint64_t>(kFramesOfEachKind);
      };
      EXPECT_TRUE(local::wait_until(counted, kDropsCountedDeadline))
          << "replica " << r << " did not count the bad frames\n" << describe_cluster(*cluster_);
    }
  }
  for (ReplicaId r = 0; r < cluster_->replica_count(); ++r) EXPECT_TRUE(cluster_->running(r)) << "replica " << r;
  write_keys("after", 5);
  expect_acknowledged_writes_readable();
}

INSTANTIATE_TEST_SUITE_P(Protocols, BadFrames,
                         ::testing::Values(ProtocolMode::pbft, ProtocolMode::raft, ProtocolMode::paxos),
                         protocol_test_name);

// A cluster directory as loyal-keygen writes it, without any process.
class BadFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster::KeygenOptions options;
    options.replica_count = 4;
    options.client_count = 2;
    auto generated = cluster::generate_cluster(options);
    ASSERT_TRUE(generated.ok()) << generated.error().message;
    ASSERT_TRUE(cluster::write_cluster_directory(directory(), *generated, crypto::Overwrite::refuse).ok());
  }
  fs::path directory() const { return scratch_.path() / "cluster"; }
  fs::path cluster_file() const { return cluster::cluster_file_path(directory()); }
  fs::path data() const { return scratch_.path() / "data"; }

  ScratchDirectory scratch_;
};

TEST_F(BadFiles, MalformedClusterFileIsRefusedWithItsFileAndLine) {
  const fs::path broken = scratch_.path() / "broken.toml";
  std::ofstream(broken) << "cluster_id = 7\nprotocol = \"pbft\"\n[[replica]]\nid = \"zero\"\n";
  const ProgramRun replica =
      run_program(replica_binary(), {"--cluster", broken.string(), "--id", "0", "--data-dir", data().string()});
  EXPECT_NE(replica.exit_code, 0);
  EXPECT_THAT(replica.output, HasSubstr("loyal-replica: "));
  EXPECT_THAT(replica.output, HasSubstr("broken.toml:"));
  const ProgramRun client = run_program(client_binary(), {"--cluster", broken.string(), "get", "color"});
  EXPECT_EQ(client.exit_code, static_cast<int>(client::ExitCode::bad_setup)) << client.output;
  EXPECT_THAT(client.output, HasSubstr("broken.toml:"));
}

TEST_F(BadFiles, UnreadableReplicaKeyIsRefused) {
  const fs::path key = cluster::key_file_path(directory(), NodeId::replica(1));
  fs::remove(key);
  fs::create_directory(key);  // exists, but cannot be read as a file (even by root)
  const ProgramRun run =
      run_program(replica_binary(), {"--cluster", cluster_file().string(), "--id", "1", "--data-dir", data().string()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.output, HasSubstr("replica-1.key"));
}

TEST_F(BadFiles, CorruptClientKeyIsRefused) {
  std::ofstream(cluster::key_file_path(directory(), NodeId::client(1)), std::ios::trunc) << "not a key\n";
  const ProgramRun run =
      run_program(client_binary(), {"--cluster", cluster_file().string(), "--id", "1", "get", "color"});
  EXPECT_EQ(run.exit_code, static_cast<int>(client::ExitCode::bad_setup)) << run.output;
  EXPECT_THAT(run.output, HasSubstr("client-1.key"));
}

}  // namespace
}  // namespace loyal::integration
