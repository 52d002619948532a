#pragma once
// What loyal-client prints for a key-value result, and with which exit code: the part of the
// command-line program worth testing without a process. Exit codes are part of the program's
// interface (scripts test them), so they are named and never renumbered.

#include <string>

#include "common/bytes.h"

namespace loyal::client {

enum class ExitCode : int {
  ok = 0,
  answered_no = 1,     // the operation ran and the answer is no: key not found, cas failed
  bad_arguments = 2,   // the command line is wrong
  bad_setup = 3,       // the cluster file or the key file is missing, unreadable or wrong
  no_reply = 4,        // the cluster did not answer in time (down, unreachable, or keys it refuses)
  refused = 5,         // the store refused the operation, or the reply was not a result
};

struct CommandOutcome {
  ExitCode exit = ExitCode::ok;
  std::string text;         // one line, without its newline
  bool is_error = false;    // printed on standard error with the program's name, not on standard output
};

// The result bytes of an accepted reply (kv::encode_result form), untrusted: a correct cluster
// never sends a malformed one, but the program reports it rather than crash.
CommandOutcome describe_kv_result(ByteView result);

}  // namespace loyal::client
