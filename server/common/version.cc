#include "common/version.h"

#include "pushgate_version_info.h"  // generated: PUSHGATE_VERSION, PUSHGATE_GIT_COMMIT

namespace pushgate {

const char* Version() { return PUSHGATE_VERSION; }
const char* GitCommit() { return PUSHGATE_GIT_COMMIT; }

std::string VersionLine(const std::string& program) {
  return program + " " + Version() + " (commit " + GitCommit() + ")";
}

}  // namespace pushgate
