// store_bench: how fast the SQLite store takes webhook notifications and registry writes.
//
//   store_bench --mode=ingest --producers=4 --rows=300000 --payload_bytes=1000
//   store_bench --mode=registry --registrations=1000000
//
// Ingest: N producer threads submit CometChat-like payloads (unique dedupe hashes) as fast as
// the bounded queue accepts them (a full queue is retried after a short pause, like a webhook
// answering 503 and CometChat retrying); reports rows/s, commits/s, mean batch size and the
// latency from submit to callback. Registry: bulk-loads a table of registrations, reopens the
// store (timing the start-up count), then measures RegisterToken and ListTokens.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "config/config.h"
#include "store/sqlite_store.h"

ABSL_FLAG(std::string, mode, "all", "ingest | registry | all");
ABSL_FLAG(std::string, dir, "", "data dir (default: a fresh one under /tmp, removed at the end)");
ABSL_FLAG(int, producers, 4, "ingest: producer threads");
ABSL_FLAG(int64_t, rows, 300'000, "ingest: notifications to store");
ABSL_FLAG(int64_t, rate, 0,
          "ingest: offered rows/s across all producers (0: as fast as the queue accepts). "
          "Latency is then measured from each row's scheduled time, so a stall counts fully.");
ABSL_FLAG(int, payload_bytes, 1000, "ingest: approximate payload size");
ABSL_FLAG(bool, dedupe, true, "ingest: give rows a dedupe hash (false: 0, no dedupe index entry)");
ABSL_FLAG(std::string, synchronous, "full", "full | normal");
ABSL_FLAG(int64_t, max_batch, 1024, "store.max_batch");
ABSL_FLAG(int64_t, queue_capacity, 20'000, "store.write_queue_capacity");
ABSL_FLAG(int64_t, cache_kib, 65'536, "store.cache_size_kib");
ABSL_FLAG(int, passive_frames, pushgate::store::CheckpointPolicy{}.passive_frames,
          "checkpoint: PASSIVE after this many new WAL pages");
ABSL_FLAG(int, restart_frames, pushgate::store::CheckpointPolicy{}.restart_frames,
          "checkpoint: RESTART once the WAL holds this many pages");
ABSL_FLAG(int64_t, report_every, 100'000, "ingest: print the rate of each slice of this many rows");
ABSL_FLAG(int64_t, registrations, 1'000'000, "registry: rows to preload");
ABSL_FLAG(int64_t, register_ops, 50'000, "registry: RegisterToken calls to time");
ABSL_FLAG(int64_t, list_ops, 20'000, "registry: ListTokens calls to time");

namespace pushgate::store {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double Percentile(std::vector<int64_t>& values, double p) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k] / 1e6;  // ns → ms
}

// A compact CometChat "push-notification-payload-generated" body, padded to about `bytes`.
std::string MakePayload(int64_t i, int bytes) {
  std::string body = absl::StrFormat(
      R"({"trigger":"push-notification-payload-generated","data":{"to":{"uid":"user-%d"},)"
      R"("notificationDetails":{"title":"Andrew Joseph","body":"%s","sender":"user-%d",)"
      R"("senderName":"Andrew Joseph","senderAvatar":"https://assets.example.com/u/%d.webp",)"
      R"("receiver":"user-%d","receiverType":"user","tag":"%d","conversationId":)"
      R"("user-%d_user_user-%d","type":"chat","sentAt":"1741847453000",)"
      R"("message":{"id":"%d","category":"message","type":"text","data":{"text":"%s"}}}},)"
      R"("appId":"app123","region":"us","webhook":"custom"})",
      i % 50'000, "Hello!", (i * 7) % 50'000, (i * 7) % 50'000, i % 50'000, i, (i * 7) % 50'000,
      i % 50'000, i, "");
  if (static_cast<int>(body.size()) < bytes) {
    // Pad inside the message text, as a longer chat message would.
    const size_t at = body.find(R"("text":"")") + 8;
    body.insert(at, std::string(bytes - body.size(), 'x'));
  }
  return body;
}

config::Config BenchConfig(const std::string& dir) {
  config::Config config;
  config.data_dir = dir;
  config.store.synchronous = absl::GetFlag(FLAGS_synchronous);
  config.store.max_batch = absl::GetFlag(FLAGS_max_batch);
  config.store.write_queue_capacity = absl::GetFlag(FLAGS_queue_capacity);
  config.store.cache_size_kib = absl::GetFlag(FLAGS_cache_kib);
  return config;
}

std::unique_ptr<SqliteStore> OpenStore(const config::Config& config) {
  SqliteStoreTuning tuning;
  tuning.checkpoint.passive_frames = absl::GetFlag(FLAGS_passive_frames);
  tuning.checkpoint.restart_frames = absl::GetFlag(FLAGS_restart_frames);
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(SqliteStoreOptionsFrom(config), tuning);
  if (!store.ok()) {
    std::fprintf(stderr, "open failed: %s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(store);
}

void BenchIngest(const std::string& dir) {
  const int producers = absl::GetFlag(FLAGS_producers);
  const int64_t rows = absl::GetFlag(FLAGS_rows);
  const int payload_bytes = absl::GetFlag(FLAGS_payload_bytes);
  const int64_t slice = std::max<int64_t>(1, absl::GetFlag(FLAGS_report_every));
  const config::Config config = BenchConfig(dir + "/ingest");
  std::unique_ptr<SqliteStore> store = OpenStore(config);

  // Payloads are built before the clock starts: the benchmark measures the store, not JSON.
  std::vector<NewNotification> prepared(rows);
  std::mt19937_64 random(42);
  for (int64_t i = 0; i < rows; ++i) {
    NewNotification& n = prepared[i];
    n.app_id = "app123";
    n.uid = absl::StrFormat("user-%d", i % 50'000);
    n.type = "chat";
    n.tag = std::to_string(i);
    n.conversation_id = absl::StrFormat("user-%d_user_user-%d", (i * 7) % 50'000, i % 50'000);
    n.sender = absl::StrFormat("user-%d", (i * 7) % 50'000);
    n.payload = MakePayload(i, payload_bytes);
    n.received_at_ms = 1'800'000'000'000 + i / 40;  // ~40 per ms, increasing like a clock
    uint64_t hash = random();
    // Random, like SHA-256 prefixes.
    n.dedupe_hash = absl::GetFlag(FLAGS_dedupe) ? static_cast<int64_t>(hash == 0 ? 1 : hash) : 0;
  }
  std::printf(
      "ingest: %lld rows, payload %zu bytes, %d producers, offered %s, synchronous=%s, "
      "max_batch=%lld\n",
      static_cast<long long>(rows), prepared[0].payload.size(), producers,
      absl::GetFlag(FLAGS_rate) > 0 ? absl::StrFormat("%d/s", absl::GetFlag(FLAGS_rate)).c_str()
                                    : "max",
      config.store.synchronous.c_str(), static_cast<long long>(config.store.max_batch));

  std::vector<int64_t> submitted_ns(rows);
  std::vector<int64_t> latency_ns(rows);
  std::vector<int64_t> slice_done_ns((rows + slice - 1) / slice, 0);
  std::atomic<int64_t> completed{0};
  std::atomic<int64_t> failures{0};
  std::atomic<int64_t> rejects{0};
  std::atomic<int64_t> next{0};

  const WriterStats writer_before = store->WriterStatistics();
  const uint64_t frames_before = store->CheckpointStats().frames_written;
  const double cpu_before = CpuSeconds();
  const int64_t start_ns = NowNs();
  auto on_stored = [&](int64_t i, const absl::StatusOr<IngestResult>& r) {
    const int64_t now = NowNs();
    latency_ns[i] = now - submitted_ns[i];
    if ((!r.ok() || r->duplicate) && failures++ == 0) {
      std::fprintf(stderr, "first failure: %s\n",
                   r.ok() ? "unexpected duplicate" : r.status().ToString().c_str());
    }
    const int64_t done = ++completed;
    if (done % slice == 0) slice_done_ns[done / slice - 1] = now;
  };
  const int64_t rate = absl::GetFlag(FLAGS_rate);
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      for (int64_t i = next++; i < rows; i = next++) {
        const int64_t due = rate > 0 ? start_ns + i * 1'000'000'000 / rate : 0;
        // Open loop: row i is due at start + i/rate, whether or not the store kept up.
        for (int64_t now = NowNs(); now < due; now = NowNs()) {
          std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
        }
        bool first_try = true;
        while (true) {
          if (rate == 0 || first_try) submitted_ns[i] = rate > 0 ? due : NowNs();
          first_try = false;
          // A copy, as the webhook builds a fresh value per request (and a refused call leaves
          // a moved-from argument behind).
          absl::Status queued = store->IngestNotification(
              prepared[i], [&, i](absl::StatusOr<IngestResult> r) { on_stored(i, r); });
          if (queued.ok()) break;
          ++rejects;  // queue full: back off like a client that got 503
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  while (completed.load() < rows) std::this_thread::sleep_for(std::chrono::microseconds(100));
  const int64_t end_ns = NowNs();
  const double cpu = CpuSeconds() - cpu_before;
  const WriterStats writer = store->WriterStatistics();
  const CheckpointCounts checkpoints = store->CheckpointStats();

  const double seconds = (end_ns - start_ns) / 1e9;
  const uint64_t commits = writer.commits - writer_before.commits;
  std::printf("  rows/s        %.0f  (%.2f s, failures %lld, queue-full retries %lld)\n",
              rows / seconds, seconds, static_cast<long long>(failures.load()),
              static_cast<long long>(rejects.load()));
  std::printf(
      "  commits/s     %.0f  (mean batch %.1f jobs)\n", commits / seconds,
      commits ? static_cast<double>(writer.jobs_committed - writer_before.jobs_committed) / commits
              : 0.0);
  std::vector<int64_t> latencies = latency_ns;
  std::printf("  latency ms    p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
              Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99),
              Percentile(latencies, 0.999), Percentile(latencies, 1.0));
  std::printf("  cpu           %.2f s process total, %.1f us per row\n", cpu, cpu / rows * 1e6);
  std::printf("  writer time   begin %.2f s, statements %.2f s, commit %.2f s, callbacks %.2f s\n",
              (writer.begin_micros - writer_before.begin_micros) / 1e6,
              (writer.run_micros - writer_before.run_micros) / 1e6,
              (writer.commit_micros - writer_before.commit_micros) / 1e6,
              (writer.callback_micros - writer_before.callback_micros) / 1e6);
  std::printf(
      "  writer stalls longest lock wait %.1f ms, longest commit %.1f ms, longest RESTART/TRUNCATE "
      "%.1f ms\n",
      writer.max_begin_micros / 1e3, writer.max_commit_micros / 1e3,
      store->CheckpointStats().max_locking_micros / 1e3);
  std::printf("  writer cpu    %.1f us per row (%.0f%% of the run)\n",
              (writer.cpu_micros - writer_before.cpu_micros) / static_cast<double>(rows),
              (writer.cpu_micros - writer_before.cpu_micros) / 1e4 / seconds);
  std::printf("  wal           %.2f pages written per row\n",
              static_cast<double>(checkpoints.frames_written - frames_before) / rows);
  std::printf("  checkpoints   passive %llu restart %llu truncate %llu busy %llu, %.2f s total\n",
              static_cast<unsigned long long>(checkpoints.passive),
              static_cast<unsigned long long>(checkpoints.restart),
              static_cast<unsigned long long>(checkpoints.truncate),
              static_cast<unsigned long long>(checkpoints.busy), checkpoints.total_micros / 1e6);
  int64_t previous = start_ns;
  std::printf("  rate by slice of %lld rows (does it hold as the table grows?):",
              static_cast<long long>(slice));
  for (int64_t s = 0; s < static_cast<int64_t>(slice_done_ns.size()); ++s) {
    if (slice_done_ns[s] == 0) continue;
    std::printf(" %.0f", slice / ((slice_done_ns[s] - previous) / 1e9));
    previous = slice_done_ns[s];
  }
  std::printf("\n");
  store->Shutdown();
  store.reset();
  std::printf("  database      %.1f MiB\n",
              std::filesystem::file_size(config.DatabasePath()) / (1024.0 * 1024.0));
  const int64_t reopen_start = NowNs();
  store = OpenStore(config);
  std::printf("  reopen        %.0f ms (migrations check + start-up counts of %lld rows)\n",
              (NowNs() - reopen_start) / 1e6,
              static_cast<long long>(store->Stats().notifications_by_state["queued"]));
  store->Shutdown();
}

// Registrations of user u: sessions s0..s2 on fcm, apns and webpush, ids in insertion order.
void BulkLoadRegistrations(const config::Config& config, int64_t count) {
  SQLite::Database db(config.DatabasePath(), SQLite::OPEN_READWRITE);
  db.exec("PRAGMA synchronous = OFF");
  db.exec("BEGIN");
  SQLite::Statement insert(
      db,
      "INSERT INTO registrations (app_id, uid, session_id, platform, token, apns_topic, "
      "apns_environment, device_id, app_version, locale, labels, created_at, updated_at, active) "
      "VALUES ('app123', ?1, ?2, ?3, ?4, ?5, ?6, ?7, '4.2.0', 'en-US', '{\"tier\":\"free\"}', "
      "?8, ?8, 1)");
  static const char* kPlatforms[] = {"fcm", "apns", "webpush"};
  for (int64_t i = 0; i < count; ++i) {
    const int64_t user = i / 4;
    const int platform = i % 3;
    insert.bind(1, absl::StrFormat("user-%d", user));
    insert.bind(2, absl::StrFormat("session-%d", i % 4));
    insert.bind(3, kPlatforms[platform]);
    insert.bind(4, absl::StrFormat("%064x", i * 2654435761ULL));
    if (platform == 1) {
      insert.bind(5, "com.example.chat");
      insert.bind(6, "production");
    } else {
      insert.bind(5);
      insert.bind(6);
    }
    insert.bind(7, absl::StrFormat("device-%d", i));
    insert.bind(8, 1'700'000'000'000 + i);
    insert.exec();
    insert.reset();
  }
  db.exec("COMMIT");
}

void BenchRegistry(const std::string& dir) {
  const int64_t count = absl::GetFlag(FLAGS_registrations);
  const int64_t register_ops = absl::GetFlag(FLAGS_register_ops);
  const int64_t list_ops = absl::GetFlag(FLAGS_list_ops);
  const int producers = absl::GetFlag(FLAGS_producers);
  const config::Config config = BenchConfig(dir + "/registry");
  OpenStore(config)->Shutdown();  // creates the schema

  int64_t load_start = NowNs();
  BulkLoadRegistrations(config, count);
  std::printf("registry: bulk-loaded %lld registrations in %.1f s\n", static_cast<long long>(count),
              (NowNs() - load_start) / 1e9);
  load_start = NowNs();
  std::unique_ptr<SqliteStore> store = OpenStore(config);
  std::printf("  open (migrations + start-up counts) %.0f ms\n", (NowNs() - load_start) / 1e6);

  const int64_t users = count / 4;
  // RegisterToken: a mix of a token refresh (new token for an existing session: insert +
  // replace), re-registering an existing token (update) and a new session (insert + cap check).
  std::vector<int64_t> latency_ns(register_ops);
  std::atomic<int64_t> completed{0};
  std::atomic<int64_t> failures{0};
  std::atomic<int64_t> next{0};
  const WriterStats writer_before = store->WriterStatistics();
  int64_t start_ns = NowNs();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      std::mt19937_64 random(p + 1);
      for (int64_t i = next++; i < register_ops; i = next++) {
        const int64_t user = random() % users;
        RegistrationInput in;
        in.app_id = "app123";
        in.uid = absl::StrFormat("user-%d", user);
        in.platform = Platform::kFcm;
        in.fcm_os = "android";
        in.device.device_id = "bench";
        switch (i % 3) {
          case 0:  // refresh: new token for session-0 (replaces its fcm token, if any)
            in.session_id = "session-0";
            in.token = absl::StrFormat("refreshed-%d", i);
            break;
          case 1:  // re-register an existing fcm token of this user (row 4*user + k, k%3==0)
            for (int64_t row = user * 4; row < user * 4 + 4; ++row) {
              if (row % 3 == 0) {
                in.session_id = absl::StrFormat("session-%d", row % 4);
                in.token = absl::StrFormat("%064x", row * 2654435761ULL);
                break;
              }
            }
            if (in.token.empty()) {
              in.session_id = "session-1";
              in.token = absl::StrFormat("fallback-%d", i);
            }
            break;
          default:  // a new device session
            in.session_id = absl::StrFormat("new-session-%d", i);
            in.token = absl::StrFormat("new-%d", i);
        }
        while (true) {
          const int64_t submitted = NowNs();
          absl::Status queued = store->RegisterToken(
              in, 1'800'000'000'000 + i, [&, i, submitted](absl::StatusOr<RegisterResult> r) {
                latency_ns[i] = NowNs() - submitted;
                if (!r.ok()) ++failures;
                ++completed;
              });
          if (queued.ok()) break;
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  while (completed.load() < register_ops)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  double seconds = (NowNs() - start_ns) / 1e9;
  const WriterStats writer = store->WriterStatistics();
  std::printf(
      "  RegisterToken %.0f/s with %d producers (%lld calls, failures %lld, mean batch "
      "%.1f); latency ms p50 %.2f p99 %.2f\n",
      register_ops / seconds, producers, static_cast<long long>(register_ops),
      static_cast<long long>(failures.load()),
      static_cast<double>(writer.jobs_committed - writer_before.jobs_committed) /
          std::max<uint64_t>(1, writer.commits - writer_before.commits),
      Percentile(latency_ns, 0.5), Percentile(latency_ns, 0.99));

  std::printf("                writer cpu %.1f us per call; commit %.2f s of %.2f s\n",
              (writer.cpu_micros - writer_before.cpu_micros) / static_cast<double>(register_ops),
              (writer.commit_micros - writer_before.commit_micros) / 1e6, seconds);

  // ListTokens: one caller, random users, the default page.
  std::vector<int64_t> list_ns(list_ops);
  std::mt19937_64 random(7);
  int64_t rows_seen = 0;
  start_ns = NowNs();
  for (int64_t i = 0; i < list_ops; ++i) {
    ListTokensQuery q;
    q.app_id = "app123";
    q.uid = absl::StrFormat("user-%d", random() % users);
    q.active_only = (i % 2) == 0;
    const int64_t t0 = NowNs();
    absl::StatusOr<std::vector<Registration>> rows = store->ListTokens(q);
    list_ns[i] = NowNs() - t0;
    if (rows.ok()) rows_seen += rows->size();
  }
  seconds = (NowNs() - start_ns) / 1e9;
  std::printf(
      "  ListTokens    %.0f/s one caller (%.1f rows per call); latency ms p50 %.3f p99 "
      "%.3f\n",
      list_ops / seconds, static_cast<double>(rows_seen) / list_ops, Percentile(list_ns, 0.5),
      Percentile(list_ns, 0.99));
  const int64_t stats_start = NowNs();
  StoreStats stats = store->Stats();
  std::printf("  Stats()       %.1f us (fcm/active = %lld)\n", (NowNs() - stats_start) / 1e3,
              static_cast<long long>(stats.registrations_by_platform_state["fcm/active"]));
  store->Shutdown();
}

}  // namespace
}  // namespace pushgate::store

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  pushgate::SetLogLevel(pushgate::LogLevel::kWarn);
  std::string dir = absl::GetFlag(FLAGS_dir);
  const bool temporary = dir.empty();
  if (temporary) {
    dir = (std::filesystem::temp_directory_path() /
           absl::StrFormat("store_bench.%d", static_cast<int>(getpid())))
              .string();
  }
  std::filesystem::create_directories(dir);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "ingest" || mode == "all") pushgate::store::BenchIngest(dir);
  if (mode == "registry" || mode == "all") pushgate::store::BenchRegistry(dir);
  if (temporary) std::filesystem::remove_all(dir);
  return 0;
}
