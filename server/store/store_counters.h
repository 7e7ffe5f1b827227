// Row counts by state, kept in memory so that Stats() — called on every Prometheus scrape —
// costs no query. They are counted once at open (initial_counts.h) and then moved only by the
// writer, after the transaction that changed the rows has committed; the writer is the only
// one who changes rows, so the counts stay exact.
//
// Counts are grouped in families ("notifications", "registrations", and later the engine's
// "deliveries"), each a map from a key (a state, or "platform/state") to a count. A new family
// needs no change here: write jobs report CounterChanges with its name.
#ifndef PUSHGATE_STORE_STORE_COUNTERS_H_
#define PUSHGATE_STORE_STORE_COUNTERS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace pushgate::store {

inline constexpr char kNotificationsFamily[] = "notifications";  // key: state
inline constexpr char kRegistrationsFamily[] = "registrations";  // key: "platform/active|inactive"
inline constexpr char kDeliveriesFamily[] = "deliveries";        // key: DeliveryStateName

struct CounterChange {
  std::string family;
  std::string key;
  int64_t delta = 0;
};

class StoreCounters {
 public:
  void Set(const std::string& family, const std::string& key, int64_t value);
  void Apply(const std::vector<CounterChange>& changes);
  // A copy of one family (empty when nothing was ever counted in it).
  std::map<std::string, int64_t> Snapshot(const std::string& family) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, int64_t>> families_;  // guarded by mu_
};

// "apns/active", "webpush/inactive": the key of the registrations family.
std::string RegistrationCounterKey(const std::string& platform, bool active);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_STORE_COUNTERS_H_
