#include "test_tls_files.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pushgate::testing {
namespace {

absl::Status MakeSelfSigned(const std::string& key, const std::string& cert,
                            const std::string& common_name) {
  const std::string command = absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '", key,
      "' -out '", cert, "' -days 2 -subj '/CN=", common_name,
      "' -addext "
      "'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:api.sandbox.push.apple.com,DNS:push.test."
      "invalid'"
      " >/dev/null 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("openssl failed: ", command));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestTlsFiles>> TestTlsFiles::Create() {
  char dir_template[] = "/tmp/pushgate_http2_test_XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return absl::InternalError("mkdtemp failed");
  auto files = std::make_unique<TestTlsFiles>();
  files->dir = dir_template;
  files->key = files->dir + "/key.pem";
  files->cert = files->dir + "/cert.pem";
  files->cert_copy = files->dir + "/cert_copy.pem";
  files->other_cert = files->dir + "/other_cert.pem";
  if (absl::Status s = MakeSelfSigned(files->key, files->cert, "localhost"); !s.ok()) return s;
  if (absl::Status s = MakeSelfSigned(files->dir + "/other_key.pem", files->other_cert, "other");
      !s.ok()) {
    return s;
  }
  std::error_code error;
  std::filesystem::copy_file(files->cert, files->cert_copy, error);
  if (error) return absl::InternalError("copy cert: " + error.message());
  return files;
}

TestTlsFiles::~TestTlsFiles() {
  std::error_code ignored;
  if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
}

}  // namespace pushgate::testing
