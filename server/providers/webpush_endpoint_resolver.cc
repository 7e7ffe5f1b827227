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
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.Signal();
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
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(CacheKey(endpoint));
    if (it != cache_.end() && options_.now() < it->second.expires) {
      absl::StatusOr<std::string> address = it->second.address;
      mu_.Unlock();
      done(std::move(address));
      mu_.Lock();
      return;
    }
    queue_.push_back(Job{endpoint, std::move(done)});
    wake_.Signal();
  }
}

int64_t WebPushEndpointResolver::lookups() const {
  absl::MutexLock lock(&mu_);
  return lookups_;
}

void WebPushEndpointResolver::Run() {
  absl::MutexLock lock(&mu_);
  while (true) {
    while (queue_.empty() && !stopping_) wake_.Wait(&mu_);
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
      mu_.Unlock();
      auto found = options_.lookup(job.endpoint.host, job.endpoint.port);
      address =
          found.ok() ? Check(job.endpoint, *found) : absl::StatusOr<std::string>(found.status());
      mu_.Lock();
      if (address.ok() || absl::IsPermissionDenied(address.status())) {
        if (cache_.size() >= kMaxCachedHosts) cache_.clear();
        cache_[key] = Entry{address, options_.now() + options_.cache_ttl};
      }
    }
    mu_.Unlock();
    job.done(std::move(address));
    mu_.Lock();
  }
}

}  // namespace pushgate::providers
