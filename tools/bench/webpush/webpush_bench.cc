// CPU cost of the Web Push per-message crypto, on one thread, no network:
//   - one full encryption as the provider does it: a fresh ephemeral key pair and salt
//     (NewWebPushEphemeral) plus EncryptWebPushPayload (ECDH, HKDF, AES-128-GCM);
//   - its parts: the key pair alone, and the encryption with a fixed key pair;
//   - one VAPID JWT signature (ES256), and a cached VapidSigner::AuthorizationFor.
// The plaintext is a typical chat message JSON of --plaintext_bytes. Reports the thread's CPU
// time per operation (CLOCK_THREAD_CPUTIME_ID, like `openssl speed`: on a shared machine wall
// time mostly measures the neighbours) and wall time, each the median of --rounds rounds.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "providers/jwt_es256.h"
#include "providers/webpush_encryption.h"
#include "providers/webpush_vapid.h"

ABSL_FLAG(int, iterations, 2000, "operations per round");
ABSL_FLAG(int, rounds, 7, "rounds; the median is reported");
ABSL_FLAG(int, plaintext_bytes, 700, "plaintext size (a chat message with its message object)");

namespace {

using namespace pushgate::providers;

// A subscription's keys, as a browser would make them.
struct Subscription {
  std::string p256dh;
  std::string auth;
};

Subscription NewSubscription() {
  auto e = NewWebPushEphemeral();
  return {e->public_key, pushgate::RandomBytes(16)};
}

std::string NewVapidPem() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct Cost {
  double cpu_us;
  double wall_us;
};

// Median µs per call of `op` over the rounds.
Cost Measure(const std::function<void()>& op) {
  const int n = absl::GetFlag(FLAGS_iterations);
  std::vector<double> cpu;
  std::vector<double> wall;
  for (int i = 0; i < n / 10; ++i) op();  // warm-up
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    const double c0 = ThreadCpuMicros();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) op();
    const auto t1 = std::chrono::steady_clock::now();
    cpu.push_back((ThreadCpuMicros() - c0) / n);
    wall.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / n);
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(wall.begin(), wall.end());
  return {cpu[cpu.size() / 2], wall[wall.size() / 2]};
}

void Print(const char* what, const Cost& c) {
  std::printf("%-50s %8.1f %8.1f\n", what, c.cpu_us, c.wall_us);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const Subscription sub = NewSubscription();
  const std::string plaintext(absl::GetFlag(FLAGS_plaintext_bytes), 'x');
  size_t sink = 0;

  const Cost keypair = Measure([&] { sink += NewWebPushEphemeral()->public_key.size(); });
  const WebPushEphemeral fixed = *NewWebPushEphemeral();
  const Cost encrypt_only = Measure(
      [&] { sink += EncryptWebPushPayload(plaintext, sub.p256dh, sub.auth, fixed)->size(); });
  const Cost full = Measure([&] {
    auto e = NewWebPushEphemeral();
    sink += EncryptWebPushPayload(plaintext, sub.p256dh, sub.auth, *e)->size();
  });

  const std::string pem = NewVapidPem();
  const EcPrivateKey key = *LoadEcPrivateKeyPem(pem);
  const std::string claims =
      VapidClaimsJson("https://fcm.googleapis.com", 1764300000, "mailto:ops@example.com");
  const Cost sign =
      Measure([&] { sink += SignEs256Jwt(R"({"typ":"JWT","alg":"ES256"})", claims, key)->size(); });
  auto signer = *VapidSigner::Create(pem, "mailto:ops@example.com");
  const absl::Time now = absl::Now();
  const Cost cached =
      Measure([&] { sink += signer->AuthorizationFor("https://fcm.googleapis.com", now)->size(); });

  std::printf("plaintext %d bytes, %d x %d operations, median round\n",
              absl::GetFlag(FLAGS_plaintext_bytes), absl::GetFlag(FLAGS_rounds),
              absl::GetFlag(FLAGS_iterations));
  std::printf("%-50s %8s %8s\n", "operation", "CPU us", "wall us");
  Print("encryption, full (new key pair + salt + encrypt)", full);
  Print("  ephemeral key pair + salt alone", keypair);
  Print("  encrypt with a given key pair (ECDH+HKDF+GCM)", encrypt_only);
  Print("VAPID JWT signature (ES256)", sign);
  Print("VAPID header, cached per origin", cached);
  return sink == 0 ? 1 : 0;
}
