#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <toml++/toml.h>

#include "crypto/encoding.h"

namespace loyal::crypto {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string format_key_file(const NodeSecrets& secrets) {
  std::ostringstream out;
  out << "# loyal secret key. Keep it private: mode 0600, never commit or share it.\n"
      << "role = \"" << to_string(secrets.node.role) << "\"\n"
      << "id = " << secrets.node.index << "\n"
      << "signing_seed = \"" << to_base64(secrets.signing.seed().view()) << "\"\n"
      << "exchange_secret = \"" << to_base64(secrets.exchange.secret().view()) << "\"\n";
  return out.str();
}

// Writes all of `text` to a new file created with mode 0600, syncs it, then renames it into
// place, so a crash never leaves a half-written key behind.
Status write_private_file(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{temporary.string() + ": cannot create: " + errno_text()};
  // O_CREAT leaves the mode of an existing temporary file alone; force it.
  if (::fchmod(fd, 0600) != 0) {
    const std::string reason = errno_text();
    ::close(fd);
    return Error{temporary.string() + ": cannot set mode 0600: " + reason};
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = errno_text();
      ::close(fd);
      return Error{temporary.string() + ": write failed: " + reason};
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Error{temporary.string() + ": sync failed: " + errno_text()};
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return Error{path.string() + ": cannot rename into place: " + errno_text()};
  }
  return {};
}

template <std::size_t N>
Status read_secret_field(const toml::table& table, std::string_view key, const std::string& where, Secret<N>& out) {
  const auto* value = table.get_as<std::string>(key);
  if (value == nullptr) return Error{where + ": missing " + std::string(key) + " (a base64 string)"};
  if (!from_base64(value->get(), out.mutable_view())) {
    return Error{where + ":" + std::to_string(value->source().begin.line) + ": " + std::string(key) +
                 " is not base64 of " + std::to_string(N) + " bytes"};
  }
  return {};
}

// toml++ keeps its own copies of the secret strings; wipe them before the table is freed.
void wipe_string_values(toml::table& table) {
  for (auto&& [key, value] : table) {
    if (auto* text = value.as_string()) {
      std::string& secret = text->get();
      wipe({reinterpret_cast<std::uint8_t*>(secret.data()), secret.size()});
    }
  }
}

}  // namespace

NodeSecrets generate_node_secrets(NodeId node) {
  return NodeSecrets{node, SigningKey::generate(), ExchangeKey::generate()};
}

Status write_key_file(const fs::path& path, const NodeSecrets& secrets, Overwrite overwrite) {
  std::error_code error;
  if (overwrite == Overwrite::refuse && fs::exists(path, error)) {
    return Error{path.string() + " already exists; refusing to overwrite a key (use --force to replace it)"};
  }
  std::string text = format_key_file(secrets);
  Status status = write_private_file(path, text);
  wipe({reinterpret_cast<std::uint8_t*>(text.data()), text.size()});
  return status;
}

Result<NodeSecrets> read_key_file(const fs::path& path) {
  const std::string where = path.string();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return Error{where + ": cannot read key file: " + errno_text()};
  if (!S_ISREG(info.st_mode)) return Error{where + ": not a regular file"};
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return Error{where + ": key file has mode " + mode +
                 "; it must not be accessible by group or others (run: chmod 600 " + where + ")"};
  }

  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{where + ": cannot open key file: " + errno_text()};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  toml::table table;
  try {
    table = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    wipe({reinterpret_cast<std::uint8_t*>(text.data()), text.size()});
    return Error{where + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
  }
  wipe({reinterpret_cast<std::uint8_t*>(text.data()), text.size()});

  for (const auto& [key, value] : table) {
    if (key != "role" && key != "id" && key != "signing_seed" && key != "exchange_secret") {
      return Error{where + ":" + std::to_string(value.source().begin.line) + ": unknown key \"" +
                   std::string(key.str()) + "\" in key file"};
    }
  }

  NodeId node;
  const auto* role = table.get_as<std::string>("role");
  if (role == nullptr) return Error{where + ": missing role (\"replica\" or \"client\")"};
  if (role->get() == "replica") {
    node.role = NodeRole::replica;
  } else if (role->get() == "client") {
    node.role = NodeRole::client;
  } else {
    return Error{where + ":" + std::to_string(role->source().begin.line) + ": role \"" + role->get() +
                 "\" is unknown; expected \"replica\" or \"client\""};
  }
  const auto* id = table.get_as<std::int64_t>("id");
  if (id == nullptr) return Error{where + ": missing id (an integer)"};
  if (id->get() < 0 || id->get() > static_cast<std::int64_t>(UINT32_MAX)) {
    return Error{where + ":" + std::to_string(id->source().begin.line) + ": id " + std::to_string(id->get()) +
                 " is out of range"};
  }
  node.index = static_cast<std::uint32_t>(id->get());

  SigningKey::Seed seed;
  ExchangeKey::SecretKey exchange_secret;
  Status status = read_secret_field(table, "signing_seed", where, seed);
  if (status) status = read_secret_field(table, "exchange_secret", where, exchange_secret);
  wipe_string_values(table);
  if (!status) return status.error();
  return NodeSecrets{node, SigningKey::from_seed(seed), ExchangeKey::from_secret(exchange_secret)};
}

}  // namespace loyal::crypto
