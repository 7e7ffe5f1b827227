// The resolver step of the Web Push endpoint policy (webpush_endpoint_policy.h): finds the
// address to connect to for an endpoint host and checks it against the policy, so that the
// provider can pin exactly the checked address for the request (no DNS-rebinding gap).
//
// Lookups block (getaddrinfo), and the caller is the engine's dispatcher, so a host not in the
// cache is looked up on this resolver's own thread. Answers are cached for `cache_ttl`
// (refusals too: a host that resolves to a private address is not asked again for every
// message); lookup failures are not cached.
#ifndef PUSHGATE_PROVIDERS_WEBPUSH_ENDPOINT_RESOLVER_H_
#define PUSHGATE_PROVIDERS_WEBPUSH_ENDPOINT_RESOLVER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/webpush_endpoint_policy.h"

namespace pushgate::providers {

struct WebPushResolverOptions {
  WebPushEndpointPolicy policy;
  // "host:port:addr" entries (TlsSettings::resolve): used instead of DNS for matching
  // host:port, and checked like DNS answers.
  std::vector<std::string> overrides;
  absl::Duration cache_ttl = absl::Seconds(60);
  HostResolver lookup;              // default: ResolveWithGetaddrinfo
  std::function<absl::Time()> now;  // default: absl::Now
};

class WebPushEndpointResolver {
 public:
  // The address to pin, or PERMISSION_DENIED (the policy refuses the host; the message names
  // the address kind) or UNAVAILABLE (the lookup failed).
  using Done = std::function<void(absl::StatusOr<std::string> address)>;

  explicit WebPushEndpointResolver(WebPushResolverOptions options);
  // Answers what is queued, then joins.
  ~WebPushEndpointResolver();
  WebPushEndpointResolver(const WebPushEndpointResolver&) = delete;
  WebPushEndpointResolver& operator=(const WebPushEndpointResolver&) = delete;

  // `done` runs inline for IP literals, overrides and cached hosts, else on the resolver's
  // thread.
  void Resolve(const WebPushEndpoint& endpoint, Done done);

  // DNS lookups made so far (tests: shows the cache working).
  int64_t lookups() const;

 private:
  struct Entry {
    absl::StatusOr<std::string> address;
    absl::Time expires;
  };
  struct Job {
    WebPushEndpoint endpoint;
    Done done;
  };
  absl::StatusOr<std::string> Check(const WebPushEndpoint& endpoint,
                                    const std::vector<std::string>& addresses) const;
  void Run();

  const WebPushResolverOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t lookups_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_WEBPUSH_ENDPOINT_RESOLVER_H_
