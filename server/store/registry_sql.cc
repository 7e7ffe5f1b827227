#include "store/registry_sql.h"

#include <SQLiteCpp/Exception.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "nlohmann/json.hpp"
#include "store/sqlite_status.h"
#include "store/store_counters.h"

namespace pushgate::store {
namespace {

constexpr char kColumns[] =
    "id, app_id, uid, session_id, platform, token, apns_topic, apns_environment, fcm_os, "
    "webpush_p256dh, webpush_auth, device_id, app_version, locale, labels, created_at, "
    "updated_at, active, inactive_reason, inactive_detail, inactive_at";

constexpr char kFindByToken[] =
    "SELECT id, uid, session_id, active FROM registrations "
    "WHERE app_id = ?1 AND platform = ?2 AND token = ?3";

constexpr char kUpdateExisting[] =
    "UPDATE registrations SET uid = ?2, session_id = ?3, apns_topic = ?4, apns_environment = ?5, "
    "fcm_os = ?6, webpush_p256dh = ?7, webpush_auth = ?8, device_id = ?9, app_version = ?10, "
    "locale = ?11, labels = ?12, updated_at = ?13, active = 1, inactive_reason = NULL, "
    "inactive_detail = NULL, inactive_at = NULL WHERE id = ?1";

constexpr char kInsertNew[] =
    "INSERT INTO registrations (app_id, uid, session_id, platform, token, apns_topic, "
    "apns_environment, fcm_os, webpush_p256dh, webpush_auth, device_id, app_version, locale, "
    "labels, created_at, updated_at, active) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, 1) "
    "RETURNING id";

// A token refresh: the session's other active token for this platform is superseded.
constexpr char kRetireReplaced[] =
    "UPDATE registrations SET active = 0, inactive_reason = 'replaced', inactive_detail = NULL, "
    "inactive_at = ?1, updated_at = ?1 "
    "WHERE app_id = ?2 AND uid = ?3 AND session_id = ?4 AND platform = ?5 AND active = 1 "
    "AND id <> ?6";

constexpr char kCountActiveOfUser[] =
    "SELECT count(*) FROM registrations WHERE app_id = ?1 AND uid = ?2 AND active = 1";

constexpr char kRetireOverCap[] =
    "UPDATE registrations SET active = 0, inactive_reason = 'cap_exceeded', "
    "inactive_detail = NULL, inactive_at = ?1, updated_at = ?1 "
    "WHERE id IN (SELECT id FROM registrations WHERE app_id = ?2 AND uid = ?3 AND active = 1 "
    "AND id <> ?4 ORDER BY updated_at, id LIMIT ?5) "
    "RETURNING platform";

// Spelling out the platforms lets SQLite use the (app_id, platform, token) index for a token
// on any platform: four index lookups instead of a scan of the app's rows.
constexpr char kEndTokenAnyPlatform[] =
    "UPDATE registrations SET active = 0, inactive_reason = 'unregistered', "
    "inactive_detail = NULL, inactive_at = ?1, updated_at = ?1 "
    "WHERE app_id = ?2 AND platform IN ('apns', 'apns_voip', 'fcm', 'webpush') AND token = ?3 "
    "AND active = 1 RETURNING platform";

constexpr char kEndTokenOnPlatform[] =
    "UPDATE registrations SET active = 0, inactive_reason = 'unregistered', "
    "inactive_detail = NULL, inactive_at = ?1, updated_at = ?1 "
    "WHERE app_id = ?2 AND platform = ?4 AND token = ?3 AND active = 1 RETURNING platform";

constexpr char kEndSession[] =
    "UPDATE registrations SET active = 0, inactive_reason = 'session_ended', "
    "inactive_detail = NULL, inactive_at = ?1, updated_at = ?1 "
    "WHERE app_id = ?2 AND uid = ?3 AND session_id = ?4 AND active = 1 RETURNING platform";

constexpr char kEndUser[] =
    "UPDATE registrations SET active = 0, inactive_reason = 'user_deleted', "
    "inactive_detail = NULL, inactive_at = ?1, updated_at = ?1 "
    "WHERE app_id = ?2 AND uid = ?3 AND active = 1 RETURNING platform";

const std::string& SelectByIdSql() {
  static const std::string* const sql =
      new std::string(std::string("SELECT ") + kColumns + " FROM registrations WHERE id = ?1");
  return *sql;
}

// Paging by id (not OFFSET): each page is one index range, however deep the caller pages.
const std::string& ListSql(bool active_only) {
  static const std::string* const all = new std::string(
      std::string("SELECT ") + kColumns +
      " FROM registrations WHERE app_id = ?1 AND uid = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4");
  static const std::string* const active = new std::string(
      std::string("SELECT ") + kColumns +
      " FROM registrations WHERE app_id = ?1 AND uid = ?2 AND id < ?3 AND active = 1"
      " ORDER BY id DESC LIMIT ?4");
  return active_only ? *active : *all;
}

// Optional fields are NULL rather than '' in the database, so that SQL over it reads naturally
// (`apns_topic IS NULL`) and the CHECK on apns_environment accepts an absent value.
void BindOptional(SQLite::Statement& s, int index, const std::string& value) {
  if (value.empty()) {
    s.bind(index);
  } else {
    s.bind(index, value);
  }
}

std::string LabelsToJson(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "";
  // replace: invalid UTF-8 (which the API layer should already refuse) becomes U+FFFD instead
  // of an exception that would fail the registration.
  return nlohmann::json(labels).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::map<std::string, std::string> LabelsFromJson(const std::string& text) {
  std::map<std::string, std::string> labels;
  if (text.empty()) return labels;
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return labels;
  for (const auto& [key, value] : parsed.items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
  }
  return labels;
}

std::string TextOrEmpty(SQLite::Statement& s, int column) {
  SQLite::Column c = s.getColumn(column);
  return c.isNull() ? std::string() : c.getString();
}

Registration RowToRegistration(SQLite::Statement& s) {
  Registration r;
  r.id = s.getColumn(0).getInt64();
  RegistrationInput& in = r.input;
  in.app_id = s.getColumn(1).getString();
  in.uid = s.getColumn(2).getString();
  in.session_id = s.getColumn(3).getString();
  // The CHECK constraint allows only known names.
  in.platform = PlatformFromName(s.getColumn(4).getString()).value_or(Platform::kApns);
  in.token = s.getColumn(5).getString();
  in.apns_topic = TextOrEmpty(s, 6);
  in.apns_environment = TextOrEmpty(s, 7);
  in.fcm_os = TextOrEmpty(s, 8);
  in.webpush_p256dh = TextOrEmpty(s, 9);
  in.webpush_auth = TextOrEmpty(s, 10);
  in.device.device_id = TextOrEmpty(s, 11);
  in.device.app_version = TextOrEmpty(s, 12);
  in.device.locale = TextOrEmpty(s, 13);
  in.device.labels = LabelsFromJson(TextOrEmpty(s, 14));
  r.created_at_ms = s.getColumn(15).getInt64();
  r.updated_at_ms = s.getColumn(16).getInt64();
  r.active = s.getColumn(17).getInt() != 0;
  r.inactive_reason = InactiveReasonFromName(TextOrEmpty(s, 18));
  r.inactive_detail = TextOrEmpty(s, 19);
  r.inactive_at_ms = s.getColumn(20).isNull() ? 0 : s.getColumn(20).getInt64();
  return r;
}

// Binds ?first.. ?first+8 to the per-platform and device fields, in kUpdateExisting's order.
void BindFields(SQLite::Statement& s, int first, const RegistrationInput& in,
                const std::string& labels_json) {
  BindOptional(s, first, in.apns_topic);
  BindOptional(s, first + 1, in.apns_environment);
  BindOptional(s, first + 2, in.fcm_os);
  BindOptional(s, first + 3, in.webpush_p256dh);
  BindOptional(s, first + 4, in.webpush_auth);
  BindOptional(s, first + 5, in.device.device_id);
  BindOptional(s, first + 6, in.device.app_version);
  BindOptional(s, first + 7, in.device.locale);
  BindOptional(s, first + 8, labels_json);
}

void CountMove(WriteTxn& txn, const std::string& platform, bool to_active, int64_t rows) {
  if (rows == 0) return;
  txn.Count(kRegistrationsFamily, RegistrationCounterKey(platform, to_active), rows);
  txn.Count(kRegistrationsFamily, RegistrationCounterKey(platform, !to_active), -rows);
}

// Steps an UPDATE ... RETURNING platform to its end; counts the rows it made inactive.
int RetireReturningPlatform(WriteTxn& txn, SQLite::Statement& update) {
  std::map<std::string, int64_t> by_platform;
  int ended = 0;
  while (update.executeStep()) {
    ++by_platform[update.getColumn(0).getString()];
    ++ended;
  }
  for (const auto& [platform, rows] : by_platform) CountMove(txn, platform, false, rows);
  return ended;
}

}  // namespace

absl::StatusOr<RegisterResult> RegisterTokenInTxn(WriteTxn& txn, const RegistrationInput& input,
                                                  int64_t now_ms, int max_per_user) {
  const std::string platform = PlatformName(input.platform);
  const std::string labels_json = LabelsToJson(input.device.labels);
  RegisterResult result;
  int64_t id = 0;
  {
    CachedStatement find = txn.Statement(kFindByToken);
    find->bind(1, input.app_id);
    find->bind(2, platform);
    find->bind(3, input.token);
    if (find->executeStep()) {
      id = find->getColumn(0).getInt64();
      result.moved = find->getColumn(1).getString() != input.uid ||
                     find->getColumn(2).getString() != input.session_id;
      const bool was_active = find->getColumn(3).getInt() != 0;
      if (!was_active) CountMove(txn, platform, true, 1);
    }
  }
  if (id != 0) {
    CachedStatement update = txn.Statement(kUpdateExisting);
    update->bind(1, id);
    update->bind(2, input.uid);
    update->bind(3, input.session_id);
    BindFields(*update, 4, input, labels_json);
    update->bind(13, now_ms);
    update->exec();
  } else {
    CachedStatement insert = txn.Statement(kInsertNew);
    insert->bind(1, input.app_id);
    insert->bind(2, input.uid);
    insert->bind(3, input.session_id);
    insert->bind(4, platform);
    insert->bind(5, input.token);
    BindFields(*insert, 6, input, labels_json);
    insert->bind(15, now_ms);
    if (!insert->executeStep()) return absl::InternalError("insert returned no id");
    id = insert->getColumn(0).getInt64();
    result.created = true;
    txn.Count(kRegistrationsFamily, RegistrationCounterKey(platform, true), 1);
  }
  {
    CachedStatement replace = txn.Statement(kRetireReplaced);
    replace->bind(1, now_ms);
    replace->bind(2, input.app_id);
    replace->bind(3, input.uid);
    replace->bind(4, input.session_id);
    replace->bind(5, platform);
    replace->bind(6, id);
    CountMove(txn, platform, false, replace->exec());
  }
  if (max_per_user > 0) {
    int64_t active = 0;
    {
      CachedStatement count = txn.Statement(kCountActiveOfUser);
      count->bind(1, input.app_id);
      count->bind(2, input.uid);
      if (count->executeStep()) active = count->getColumn(0).getInt64();
    }
    if (active > max_per_user) {
      CachedStatement retire = txn.Statement(kRetireOverCap);
      retire->bind(1, now_ms);
      retire->bind(2, input.app_id);
      retire->bind(3, input.uid);
      retire->bind(4, id);
      retire->bind(5, active - max_per_user);
      RetireReturningPlatform(txn, *retire);
    }
  }
  CachedStatement select = txn.Statement(SelectByIdSql());
  select->bind(1, id);
  if (!select->executeStep()) return absl::InternalError("registration vanished");
  result.registration = RowToRegistration(*select);
  return result;
}

absl::StatusOr<int> EndTokenInTxn(WriteTxn& txn, const std::string& app_id,
                                  const std::string& token, std::optional<Platform> platform,
                                  int64_t now_ms) {
  CachedStatement update =
      txn.Statement(platform.has_value() ? kEndTokenOnPlatform : kEndTokenAnyPlatform);
  update->bind(1, now_ms);
  update->bind(2, app_id);
  update->bind(3, token);
  if (platform.has_value()) update->bind(4, PlatformName(*platform));
  return RetireReturningPlatform(txn, *update);
}

absl::StatusOr<int> EndSessionInTxn(WriteTxn& txn, const std::string& app_id,
                                    const std::string& uid, const std::string& session_id,
                                    int64_t now_ms) {
  CachedStatement update = txn.Statement(kEndSession);
  update->bind(1, now_ms);
  update->bind(2, app_id);
  update->bind(3, uid);
  update->bind(4, session_id);
  return RetireReturningPlatform(txn, *update);
}

absl::StatusOr<int> EndUserInTxn(WriteTxn& txn, const std::string& app_id, const std::string& uid,
                                 int64_t now_ms) {
  CachedStatement update = txn.Statement(kEndUser);
  update->bind(1, now_ms);
  update->bind(2, app_id);
  update->bind(3, uid);
  return RetireReturningPlatform(txn, *update);
}

absl::StatusOr<std::vector<Registration>> ListRegistrations(StatementCache& statements,
                                                            const ListTokensQuery& query) {
  const int limit = query.limit <= 0 ? 100 : std::min(query.limit, 1000);
  const int64_t before =
      query.before_id > 0 ? query.before_id : std::numeric_limits<int64_t>::max();
  try {
    CachedStatement select = statements.Get(ListSql(query.active_only));
    select->bind(1, query.app_id);
    select->bind(2, query.uid);
    select->bind(3, before);
    select->bind(4, limit);
    std::vector<Registration> rows;
    while (select->executeStep()) rows.push_back(RowToRegistration(*select));
    return rows;
  } catch (const SQLite::Exception& e) {
    return StatusFromException(e);
  }
}

}  // namespace pushgate::store
