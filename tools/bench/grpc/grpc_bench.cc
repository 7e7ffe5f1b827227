// grpc_bench: load for pushgate's TokenRegistry, with the callback stub API and a fixed
// number of calls in flight (each finished call starts the next one).
//
//   1. preload   --preload N RegisterToken calls (new tokens), as fast as the server takes
//   2. register  RegisterToken with new tokens for --duration; calls/s and latency
//   3. list      ListTokens for random preloaded users for --list_duration; latency
//
// Users are "bench-<run>-u<k>" for k < --users; registration i belongs to user i % users,
// session "s<i>", and alternates APNs and FCM tokens. Each run uses a fresh --run_id (or
// give one to list what an earlier run preloaded). The last line is machine-readable:
//   RESULT preload_rps=... register_rps=... register_p50_ms=... ... list_p99_ms=...
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pushgate/v1/token_registry.grpc.pb.h"

ABSL_FLAG(std::string, address, "",
          "pushgate gRPC address (env PUSHGATE_ADDRESS, default 127.0.0.1:50051)");
ABSL_FLAG(std::string, api_key, "", "API key (env PUSHGATE_API_KEY)");
ABSL_FLAG(std::string, app, "app123", "app id the key may access");
ABSL_FLAG(int64_t, preload, 0, "registrations to make before measuring");
ABSL_FLAG(int64_t, users, 0, "distinct users (0: max(preload / 5, 10000))");
ABSL_FLAG(int, concurrency, 256,
          "RegisterToken calls in flight (the store commits them in groups: more in flight, "
          "bigger groups)");
ABSL_FLAG(int, channels, 2, "gRPC channels (TCP connections); calls are spread over them");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "register phase length (0 skips it)");
ABSL_FLAG(absl::Duration, list_duration, absl::Seconds(10), "list phase length (0 skips it)");
ABSL_FLAG(int, list_concurrency, 4, "ListTokens calls in flight");
ABSL_FLAG(int, list_page_size, 100, "ListTokens page_size");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline per call");
ABSL_FLAG(std::string, run_id, "", "prefix of this run's users and tokens (default: random)");
ABSL_FLAG(int64_t, max_errors, 1000, "stop a phase after this many failed calls");
ABSL_FLAG(int64_t, register_from, -1,
          "index of the register phase's first registration (default: --preload, so every call "
          "inserts; with an earlier run's --run_id, indexes it preloaded refresh existing rows)");

namespace {

namespace pb = ::pushgate::v1;
using Clock = std::chrono::steady_clock;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct PhaseResult {
  std::string name;
  uint64_t ok = 0;
  uint64_t failed = 0;
  std::map<int, std::pair<uint64_t, std::string>> errors;  // code -> count, first message
  std::vector<uint32_t> latency_us;                        // successful calls only
  double seconds = 0;

  double Rate() const { return seconds > 0 ? ok / seconds : 0; }
  double PercentileMs(double p) const {
    if (latency_us.empty()) return 0;
    size_t i = static_cast<size_t>(p / 100.0 * (latency_us.size() - 1) + 0.5);
    return latency_us[std::min(i, latency_us.size() - 1)] / 1000.0;
  }
};

// Runs `issue` with `concurrency` calls in flight until `max_calls` were started or
// `duration` passed. `issue(seq, done)` starts call number `seq` and must call done(status)
// exactly once, from any thread. Held by shared_ptr: every pending callback keeps it alive,
// so the thread that finishes the last call may still be unlocking when Run() returns.
class Phase : public std::enable_shared_from_this<Phase> {
 public:
  using Done = std::function<void(const grpc::Status&)>;
  using Issue = std::function<void(uint64_t seq, Done done)>;

  Phase(std::string name, int concurrency, uint64_t max_calls, absl::Duration duration,
        int64_t max_errors, Issue issue)
      : concurrency_(std::max(1, concurrency)),
        max_calls_(max_calls),
        duration_(duration),
        max_errors_(max_errors),
        issue_(std::move(issue)),
        slots_(concurrency_) {
    result_.name = std::move(name);
  }

