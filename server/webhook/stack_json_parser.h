// Parses a JSON text into buffers that live on the caller's stack.
//
// A CometChat body (1-2 KB) fits: no heap allocation for the tree or for the parser's own stack.
// The webhook parses every body on its hot path (the parse is its largest CPU cost after the
// socket work) and the delivery engine reads every stored body again, so both use this; the
// compiled part of Boost.JSON is in boost_json_impl.cc.
#ifndef PUSHGATE_WEBHOOK_STACK_JSON_PARSER_H_
#define PUSHGATE_WEBHOOK_STACK_JSON_PARSER_H_

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

namespace pushgate::webhook {

// kTreeBytes: room for the tree before the arena falls back to the heap.
template <std::size_t kTreeBytes>
class StackJsonParser {
 public:
  explicit StackJsonParser(std::size_t max_depth)
      : arena_(tree_, sizeof tree_),
        parser_(boost::json::storage_ptr(), Options(max_depth), parser_stack_,
                sizeof parser_stack_) {
    parser_.reset(&arena_);
  }
  StackJsonParser(const StackJsonParser&) = delete;
  StackJsonParser& operator=(const StackJsonParser&) = delete;

  // The whole of `text` as one value, or null with `ec` set. The value lives in this parser's
  // buffers: it must not outlive the parser.
  boost::json::value Parse(std::string_view text, boost::json::error_code& ec) {
    parser_.write(boost::json::string_view(text.data(), text.size()), ec);
    if (ec) return nullptr;
    return parser_.release();
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
  boost::json::parser parser_;
};

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_STACK_JSON_PARSER_H_
