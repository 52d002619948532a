#include "deploy/local/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

namespace loyal::local {
namespace {

// How often wait_for_exit() looks again: short next to any timeout a caller gives.
constexpr std::chrono::milliseconds kExitPollInterval{5};

std::string errno_text() { return std::strerror(errno); }

// "VmHWM:    12345 kB" in /proc/PID/status.
std::optional<std::uint64_t> read_vm_hwm_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    const std::size_t digits = line.find_first_of("0123456789");
    if (digits == std::string::npos) return std::nullopt;
    return std::stoull(line.substr(digits)) * 1024;
  }
  return std::nullopt;
}

// Runs in the child between fork() and exec(): only async-signal-safe calls, since the parent may
// have had other threads (ZeroMQ's, for one) holding locks at the moment of the fork.
[[noreturn]] void become_child(const char* binary, char* const* argv, int log_fd, pid_t parent) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ::_exit(127);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  ::setpgid(0, 0);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  ::close_range(3, ~0u, 0);  // nothing of the launcher's leaks into the replica
  ::execv(binary, argv);
  static constexpr char kCannotExecute[] = "loyal-cluster: cannot execute the replica binary\n";
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, kCannotExecute, sizeof kCannotExecute - 1);
  ::_exit(127);
}

}  // namespace

std::string ExitDescription::describe() const {
  if (WIFEXITED(wait_status)) return "exit code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  return "wait status " + std::to_string(wait_status);
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(const SpawnRequest& request) {
  const int log_fd = ::open(request.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Error{"cannot open log file " + request.log_file.string() + ": " + errno_text()};

  // Everything the child needs is built before fork(): it may not allocate.
  const std::string binary = request.binary.string();
  std::vector<std::string> arguments;
  arguments.push_back(binary);
  arguments.insert(arguments.end(), request.arguments.begin(), request.arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::string reason = errno_text();
    ::close(log_fd);
    return Error{"cannot start " + binary + ": fork failed: " + reason};
  }
  if (pid == 0) become_child(binary.c_str(), argv.data(), log_fd, parent);
  ::close(log_fd);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

bool ChildProcess::running() {
  reap(false);
  return !exit_.has_value();
}

Status ChildProcess::send_signal(int signal_number) {
  if (!running()) return Error{"process " + std::to_string(pid_) + " has already exited (" + exit_->describe() + ")"};
  if (::kill(pid_, signal_number) != 0) {
    return Error{"cannot signal process " + std::to_string(pid_) + ": " + errno_text()};
  }
  return {};
}

bool ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kExitPollInterval);
  }
  return true;
}

void ChildProcess::kill_and_reap() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

std::optional<std::uint64_t> ChildProcess::peak_rss_bytes() {
  if (running()) sample_peak_rss();
  return peak_rss_bytes_;
}

void ChildProcess::sample_peak_rss() {
  if (const auto bytes = read_vm_hwm_bytes(pid_)) {
    peak_rss_bytes_ = std::max(peak_rss_bytes_.value_or(0), *bytes);
  }
}

void ChildProcess::reap(bool block) {
  if (exit_) return;
  int status = 0;
  rusage usage{};
  pid_t reaped = 0;
  do {
    reaped = ::wait4(pid_, &status, block ? 0 : WNOHANG, &usage);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == 0) return;
  if (reaped < 0) {
    // ECHILD: someone else reaped it (a SIGCHLD handler set to SIG_IGN does that); it is gone.
    exit_ = ExitDescription{};
    return;
  }
  exit_ = ExitDescription{status};
  const std::uint64_t max_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is in KiB
  if (max_rss_bytes > 0) peak_rss_bytes_ = std::max(peak_rss_bytes_.value_or(0), max_rss_bytes);
}

}  // namespace loyal::local
