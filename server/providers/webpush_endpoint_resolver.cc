#include "providers/webpush_endpoint_resolver.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

// Bounds the cache against a flood of registrations with made-up hosts.
constexpr size_t kMaxCachedHosts = 4096;

std::string CacheKey(const WebPushEndpoint& e) { return absl::StrCat(e.host, ":", e.port); }

}  // namespace

WebPushEndpointResolver::WebPushEndpointResolver(WebPushResolverOptions options)
    : options_([&] {
        if (!options.lookup) options.lookup = ResolveWithGetaddrinfo;
        if (!options.now) options.now = [] { return absl::Now(); };
        return std::move(options);
      }()),
      thread_([this] { Run(); }) {}

WebPushEndpointResolver::~WebPushEndpointResolver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  thread_.join();
}

absl::StatusOr<std::string> WebPushEndpointResolver::Check(
    const WebPushEndpoint& endpoint, const std::vector<std::string>& addresses) const {
  return ChooseEndpointAddress(endpoint, addresses, options_.policy);
}

void WebPushEndpointResolver::Resolve(const WebPushEndpoint& endpoint, Done done) {
  if (endpoint.host_is_address) {
    done(Check(endpoint, {endpoint.host}));
    return;
  }
  if (auto o = ResolveOverride(options_.overrides, endpoint.host, endpoint.port)) {
    done(Check(endpoint, *o));
    return;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = cache_.find(CacheKey(endpoint));
    if (it != cache_.end() && options_.now() < it->second.expires) {
      absl::StatusOr<std::string> address = it->second.address;
      lock.unlock();  // `done` may call back into Resolve
      done(std::move(address));
      return;
    }
    queue_.push_back(Job{endpoint, std::move(done)});
    wake_.notify_one();
  }
}

int64_t WebPushEndpointResolver::lookups() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lookups_;
}

void WebPushEndpointResolver::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (queue_.empty() && !stopping_) wake_.wait(lock);
    if (queue_.empty()) return;  // stopping, and everything queued was answered
    Job job = std::move(queue_.front());
    queue_.pop_front();
    const std::string key = CacheKey(job.endpoint);
    auto it = cache_.find(key);
    absl::StatusOr<std::string> address;
    if (it != cache_.end() && options_.now() < it->second.expires) {
      address = it->second.address;  // an earlier job for the same host just looked it up
    } else {
      ++lookups_;
      lock.unlock();
      auto found = options_.lookup(job.endpoint.host, job.endpoint.port);
      address =
          found.ok() ? Check(job.endpoint, *found) : absl::StatusOr<std::string>(found.status());
      lock.lock();
      if (address.ok() || absl::IsPermissionDenied(address.status())) {
        if (cache_.size() >= kMaxCachedHosts) cache_.clear();
        cache_[key] = Entry{address, options_.now() + options_.cache_ttl};
      }
    }
    lock.unlock();
    job.done(std::move(address));
    lock.lock();
  }
}

}  // namespace pushgate::providers
