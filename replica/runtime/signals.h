#pragma once
// Graceful shutdown on SIGTERM and SIGINT without async-signal-safety hazards: the signals are
// blocked in every thread (block them before starting any, so every thread inherits the mask) and
// one thread takes them synchronously with sigwait(), then stops the process like any caller.

#include "common/result.h"

namespace loyal::runtime {

// Blocks SIGTERM and SIGINT in the calling thread and in every thread it starts afterwards.
Status block_termination_signals();

// Waits until SIGTERM or SIGINT arrives; returns its number. Precondition: they are blocked.
int wait_for_termination_signal();

}  // namespace loyal::runtime
