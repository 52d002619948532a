#pragma once
// One child program (a loyal-replica) started by the local launcher: spawned with its standard
// output and error appended to a log file, signalled, and always reaped, so that no zombie or
// orphan outlives its owner.
//
// Ownership: a ChildProcess owns its child. Destroying one that is still running kills it
// (SIGKILL) and reaps it. The child also dies with the *thread* that spawned it
// (PR_SET_PDEATHSIG): spawn from a thread that lives as long as the launcher (tests and programs
// spawn from their main thread).
//
// Threading: one owning thread; nothing here is thread-safe.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace loyal::local {

struct SpawnRequest {
  std::filesystem::path binary;
  std::vector<std::string> arguments;  // without argv[0]
  std::filesystem::path log_file;      // created if missing, appended to otherwise
};

// How a reaped child ended, for error messages: "exit code 1", "killed by signal 9".
struct ExitDescription {
  int wait_status = 0;
  std::string describe() const;
};

class ChildProcess {
 public:
  // Forks and executes request.binary. The child gets /dev/null as standard input, the log file
  // as standard output and error, an empty signal mask and its own process group (so a Ctrl-C in
  // the launcher's terminal reaches the launcher alone, which then stops its children in order).
  // An Error when the log file cannot be opened or fork() fails; a binary that cannot be
  // executed shows up as a child that exits with code 127 and says why in its log.
  static Result<std::unique_ptr<ChildProcess>> spawn(const SpawnRequest& request);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // True while the child has not exited. Reaps it (without blocking) once it has.
  bool running();
  // How it ended; nullopt while running.
  std::optional<ExitDescription> exit() const { return exit_; }

  // Sends `signal_number`; an Error when the child was already reaped.
  Status send_signal(int signal_number);
  // Waits up to `timeout` for the child to exit, reaping it; true if it did.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  // SIGKILL and reap (a stopped child dies too). No-op once reaped.
  void kill_and_reap();

  // The child's peak resident set size: VmHWM from /proc while it runs, the kernel's
  // ru_maxrss once it is reaped. nullopt when neither could be read.
  std::optional<std::uint64_t> peak_rss_bytes();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  // Reaps if the child has exited; `block` waits for it.
  void reap(bool block);
  void sample_peak_rss();

  pid_t pid_;
  std::optional<ExitDescription> exit_;
  std::optional<std::uint64_t> peak_rss_bytes_;
};

}  // namespace loyal::local
