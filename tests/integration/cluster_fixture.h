#pragma once
// The fixture of the integration tests: a scratch directory, a LocalCluster of real replicas and
// an in-process key-value client. Tests of a protocol whose core this loyal-replica build lacks
// are skipped with the replica's own message (so they run as soon as the protocol is wired in).

#include <map>
#include <ostream>
#include <set>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/integration_support.h"

namespace loyal::integration {

class ClusterFixture {
 protected:
  // Starts the cluster and a client (id `client_id`). Fails the test on errors: check
  // HasFatalFailure() after it.
  void start_cluster(const local::LocalClusterOptions& options, ClientId client_id = 0) {
    auto started = local::LocalCluster::start(options);
    ASSERT_TRUE(started.ok()) << started.error().message;
    cluster_ = std::move(*started);
    client_ = std::make_unique<KvClient>(cluster_->cluster_file(), client_id);
    // Listening is not connected: a replica that started after its peers misses their first
    // frames until their reconnect back-off (up to a second) brings them to it, and then lags
    // until the next checkpoint. Tests start from a cluster in which every replica is in step.
    const Status warm_up = client_->put("warm-up", "1");
    ASSERT_TRUE(warm_up.ok()) << warm_up.error().message << "\n" << describe_cluster(*cluster_);
    // (Byzantine replicas are free to stay out of step.)
    std::set<ReplicaId> byzantine;
    for (const auto& [replica, mode] : options.byzantine) byzantine.insert(replica);
    const auto in_step = wait_for_convergence(*cluster_, all_replicas_except(*cluster_, byzantine), *client_);
    ASSERT_TRUE(in_step.has_value()) << "the new cluster did not get in step\n" << describe_cluster(*cluster_);
  }

  // Writes `count` keys PREFIX-i = value-i and remembers them as acknowledged.
  void write_keys(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      const std::string key = prefix + "-" + std::to_string(i);
      const std::string value = "value-" + std::to_string(i) + "-of-" + prefix;
      const Status written = client_->put(key, value);
      ASSERT_TRUE(written.ok()) << written.error().message << "\n" << describe_cluster(*cluster_);
      acknowledged_[key] = value;
    }
  }

  // Reads back every acknowledged write through `client` (the fixture's by default).
  void expect_acknowledged_writes_readable(KvClient* client = nullptr) {
    KvClient& reader = client != nullptr ? *client : *client_;
    for (const auto& [key, value] : acknowledged_) {
      auto read = reader.get(key);
      ASSERT_TRUE(read.ok()) << read.error().message << "\n" << describe_cluster(*cluster_);
      EXPECT_EQ(read->value_or("<absent>"), value) << "key " << key;
    }
  }

  ScratchDirectory scratch_;
  std::unique_ptr<local::LocalCluster> cluster_;
  std::unique_ptr<KvClient> client_;
  std::map<std::string, std::string> acknowledged_;
};

// "pbft", "raft", "paxos": test names of suites parameterized by protocol.
inline std::string protocol_test_name(const ::testing::TestParamInfo<ProtocolMode>& info) {
  return std::string(to_string(info.param));
}

}  // namespace loyal::integration

namespace loyal {
// How GoogleTest prints a ProtocolMode parameter (CTest shows it in test names).
inline void PrintTo(ProtocolMode mode, std::ostream* out) { *out << to_string(mode); }
}  // namespace loyal