  PhaseResult Run() {
    start_ = Clock::now();
    // Adding an infinite duration to a time_point would overflow.
    deadline_ = duration_ == absl::InfiniteDuration()
                    ? Clock::time_point::max()
                    : start_ + absl::ToChronoNanoseconds(duration_);
    running_ = concurrency_;
    for (int s = 0; s < concurrency_; ++s) Next(s);
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* running) { return *running == 0; }, &running_));
    }
    result_.seconds = std::chrono::duration<double>(end_ - start_).count();
    for (auto& slot : slots_) {
      result_.latency_us.insert(result_.latency_us.end(), slot.begin(), slot.end());
    }
    std::sort(result_.latency_us.begin(), result_.latency_us.end());
    result_.ok = result_.latency_us.size();
    return std::move(result_);
  }

 private:
  void Next(int slot) {
    const uint64_t seq = next_.fetch_add(1);
    const Clock::time_point now = Clock::now();
    if (seq >= max_calls_ || now >= deadline_ || failed_.load() >= max_errors_) {
      absl::MutexLock lock(&mu_);
      end_ = std::max(end_, now);
      --running_;
      return;
    }
    issue_(seq, [this, self = shared_from_this(), slot, now](const grpc::Status& status) {
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - now);
      if (status.ok()) {
        // Each slot has one call in flight, so its vector needs no lock.
        slots_[slot].push_back(static_cast<uint32_t>(took.count()));
      } else {
        failed_.fetch_add(1);
        absl::MutexLock lock(&mu_);
        ++result_.failed;
        auto& e = result_.errors[status.error_code()];
        if (e.first++ == 0) e.second = status.error_message();
      }
      Next(slot);
    });
  }

  const int concurrency_;
  const uint64_t max_calls_;
  const absl::Duration duration_;
  const int64_t max_errors_;
  Issue issue_;
  std::vector<std::vector<uint32_t>> slots_;
  std::atomic<uint64_t> next_{0};
  std::atomic<int64_t> failed_{0};
  Clock::time_point start_, deadline_, end_;
  absl::Mutex mu_;
  int running_ = 0;
  PhaseResult result_;
};

class Bench {
 public:
  Bench(std::vector<std::unique_ptr<pb::TokenRegistry::Stub>> stubs, std::string api_key,
        std::string app, std::string run, int64_t users, absl::Duration timeout)
      : stubs_(std::move(stubs)),
        authorization_("Bearer " + api_key),
        app_(std::move(app)),
        run_(std::move(run)),
        users_(users),
        timeout_(timeout) {}

  std::string User(uint64_t k) const { return absl::StrCat("bench-", run_, "-u", k); }

  // Registration number i: user i % users, its own session, APNs or FCM by parity.
  pb::RegisterTokenRequest Registration(uint64_t i) const {
    pb::RegisterTokenRequest r;
    r.set_app_id(app_);
    r.set_uid(User(i % users_));
    r.set_session_id(absl::StrCat("s", i));
    if (i % 2 == 0) {
      r.set_platform(pb::PLATFORM_APNS);
      const uint64_t run_hash = SplitMix64(std::hash<std::string>()(run_));
      r.set_token(absl::StrFormat("%016x%016x%016x%016x", run_hash, i, SplitMix64(i),
                                  SplitMix64(run_hash ^ i)));
      r.mutable_apns()->set_topic("com.example.bench");
      r.mutable_apns()->set_environment(pb::APNS_ENVIRONMENT_PRODUCTION);
    } else {
      r.set_platform(pb::PLATFORM_FCM);
      r.set_token(absl::StrCat("bench-", run_, "-", i, ":APA91bFakeRegistrationTokenForLoad"));
      r.mutable_fcm()->set_os(pb::DEVICE_OS_ANDROID);
    }
    return r;
  }

