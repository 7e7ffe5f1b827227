// CPU cost of one forward-hook request as the provider builds it, on one thread, no network:
// the JSON body around the stored CometChat payload, the timestamp and the HMAC-SHA256
// signature (BuildForwardHookRequest), and the same unsigned. The payload is the chat fixture
// padded to --payload_bytes. Reports the thread's CPU time per request (CLOCK_THREAD_CPUTIME_ID:
// on a shared machine wall time mostly measures the neighbours) and wall time, each the median
// of --rounds rounds.
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
#include "providers/forward_hook_request_builder.h"

ABSL_FLAG(int, iterations, 20000, "requests per round");
ABSL_FLAG(int, rounds, 7, "rounds; the median is reported");
ABSL_FLAG(int, payload_bytes, 1500, "CometChat payload size (a chat with its message object)");

namespace {

using namespace pushgate::providers;

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double WallMicros() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Median CPU and wall microseconds per call of `op`.
std::pair<double, double> Measure(const std::function<size_t()>& op) {
  const int iterations = absl::GetFlag(FLAGS_iterations);
  std::vector<double> cpu, wall;
  size_t sink = 0;
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    const double c0 = ThreadCpuMicros(), w0 = WallMicros();
    for (int i = 0; i < iterations; ++i) sink += op();
    cpu.push_back((ThreadCpuMicros() - c0) / iterations);
    wall.push_back((WallMicros() - w0) / iterations);
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(wall.begin(), wall.end());
  if (sink == 0) std::printf("(nothing built)\n");
  return {cpu[cpu.size() / 2], wall[wall.size() / 2]};
}

std::string Payload(int bytes) {
  std::string text =
      R"({"trigger":"push-notification-payload-generated","data":{"to":{"uid":"cometchat-uid-2"},)"
      R"("notificationDetails":{"title":"Andrew Joseph","body":")";
  const std::string tail =
      R"(","sender":"cometchat-uid-1","receiverType":"user","tag":"123","type":"chat"}},)"
      R"("appId":"app123","region":"us","webhook":"custom"})";
  const int fill = std::max(0, bytes - static_cast<int>(text.size() + tail.size()));
  text.append(static_cast<size_t>(fill), 'x');
  return text + tail;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string payload = Payload(absl::GetFlag(FLAGS_payload_bytes));
  ForwardHookEvent event;
  event.notification_id = 1042;
  event.app_id = "app123";
  event.uid = "cometchat-uid-2";
  event.type = "chat";
  event.received_at_ms = 1'764'325'191'123;
  event.payload = payload;
  const ForwardHookSigning signed_hook{"X-Pushgate-Signature", "a-32-byte-secret-for-the-bench!!"};
  const ForwardHookSigning unsigned_hook{"X-Pushgate-Signature", ""};
  int64_t delivery = 0;

  std::printf("payload %zu bytes, median of %d x %d\n", payload.size(), absl::GetFlag(FLAGS_rounds),
              absl::GetFlag(FLAGS_iterations));
  std::printf("%-34s %10s %10s\n", "operation", "CPU us", "wall us");
  auto report = [](const char* name, std::pair<double, double> r) {
    std::printf("%-34s %10.2f %10.2f\n", name, r.first, r.second);
  };
  report("signed request (body + HMAC)", Measure([&] {
           return BuildForwardHookRequest(event, ++delivery, signed_hook, absl::Now()).body.size();
         }));
  report(
      "unsigned request (body only)", Measure([&] {
        return BuildForwardHookRequest(event, ++delivery, unsigned_hook, absl::Now()).body.size();
      }));
  return 0;
}
