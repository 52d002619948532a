#pragma once
// One secret key file per node: its role and id, its Ed25519 seed and its X25519 secret.
//
//   # loyal secret key. Keep it private: mode 0600, never commit or share it.
//   role = "replica"
//   id = 2
//   signing_seed = "<base64 of 32 bytes>"
//   exchange_secret = "<base64 of 32 bytes>"
//
// Files are written with mode 0600 and refused on read when group or others may access them,
// as ssh does with private keys.

#include <filesystem>

#include "common/ids.h"
#include "common/result.h"
#include "crypto/key_exchange.h"
#include "crypto/signing.h"

namespace loyal::crypto {

struct NodeSecrets {
  NodeId node;
  SigningKey signing;
  ExchangeKey exchange;
};

NodeSecrets generate_node_secrets(NodeId node);

enum class Overwrite { refuse, allow };

// Writes atomically (temporary file, then rename) with mode 0600.
Status write_key_file(const std::filesystem::path& path, const NodeSecrets& secrets, Overwrite overwrite);
Result<NodeSecrets> read_key_file(const std::filesystem::path& path);

}  // namespace loyal::crypto
