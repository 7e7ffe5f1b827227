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
    SQLite::Statement notifications(db, "SELECT state, count(*) FROM notifications GROUP BY state");
    while (notifications.executeStep()) {
      counters.Set(kNotificationsFamily, notifications.getColumn(0).getString(),
                   notifications.getColumn(1).getInt64());
    }
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
