#include "replica/runtime/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <string>

#include "common/assert.h"

namespace loyal::runtime {

namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

Status block_termination_signals() {
  const sigset_t set = termination_signals();
  if (const int error = pthread_sigmask(SIG_BLOCK, &set, nullptr); error != 0) {
    return Error{std::string("cannot block SIGTERM and SIGINT: ") + std::strerror(error)};
  }
  return {};
}

int wait_for_termination_signal() {
  const sigset_t set = termination_signals();
  int signal_number = 0;
  const int error = sigwait(&set, &signal_number);
  LOYAL_ASSERT(error == 0, "sigwait only fails for an invalid signal set");
  return signal_number;
}

}  // namespace loyal::runtime
