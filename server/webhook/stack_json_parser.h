// Parses a JSON text into buffers that live on the caller's stack.
//
// A CometChat body (1-2 KB) fits: no heap allocation for the tree or for the parser's own stack.
// The webhook parses every body on its hot path (the parse is its largest CPU cost after the
// socket work) and the delivery engine reads every stored body again, so both use this; the
// compiled part of Boost.JSON is in boost_json_impl.cc.
#ifndef PUSHGATE_WEBHOOK_STACK_JSON_PARSER_H_
#define PUSHGATE_WEBHOOK_STACK_JSON_PARSER_H_

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pushgate::webhook {

// Builds the tree as boost::json::parser does, and counts the members of every object as the
// text has them. Boost.JSON keeps the last of duplicated keys, so a tree holding fewer members
// than the text had is how a duplicated key shows.
class CountingJsonHandler {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  CountingJsonHandler(boost::json::storage_ptr sp, unsigned char* buffer, std::size_t size)
      : st(std::move(sp), buffer, size) {}

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::json::error_code&) {
    members += n;
    st.push_object(n);
    return true;
  }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, boost::json::string_view, boost::json::error_code&) {
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

  boost::json::value_stack st;
  std::size_t members = 0;  // object members in the text, duplicates included
};

// Members of every object in `v`, nested ones included.
inline std::size_t CountObjectMembers(const boost::json::value& v) {
  if (const boost::json::object* o = v.if_object()) {
    std::size_t n = o->size();
    for (const auto& member : *o) n += CountObjectMembers(member.value());
    return n;
  }
  if (const boost::json::array* a = v.if_array()) {
    std::size_t n = 0;
    for (const boost::json::value& element : *a) n += CountObjectMembers(element);
    return n;
  }
  return 0;
}

// kTreeBytes: room for the tree before the arena falls back to the heap.
template <std::size_t kTreeBytes>
class StackJsonParser {
 public:
  explicit StackJsonParser(std::size_t max_depth)
      : arena_(tree_, sizeof tree_),
        parser_(Options(max_depth), boost::json::storage_ptr(), parser_stack_,
                sizeof parser_stack_) {
    parser_.handler().st.reset(&arena_);
  }
  StackJsonParser(const StackJsonParser&) = delete;
  StackJsonParser& operator=(const StackJsonParser&) = delete;

  // The whole of `text` as one value, or null with `ec` set. The value lives in this parser's
  // buffers: it must not outlive the parser.
  boost::json::value Parse(std::string_view text, boost::json::error_code& ec) {
    const std::size_t n = parser_.write_some(false, text.data(), text.size(), ec);
    if (ec) return nullptr;
    if (n < text.size()) {
      ec = boost::json::error::extra_data;
      return nullptr;
    }
    return parser_.handler().st.release();
  }

  // True when an object of the last parsed text repeated a key (`root` is what Parse
  // returned). Two readers of such a body may disagree on its value: Boost.JSON and nlohmann
  // keep the last, others the first.
  bool HadDuplicateKeys(const boost::json::value& root) const {
    return CountObjectMembers(root) != parser_.handler().members;
  }

 private:
  static boost::json::parse_options Options(std::size_t max_depth) {
    boost::json::parse_options options;
    options.max_depth = max_depth;
    return options;
  }

  alignas(16) unsigned char tree_[kTreeBytes];
  alignas(16) unsigned char parser_stack_[2048];
  boost::json::monotonic_resource arena_;
  boost::json::basic_parser<CountingJsonHandler> parser_;
};

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_STACK_JSON_PARSER_H_
