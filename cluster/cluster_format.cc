// format_cluster(): the cluster file as loyal-keygen writes it, with comments for the operator
// who will read and edit it.

#include <cstdio>

#include "cluster/cluster_loader.h"
#include "cluster/cluster_rules.h"
#include "crypto/encoding.h"

namespace loyal::cluster {
namespace {

constexpr std::size_t kCommentColumn = 34;

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void add_line(std::string& out, const std::string& assignment, std::string_view comment = {}) {
  out += assignment;
  if (!comment.empty()) {
    out.append(assignment.size() < kCommentColumn ? kCommentColumn - assignment.size() : 2, ' ');
    out += "# ";
    out += comment;
  }
  out += '\n';
}

std::string fault_summary(const ClusterConfig& config) {
  const bool byzantine = config.protocol == ProtocolMode::pbft;
  const std::uint32_t f = config.max_faulty();
  return std::string(to_string(config.protocol)) + " with n = " + std::to_string(config.replica_count()) +
         " replicas tolerates f = " + std::to_string(f) + (byzantine ? " Byzantine" : " crashed") +
         (f == 1 ? " replica" : " replicas") + (byzantine ? " (n >= 3f+1)." : " (n >= 2f+1).");
}

}  // namespace

std::string format_cluster(const ClusterConfig& config) {
  std::string out;
  out += "# loyal cluster file: the members of one cluster, where the replicas listen, their public keys\n"
         "# and the protocol parameters. It holds no secrets: every replica and client gets a copy, and\n"
         "# each node keeps its secret keys in a key file of its own.\n"
         "#\n"
         "# " + fault_summary(config) + "\n\n";
  add_line(out, "cluster_id = " + std::to_string(config.cluster_id), "identifies this cluster on the wire");
  add_line(out, "protocol = " + toml_string(to_string(config.protocol)), "pbft | raft | paxos");

  out += "\n# Protocol parameters; times are in milliseconds. A key left out takes its default.\n";
  out += "[parameters]\n";
  add_line(out, std::string(kClientAuthKey) + " = " + toml_string(to_string(config.parameters.client_auth)),
           "signature (robust) | mac (faster; a faulty client can force view changes)");
  for (const NumericParameter& parameter : numeric_parameters()) {
    add_line(out, std::string(parameter.name) + " = " + std::to_string(config.parameters.*parameter.field),
             parameter.comment);
  }

  out += "\n# Replicas, ids 0..n-1: where each listens, its Ed25519 public_key (signatures) and its X25519\n"
         "# exchange_public_key (pairwise MAC keys), both base64.\n";
  for (const ReplicaInfo& replica : config.replicas) {
    out += "[[replica]]\n";
    add_line(out, "id = " + std::to_string(replica.id));
    add_line(out, "host = " + toml_string(replica.host));
    add_line(out, "port = " + std::to_string(replica.port));
    add_line(out, "public_key = " + toml_string(crypto::to_base64(replica.public_key.view())));
    add_line(out, "exchange_public_key = " + toml_string(crypto::to_base64(replica.exchange_public_key.view())));
    out += '\n';
  }

  out += "# Clients, ids 0..m-1, with their public keys as for replicas.\n";
  for (const ClientInfo& client : config.clients) {
    out += "[[client]]\n";
    add_line(out, "id = " + std::to_string(client.id));
    add_line(out, "public_key = " + toml_string(crypto::to_base64(client.public_key.view())));
    add_line(out, "exchange_public_key = " + toml_string(crypto::to_base64(client.exchange_public_key.view())));
    out += '\n';
  }
  if (out.ends_with("\n\n")) out.pop_back();  // no blank line after the last entry
  return out;
}

}  // namespace loyal::cluster
