#include "store/initial_counts.h"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "store/sqlite_status.h"
#include "store/types.h"

namespace pushgate::store {

absl::Status LoadInitialCounts(SQLite::Database& db, StoreCounters& counters) {
  for (const char* state : {"queued", "dispatching", "done"}) {
    counters.Set(kNotificationsFamily, state, 0);
  }
  for (Platform p : {Platform::kApns, Platform::kApnsVoip, Platform::kFcm, Platform::kWebPush}) {
    counters.Set(kRegistrationsFamily, RegistrationCounterKey(PlatformName(p), true), 0);
    counters.Set(kRegistrationsFamily, RegistrationCounterKey(PlatformName(p), false), 0);
  }
  try {
    // No index on state (every claim and settle would pay for one): the live part of the
    // queue is counted through notifications_due, whose WHERE is exactly `state != 'done'`,
    // and 'done' is the rest of the table, which count(*) takes from the smallest index.
    SQLite::Statement total(db, "SELECT count(*) FROM notifications");
    int64_t done = total.executeStep() ? total.getColumn(0).getInt64() : 0;
    SQLite::Statement live(db,
                           "SELECT state, count(*) FROM notifications INDEXED BY notifications_due "
                           "WHERE state != 'done' GROUP BY state");
    while (live.executeStep()) {
      const int64_t count = live.getColumn(1).getInt64();
      counters.Set(kNotificationsFamily, live.getColumn(0).getString(), count);
      done -= count;
    }
    counters.Set(kNotificationsFamily, "done", done);
    SQLite::Statement registrations(
        db, "SELECT platform, active, count(*) FROM registrations GROUP BY platform, active");
    while (registrations.executeStep()) {
      counters.Set(kRegistrationsFamily,
                   RegistrationCounterKey(registrations.getColumn(0).getString(),
                                          registrations.getColumn(1).getInt() != 0),
                   registrations.getColumn(2).getInt64());
    }
  } catch (const SQLite::Exception& e) {
    return StatusFromException(e);
  }
  return absl::OkStatus();
}

}  // namespace pushgate::store
