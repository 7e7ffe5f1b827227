#include "providers/notification_content.h"

#include <algorithm>
#include <boost/json/value.hpp>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "providers/json_text.h"
#include "webhook/stack_json_parser.h"

namespace pushgate::providers {
namespace {

using nlohmann::json;

// Serialises without throwing on invalid UTF-8: the payload was validated at ingest, but a
// single bad byte in a user's message must not make the whole delivery unsendable.
std::string Compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// CometChat's samples mix strings and numbers for the same fields (sentAt is a string in the
// samples, a number in message objects), so accept both and keep the text.
std::string Text(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return Compact(*it);
  return "";
}

// unreadMessageCount is a number in the custom-provider sample and a string in CometChat's own
// FCM payloads; anything else (absent, negative, not a count) means "no badge".
std::optional<int64_t> Count(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    return v >= 0 ? std::optional<int64_t>(v) : std::nullopt;
  }
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (d >= 0 && d < 9e15) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty() && v >= 0) return v;
  }
  return std::nullopt;
}

// `message` and `custom` are passed on verbatim but compactly, so size limits downstream are
// measured on what is actually sent.
std::string ObjectJson(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return Compact(*it);
}

// ---- The Boost.JSON reading ---------------------------------------------------------------
//
// What nlohmann's reading gives, without its tree: nlohmann's std::map-backed objects allocate
// a node per member and its lexer a string per token, which made this parse about a sixth of
// the engine thread's CPU per push (BENCHMARKS.md "Delivery engine"). Boost.JSON parses into a
// stack arena instead. Everything that reaches a provider must stay byte for byte what the
// nlohmann reading gives, so:
//  - objects are written with their keys sorted by byte (nlohmann's std::map order); both
//    parsers keep the last of duplicate keys;
//  - strings are written by AppendJsonString, which prints what nlohmann's dump prints (and
//    Boost.JSON has already refused invalid UTF-8, so no replacement is involved);
//  - integers print the same in both; but a double's shortest text depends on the double, and
//    Boost.JSON 1.81 may round a decimal differently from strtod (no precise mode before 1.82),
//    so any double among the values read sends the whole payload to the nlohmann reading.
// Anything this reading cannot vouch for returns nullopt and the nlohmann reading answers,
// errors included, so error messages stay what they were too.
namespace fast {

namespace bj = boost::json;

// Deeper than ingest accepts (webhook/envelope.h allows 64): a deeper stored body is damaged,
// and the nlohmann reading decides what it is.
constexpr size_t kMaxDepth = 64;

std::string_view View(const bj::string& s) { return std::string_view(s.data(), s.size()); }

const bj::value* Find(const bj::object& object, std::string_view key) {
  auto it = object.find(bj::string_view(key.data(), key.size()));
  return it == object.end() ? nullptr : &it->value();
}

// Compact JSON of `value` as nlohmann's dump(-1) writes it; false on a double.
bool Write(const bj::value& value, std::string& out) {
  switch (value.kind()) {
    case bj::kind::null:
      out += "null";
      return true;
    case bj::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return true;
    case bj::kind::int64:
      absl::StrAppend(&out, value.get_int64());
      return true;
    case bj::kind::uint64:
      absl::StrAppend(&out, value.get_uint64());
      return true;
    case bj::kind::double_:
      return false;
    case bj::kind::string:
      AppendJsonString(out, View(value.get_string()));
      return true;
    case bj::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const bj::value& element : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        if (!Write(element, out)) return false;
      }
      out.push_back(']');
      return true;
    }
    case bj::kind::object: {
      const bj::object& object = value.get_object();
      absl::InlinedVector<const bj::key_value_pair*, 24> members;
      members.reserve(object.size());
      for (const bj::key_value_pair& member : object) members.push_back(&member);
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
        return std::string_view(a->key().data(), a->key().size()) <
               std::string_view(b->key().data(), b->key().size());
      });
      out.push_back('{');
      bool first = true;
      for (const bj::key_value_pair* member : members) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, std::string_view(member->key().data(), member->key().size()));
        out.push_back(':');
        if (!Write(member->value(), out)) return false;
      }
      out.push_back('}');
      return true;
    }
  }
  return false;
}

// Text() above; false on a double.
bool Text(const bj::object& object, std::string_view key, std::string& out) {
  const bj::value* v = Find(object, key);
  if (v == nullptr) return true;
  switch (v->kind()) {
    case bj::kind::string:
      out.assign(View(v->get_string()));
      return true;
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::bool_:
      return Write(*v, out);
    case bj::kind::double_:
      return false;
    default:  // null, object, array
      return true;
  }
}

