// Throwaway TLS material for the HTTP/2 client tests, made with the openssl CLI in a temp dir at
// test time (keys are never committed).
#ifndef PUSHGATE_TESTS_UNIT_HTTP2_TEST_TLS_FILES_H_
#define PUSHGATE_TESTS_UNIT_HTTP2_TEST_TLS_FILES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace pushgate::testing {

struct TestTlsFiles {
  std::string dir;
  std::string key;         // the servers' key
  std::string cert;        // self-signed; SAN localhost, 127.0.0.1,
                           // api.sandbox.push.apple.com, push.test.invalid
  std::string cert_copy;   // the same certificate in another file: a second "CA file"
  std::string other_cert;  // an unrelated self-signed certificate: the wrong CA

  // Creates the files in a new temp dir; the destructor removes it.
  static absl::StatusOr<std::unique_ptr<TestTlsFiles>> Create();
  ~TestTlsFiles();
};

}  // namespace pushgate::testing

#endif  // PUSHGATE_TESTS_UNIT_HTTP2_TEST_TLS_FILES_H_
