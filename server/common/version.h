// The release version (CMake's project version) and the git commit the binary was built from.
#ifndef PUSHGATE_COMMON_VERSION_H_
#define PUSHGATE_COMMON_VERSION_H_

#include <string>

namespace pushgate {

// "0.1.0".
const char* Version();
// The short commit hash, with "-dirty" for uncommitted changes; "unknown" outside git.
const char* GitCommit();
// "<program> <version> (commit <commit>)", the line both binaries print for --version.
std::string VersionLine(const std::string& program);

}  // namespace pushgate

#endif  // PUSHGATE_COMMON_VERSION_H_