// Count() above; false on a double.
bool Count(const bj::object& object, std::string_view key, std::optional<int64_t>& out) {
  const bj::value* v = Find(object, key);
  if (v == nullptr) return true;
  switch (v->kind()) {
    case bj::kind::int64:
      if (v->get_int64() >= 0) out = v->get_int64();
      return true;
    case bj::kind::uint64:  // above INT64_MAX: nlohmann's get<int64_t> makes it negative
      return true;
    case bj::kind::double_:
      return false;
    case bj::kind::string: {
      const std::string_view s = View(v->get_string());
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty() && n >= 0) out = n;
      return true;
    }
    default:
      return true;
  }
}

// ObjectJson() above; false on a double.
bool ObjectJson(const bj::object& object, std::string_view key, std::string& out) {
  const bj::value* v = Find(object, key);
  if (v == nullptr || v->is_null()) return true;
  return Write(*v, out);
}

std::optional<NotificationContent> Parse(std::string_view payload) {
  // A typical stored body (1-2 KB) fits in 16 KB of tree.
  webhook::StackJsonParser<16384> parser(kMaxDepth);
  bj::error_code ec;
  const bj::value root = parser.Parse(payload, ec);
  if (ec) return std::nullopt;
  if (!root.is_object()) return std::nullopt;
  const bj::value* data = Find(root.get_object(), "data");
  if (data == nullptr || !data->is_object()) return std::nullopt;
  const bj::value* details = Find(data->get_object(), "notificationDetails");
  if (details == nullptr || !details->is_object()) return std::nullopt;
  const bj::object& d = details->get_object();

  NotificationContent c;
  bool exact = true;
  if (const bj::value* to = Find(data->get_object(), "to"); to != nullptr && to->is_object()) {
    exact &= Text(to->get_object(), "uid", c.uid);
  }
  exact &= Text(d, "type", c.type);
  exact &= Text(d, "title", c.title);
  exact &= Text(d, "body", c.body);
  exact &= Text(d, "sender", c.sender);
  exact &= Text(d, "senderName", c.sender_name);
  exact &= Text(d, "senderAvatar", c.sender_avatar);
  exact &= Text(d, "receiver", c.receiver);
  exact &= Text(d, "receiverName", c.receiver_name);
  exact &= Text(d, "receiverType", c.receiver_type);
  exact &= Text(d, "tag", c.tag);
  exact &= Text(d, "conversationId", c.conversation_id);
  exact &= Text(d, "sentAt", c.sent_at);
  exact &= Count(d, "unreadMessageCount", c.unread_message_count);
  exact &= Text(d, "callAction", c.call_action);
  exact &= Text(d, "sessionId", c.call_session_id);
  exact &= Text(d, "callType", c.call_type);
  exact &= ObjectJson(d, "message", c.message_json);
  exact &= ObjectJson(d, "custom", c.custom_json);
  if (!exact || c.type.empty()) return std::nullopt;
  return c;
}

}  // namespace fast

}  // namespace

absl::StatusOr<NotificationContent> ParseStoredPayload(std::string_view payload) {
  if (std::optional<NotificationContent> c = fast::Parse(payload)) return *std::move(c);
  return ParseStoredPayloadWithNlohmann(payload);
}

absl::StatusOr<NotificationContent> ParseStoredPayloadWithNlohmann(std::string_view payload) {
  json doc = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("stored payload is not a JSON object");
  }
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) {
    return absl::InvalidArgumentError("stored payload: data is missing");
  }
  auto details = data->find("notificationDetails");
  if (details == data->end() || !details->is_object()) {
    return absl::InvalidArgumentError("stored payload: data.notificationDetails is missing");
  }
  const json& d = *details;

  NotificationContent c;
  if (auto to = data->find("to"); to != data->end() && to->is_object()) c.uid = Text(*to, "uid");
  c.type = Text(d, "type");
  c.title = Text(d, "title");
  c.body = Text(d, "body");
  c.sender = Text(d, "sender");
  c.sender_name = Text(d, "senderName");
  c.sender_avatar = Text(d, "senderAvatar");
  c.receiver = Text(d, "receiver");
  c.receiver_name = Text(d, "receiverName");
  c.receiver_type = Text(d, "receiverType");
  c.tag = Text(d, "tag");
  c.conversation_id = Text(d, "conversationId");
  c.sent_at = Text(d, "sentAt");
  c.unread_message_count = Count(d, "unreadMessageCount");
  c.call_action = Text(d, "callAction");
  c.call_session_id = Text(d, "sessionId");
  c.call_type = Text(d, "callType");
  c.message_json = ObjectJson(d, "message");
  c.custom_json = ObjectJson(d, "custom");
  if (c.type.empty()) {
    return absl::InvalidArgumentError("stored payload: notificationDetails.type is missing");
  }
  return c;
}

}  // namespace pushgate::providers