  void Register(uint64_t i, Phase::Done done) {
    struct Call {
      grpc::ClientContext ctx;
      pb::RegisterTokenRequest req;
      pb::RegisterTokenResponse resp;
    };
    auto* call = new Call;
    Prepare(&call->ctx);
    call->req = Registration(i);
    Stub(i)->async()->RegisterToken(&call->ctx, &call->req, &call->resp,
                                    [call, done = std::move(done)](grpc::Status s) {
                                      delete call;
                                      done(s);
                                    });
  }

  void List(uint64_t seq, int page_size, Phase::Done done) {
    struct Call {
      grpc::ClientContext ctx;
      pb::ListTokensRequest req;
      pb::ListTokensResponse resp;
    };
    auto* call = new Call;
    Prepare(&call->ctx);
    call->req.set_app_id(app_);
    call->req.set_uid(User(SplitMix64(seq ^ 0x5bd1e995) % users_));
    call->req.set_page_size(page_size);
    Stub(seq)->async()->ListTokens(&call->ctx, &call->req, &call->resp,
                                   [this, call, done = std::move(done)](grpc::Status s) {
                                     if (s.ok()) listed_rows_ += call->resp.registrations_size();
                                     delete call;
                                     done(s);
                                   });
  }

  uint64_t listed_rows() const { return listed_rows_.load(); }

 private:
  void Prepare(grpc::ClientContext* ctx) const {
    ctx->AddMetadata("authorization", authorization_);
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  }
  pb::TokenRegistry::Stub* Stub(uint64_t i) const { return stubs_[i % stubs_.size()].get(); }

  std::vector<std::unique_ptr<pb::TokenRegistry::Stub>> stubs_;
  std::string authorization_;
  std::string app_;
  std::string run_;
  uint64_t users_;
  absl::Duration timeout_;
  std::atomic<uint64_t> listed_rows_{0};
};

void Report(const PhaseResult& r) {
  std::printf(
      "%-8s %9llu ok %6llu failed  %7.2f s  %9.0f calls/s  p50 %.3f ms  p90 %.3f ms  "
      "p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n",
      r.name.c_str(), static_cast<unsigned long long>(r.ok),
      static_cast<unsigned long long>(r.failed), r.seconds, r.Rate(), r.PercentileMs(50),
      r.PercentileMs(90), r.PercentileMs(99), r.PercentileMs(99.9), r.PercentileMs(100));
  for (const auto& [code, e] : r.errors) {
    std::printf("         error code %d x%llu, first: %s\n", code,
                static_cast<unsigned long long>(e.first), e.second.c_str());
  }
  std::fflush(stdout);
}

// The machine's load when the run starts: results on a busy 2-core box are not comparable.
std::string LoadAverage() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  char buf[64] = {0};
  const bool ok = std::fgets(buf, sizeof(buf), f) != nullptr;
  std::fclose(f);
  if (!ok) return "?";
  std::string s(buf);
  // "0.52 0.58 0.59 1/123 4567": the three averages only.
  size_t end = 0;
  for (int fields = 0; fields < 3 && end != std::string::npos; ++fields) {
    end = s.find(' ', end + (fields > 0 ? 1 : 0));
  }
  return s.substr(0, end);
}

