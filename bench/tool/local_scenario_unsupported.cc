// Built instead of local_scenario.cc when the local cluster launcher (deploy/local) is not part of
// the build: `loyal-bench run` still works, `local` says what is missing.

#include "bench/tool/local_scenario.h"

namespace loyal::bench {

bool local_clusters_supported() { return false; }

ProtocolRun run_local_protocol(const std::string& protocol, const LocalScenario&, std::ostream&) {
  ProtocolRun run;
  run.protocol = protocol;
  run.error = "this build has no local cluster launcher (deploy/local)";
  return run;
}

}  // namespace loyal::bench
