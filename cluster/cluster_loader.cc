#include "cluster/cluster_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "cluster/cluster_file.h"
#include "common/assert.h"

namespace loyal::cluster {
namespace {

// Enough to fix a badly broken file in a few passes without burying the first problems.
constexpr std::size_t kMaxReportedProblems = 50;

// Precondition: the ids were checked to be 0..n-1, each once.
ClusterConfig in_id_order(ClusterConfig config) {
  std::sort(config.replicas.begin(), config.replicas.end(),
            [](const ReplicaInfo& a, const ReplicaInfo& b) { return a.id < b.id; });
  std::sort(config.clients.begin(), config.clients.end(),
            [](const ClientInfo& a, const ClientInfo& b) { return a.id < b.id; });
  for (std::uint32_t i = 0; i < config.replica_count(); ++i) {
    LOYAL_ASSERT(config.replicas[i].id == i, "replica ids were checked to be 0..n-1");
  }
  for (std::uint32_t i = 0; i < config.client_count(); ++i) {
    LOYAL_ASSERT(config.clients[i].id == i, "client ids were checked to be 0..m-1");
  }
  return config;
}

Error too_large(const std::string& name, std::uintmax_t size) {
  return Error{name + ": the file is " + std::to_string(size) + " bytes; a cluster file is at most " +
               std::to_string(kMaxClusterFileBytes) + " bytes"};
}

}  // namespace

void ProblemList::add(std::uint32_t line, std::string message) { problems_.push_back({line, std::move(message)}); }

Error ProblemList::to_error(std::string_view source_name) const {
  std::vector<Problem> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string message;
  const std::size_t reported = std::min(sorted.size(), kMaxReportedProblems);
  for (std::size_t i = 0; i < reported; ++i) {
    if (i > 0) message.push_back('\n');
    message.append(source_name).append(":").append(std::to_string(sorted[i].line)).append(": ");
    message.append(sorted[i].message);
  }
  if (reported < sorted.size()) {
    message.append("\n").append(source_name).append(": ");
    message.append(std::to_string(sorted.size() - reported)).append(" more problems");
  }
  return Error{std::move(message)};
}

Result<ClusterConfig> parse_cluster(std::string_view toml_text, std::string_view source_name) {
  const std::string name(source_name);
  if (toml_text.size() > kMaxClusterFileBytes) return too_large(name, toml_text.size());
  toml::table document;
  try {
    document = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    const toml::source_position& where = error.source().begin;
    return Error{name + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                 ": invalid TOML: " + std::string(error.description())};
  }
  ProblemList problems;
  FileCluster cluster = read_cluster_document(document, problems);
  if (problems.empty()) check_whole_cluster(cluster, problems);
  if (!problems.empty()) return problems.to_error(source_name);
  return in_id_order(std::move(cluster.config));
}

Result<ClusterConfig> load_cluster_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) return Error{"cannot read cluster file " + name + ": " + error.message()};
  if (!std::filesystem::is_regular_file(status)) {
    return Error{"cannot read cluster file " + name + ": it is not a regular file"};
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return Error{"cannot read cluster file " + name + ": " + error.message()};
  if (size > kMaxClusterFileBytes) return too_large(name, size);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read cluster file " + name + ": " + std::strerror(errno)};
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Error{"cannot read cluster file " + name + ": " + std::strerror(errno)};
  return parse_cluster(text, name);
}

}  // namespace loyal::cluster