std::string FromEnv(const std::string& flag, const char* env, const char* fallback) {
  if (!flag.empty()) return flag;
  const char* v = std::getenv(env);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("TokenRegistry load client for a running pushgate");
  absl::ParseCommandLine(argc, argv);
  const std::string address =
      FromEnv(absl::GetFlag(FLAGS_address), "PUSHGATE_ADDRESS", "127.0.0.1:50051");
  const std::string api_key = FromEnv(absl::GetFlag(FLAGS_api_key), "PUSHGATE_API_KEY", "");
  if (api_key.empty()) {
    std::fprintf(stderr, "grpc_bench: pass --api_key or set PUSHGATE_API_KEY\n");
    return 2;
  }
  const int64_t preload = absl::GetFlag(FLAGS_preload);
  int64_t users = absl::GetFlag(FLAGS_users);
  if (users <= 0) users = std::max<int64_t>(preload / 5, 10'000);
  std::string run = absl::GetFlag(FLAGS_run_id);
  if (run.empty()) {
    run =
        absl::StrFormat("%08x", static_cast<uint32_t>(SplitMix64(absl::ToUnixNanos(absl::Now()))));
  }

  std::vector<std::unique_ptr<pb::TokenRegistry::Stub>> stubs;
  for (int c = 0; c < std::max(1, absl::GetFlag(FLAGS_channels)); ++c) {
    grpc::ChannelArguments args;
    // Distinct arguments give each channel its own subchannel, hence its own connection.
    args.SetInt("pushgate.bench.channel", c);
    stubs.push_back(pb::TokenRegistry::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
  }
  Bench bench(std::move(stubs), api_key, absl::GetFlag(FLAGS_app), run, users,
              absl::GetFlag(FLAGS_timeout));
  std::printf(
      "grpc_bench address=%s app=%s run=%s users=%lld preload=%lld concurrency=%d "
      "channels=%d loadavg=%s\n",
      address.c_str(), absl::GetFlag(FLAGS_app).c_str(), run.c_str(), static_cast<long long>(users),
      static_cast<long long>(preload), absl::GetFlag(FLAGS_concurrency),
      absl::GetFlag(FLAGS_channels), LoadAverage().c_str());
  std::fflush(stdout);

  const int64_t max_errors = absl::GetFlag(FLAGS_max_errors);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  std::string result_line = "RESULT";
  bool failed = false;

  if (preload > 0) {
    auto phase = std::make_shared<Phase>(
        "preload", concurrency, static_cast<uint64_t>(preload), absl::InfiniteDuration(),
        max_errors, [&](uint64_t i, Phase::Done done) { bench.Register(i, std::move(done)); });
    PhaseResult r = phase->Run();
    Report(r);
    absl::StrAppendFormat(&result_line, " preload=%llu preload_rps=%.0f preload_p99_ms=%.3f",
                          static_cast<unsigned long long>(r.ok), r.Rate(), r.PercentileMs(99));
    failed |= r.failed > 0;
  }

  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  if (duration > absl::ZeroDuration()) {
    // New registrations after the preloaded ones: every call inserts a row.
    const int64_t from = absl::GetFlag(FLAGS_register_from);
    const uint64_t base = static_cast<uint64_t>(from >= 0 ? from : preload);
    auto phase = std::make_shared<Phase>(
        "register", concurrency, UINT64_MAX, duration, max_errors,
        [&](uint64_t i, Phase::Done done) { bench.Register(base + i, std::move(done)); });
    PhaseResult r = phase->Run();
    Report(r);
    absl::StrAppendFormat(&result_line,
                          " register_rps=%.0f register_p50_ms=%.3f register_p99_ms=%.3f "
                          "register_failed=%llu",
                          r.Rate(), r.PercentileMs(50), r.PercentileMs(99),
                          static_cast<unsigned long long>(r.failed));
    failed |= r.failed > 0;
  }

  const absl::Duration list_duration = absl::GetFlag(FLAGS_list_duration);
  if (list_duration > absl::ZeroDuration()) {
    const int page_size = absl::GetFlag(FLAGS_list_page_size);
    auto phase = std::make_shared<Phase>(
        "list", absl::GetFlag(FLAGS_list_concurrency), UINT64_MAX, list_duration, max_errors,
        [&](uint64_t i, Phase::Done done) { bench.List(i, page_size, std::move(done)); });
    PhaseResult r = phase->Run();
    Report(r);
    std::printf("         %.2f registrations per ListTokens answer\n",
                r.ok ? static_cast<double>(bench.listed_rows()) / r.ok : 0.0);
    absl::StrAppendFormat(&result_line,
                          " list_rps=%.0f list_p50_ms=%.3f list_p99_ms=%.3f list_max_ms=%.3f "
                          "list_failed=%llu",
                          r.Rate(), r.PercentileMs(50), r.PercentileMs(99), r.PercentileMs(100),
                          static_cast<unsigned long long>(r.failed));
    failed |= r.failed > 0;
  }
  std::printf("%s\n", result_line.c_str());
  return failed ? 1 : 0;
}
