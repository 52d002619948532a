// The saved snapshot's file format: round trip, and every kind of damage refused with a reason.

#include <gtest/gtest.h>

#include "replica/journal/snapshot_file.h"

namespace loyal::journal {
namespace {

replica::SavedSnapshot sample_snapshot() {
  replica::SavedSnapshot snapshot;
  snapshot.sequence = 4200;
  snapshot.state_digest = crypto::sha256(as_bytes("state"));
  snapshot.bytes = to_bytes("the application state and the client table");
  return snapshot;
}

TEST(SnapshotFile, RoundTrips) {
  const replica::SavedSnapshot written = sample_snapshot();
  const Bytes file = encode_snapshot_file(written);
  EXPECT_EQ(file.size(), kSnapshotHeaderBytes + written.bytes.size());
  const Result<replica::SavedSnapshot> read = decode_snapshot_file(file);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->sequence, written.sequence);
  EXPECT_EQ(read->state_digest, written.state_digest);
  EXPECT_EQ(read->bytes, written.bytes);
}

TEST(SnapshotFile, EmptySnapshotBytesRoundTrip) {
  replica::SavedSnapshot written = sample_snapshot();
  written.bytes.clear();
  const Result<replica::SavedSnapshot> read = decode_snapshot_file(encode_snapshot_file(written));
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->bytes.empty());
}

TEST(SnapshotFile, EveryFlippedByteIsDetected) {
  const Bytes file = encode_snapshot_file(sample_snapshot());
  for (std::size_t offset = 0; offset < file.size(); ++offset) {
    Bytes damaged = file;
    damaged[offset] ^= 0x10;
    EXPECT_FALSE(decode_snapshot_file(damaged).ok()) << "flip at " << offset;
  }
}

TEST(SnapshotFile, TruncatedOrExtendedFileIsRefused) {
  const Bytes file = encode_snapshot_file(sample_snapshot());
  const Result<replica::SavedSnapshot> short_header = decode_snapshot_file(ByteView(file).first(10));
  ASSERT_FALSE(short_header.ok());
  EXPECT_NE(short_header.error().message.find("shorter than"), std::string::npos);
  EXPECT_FALSE(decode_snapshot_file(ByteView(file).first(file.size() - 1)).ok());
  Bytes longer = file;
  longer.push_back(0);
  EXPECT_FALSE(decode_snapshot_file(longer).ok());
}

}  // namespace
}  // namespace loyal::journal
