#include "providers/webpush_endpoint_policy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "providers/webpush_endpoint_resolver.h"

namespace pushgate::providers {
namespace {

TEST(WebPushEndpoint, ParsesHostPortAndOrigin) {
  auto e = ParseWebPushEndpoint("https://FCM.googleapis.com/fcm/send/abc:def");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "fcm.googleapis.com");
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->origin, "https://fcm.googleapis.com");
  EXPECT_FALSE(e->host_is_address);

  e = ParseWebPushEndpoint("https://push.example:8443/p?x=1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 8443);
  EXPECT_EQ(e->origin, "https://push.example:8443");

  e = ParseWebPushEndpoint("https://[2001:4860::1]:9000/x");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "2001:4860::1");
  EXPECT_TRUE(e->host_is_address);
  EXPECT_EQ(e->origin, "https://[2001:4860::1]:9000");

  e = ParseWebPushEndpoint("https://127.0.0.1:443/x");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->host_is_address);
  EXPECT_EQ(e->origin, "https://127.0.0.1");
}

TEST(WebPushEndpoint, RefusesWhatIsNotAnHttpsPushUrl) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://push.example/x", "https"},
      {"ftp://push.example/x", "https"},
      {"push.example/x", "https"},
      {"https://user:pw@push.example/x", "user info"},
      {"https:///x", "no host"},
      {"https://push.example:0/x", "port"},
      {"https://push.example:99999/x", "port"},
      {"https://push.example:/x", "port"},
      {"https://push.example:12ab/x", "port"},
      {"https://[::1/x", "IPv6"},
      {"https://[zz::1]/x", "IPv6"},
      {"https://push example/x", "spaces"},
      {"https://push$example/x", "host name"},
  };
  for (const auto& [url, why] : cases) {
    auto e = ParseWebPushEndpoint(url);
    ASSERT_FALSE(e.ok()) << url;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_TRUE(absl::StrContains(e.status().message(), why)) << url << ": " << e.status();
  }
}

TEST(WebPushEndpoint, ErrorsNeverQuoteTheCapabilityUrl) {
  auto e = ParseWebPushEndpoint("http://push.example/secret-subscription-id");
  ASSERT_FALSE(e.ok());
  EXPECT_FALSE(absl::StrContains(e.status().message(), "secret-subscription-id"));
}

TEST(AddressPolicy, ClassifiesIpv4Ranges) {
  const std::vector<std::pair<std::string, AddressKind>> cases = {
      {"8.8.8.8", AddressKind::kPublic},
      {"142.250.74.106", AddressKind::kPublic},
      {"127.0.0.1", AddressKind::kLoopback},
      {"127.255.255.254", AddressKind::kLoopback},
      {"10.1.2.3", AddressKind::kPrivate},
      {"172.16.0.1", AddressKind::kPrivate},
      {"172.31.255.255", AddressKind::kPrivate},
      {"172.32.0.1", AddressKind::kPublic},
      {"192.168.1.1", AddressKind::kPrivate},
      {"100.64.0.1", AddressKind::kCgnat},
      {"100.127.255.255", AddressKind::kCgnat},
      {"100.128.0.1", AddressKind::kPublic},
      {"169.254.169.254", AddressKind::kLinkLocal},
      {"0.0.0.0", AddressKind::kUnspecified},
      {"0.1.2.3", AddressKind::kUnspecified},
      {"224.0.0.1", AddressKind::kMulticast},
      {"239.255.255.250", AddressKind::kMulticast},
      {"255.255.255.255", AddressKind::kReserved},
      {"240.0.0.1", AddressKind::kReserved},
      {"192.0.2.10", AddressKind::kReserved},
      {"198.18.0.1", AddressKind::kReserved},
      {"203.0.113.5", AddressKind::kReserved},
  };
  for (const auto& [address, kind] : cases) {
    auto got = ClassifyAddress(address);
    ASSERT_TRUE(got.has_value()) << address;
    EXPECT_EQ(*got, kind) << address << " is " << AddressKindName(*got);
  }
}

TEST(AddressPolicy, ClassifiesIpv6RangesAndEmbeddedIpv4) {
  const std::vector<std::pair<std::string, AddressKind>> cases = {
      {"2001:4860:4860::8888", AddressKind::kPublic},
      {"::1", AddressKind::kLoopback},
      {"::", AddressKind::kUnspecified},
      {"fc00::1", AddressKind::kPrivate},
      {"fd12:3456::1", AddressKind::kPrivate},
      {"fe80::1", AddressKind::kLinkLocal},
      {"febf::1", AddressKind::kLinkLocal},
      {"fec0::1", AddressKind::kPrivate},
      {"ff02::1", AddressKind::kMulticast},
      {"2001:db8::1", AddressKind::kReserved},
      {"100::1", AddressKind::kReserved},
      {"::ffff:127.0.0.1", AddressKind::kLoopback},
      {"::ffff:10.0.0.1", AddressKind::kPrivate},
      {"::ffff:8.8.8.8", AddressKind::kPublic},
      {"64:ff9b::169.254.169.254", AddressKind::kLinkLocal},
      {"2002:c0a8:0101::1", AddressKind::kPrivate},  // 6to4 of 192.168.1.1
  };
  for (const auto& [address, kind] : cases) {
    auto got = ClassifyAddress(address);
    ASSERT_TRUE(got.has_value()) << address;
    EXPECT_EQ(*got, kind) << address << " is " << AddressKindName(*got);
  }
  EXPECT_FALSE(ClassifyAddress("push.example").has_value());
  EXPECT_FALSE(ClassifyAddress("").has_value());
}

TEST(AddressPolicy, FlagsAllowLoopbackAndPrivateSeparatelyAndNothingElse) {
  const WebPushEndpointPolicy none;
  WebPushEndpointPolicy loopback;
  loopback.allow_loopback = true;
  WebPushEndpointPolicy priv;
  priv.allow_private = true;
  EXPECT_TRUE(AddressAllowed(AddressKind::kPublic, none));
  EXPECT_FALSE(AddressAllowed(AddressKind::kLoopback, none));
  EXPECT_FALSE(AddressAllowed(AddressKind::kPrivate, none));
  EXPECT_TRUE(AddressAllowed(AddressKind::kLoopback, loopback));
  EXPECT_FALSE(AddressAllowed(AddressKind::kPrivate, loopback));
  EXPECT_TRUE(AddressAllowed(AddressKind::kPrivate, priv));
  EXPECT_TRUE(AddressAllowed(AddressKind::kCgnat, priv));
  EXPECT_FALSE(AddressAllowed(AddressKind::kLoopback, priv));
  WebPushEndpointPolicy both{true, true};
  for (AddressKind k : {AddressKind::kLinkLocal, AddressKind::kUnspecified, AddressKind::kMulticast,
                        AddressKind::kReserved}) {
    EXPECT_FALSE(AddressAllowed(k, both)) << AddressKindName(k);
  }
}

TEST(AddressPolicy, ChoosesTheFirstAllowedAddressOrNamesTheRefusal) {
  const WebPushEndpoint e = *ParseWebPushEndpoint("https://push.example/x");
  auto a = ChooseEndpointAddress(e, {"10.0.0.7", "93.184.216.34"}, {});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "93.184.216.34");

  a = ChooseEndpointAddress(e, {"127.0.0.1", "::1"}, {});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(a.status().message(),
            "endpoint host push.example resolves to loopback address 127.0.0.1 (not allowed)");

  a = ChooseEndpointAddress(e, {"169.254.169.254"}, WebPushEndpointPolicy{true, true});
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(absl::StrContains(a.status().message(), "link-local address 169.254.169.254"));

  EXPECT_EQ(ChooseEndpointAddress(e, {}, {}).status().code(), absl::StatusCode::kUnavailable);
}

TEST(AddressPolicy, PinsTheCheckedAddress) {
  const WebPushEndpoint e = *ParseWebPushEndpoint("https://push.example:8443/x");
  EXPECT_EQ(ResolvePin(e, "93.184.216.34"), "push.example:8443:93.184.216.34");
  EXPECT_EQ(ResolvePin(e, "2001:4860::1"), "push.example:8443:[2001:4860::1]");
}

TEST(AddressPolicy, ResolveOverridesMatchHostAndPort) {
  const std::vector<std::string> resolve = {"push.example:8443:127.0.0.1",
                                            "other.example:443:[::1],10.0.0.1"};
  EXPECT_EQ(*ResolveOverride(resolve, "push.example", 8443), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(*ResolveOverride(resolve, "other.example", 443),
            (std::vector<std::string>{"::1", "10.0.0.1"}));
  EXPECT_FALSE(ResolveOverride(resolve, "push.example", 443).has_value());
}

TEST(AddressPolicy, GetaddrinfoResolvesLocalhostToLoopback) {
  auto found = ResolveWithGetaddrinfo("localhost", 443);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_FALSE(found->empty());
  for (const std::string& a : *found) EXPECT_EQ(ClassifyAddress(a), AddressKind::kLoopback) << a;
}

// The resolver step: a lookup (injected) per host, answers cached, refusals named.
class ResolverTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::string> ResolveSync(WebPushEndpointResolver& r, const std::string& url) {
    std::promise<absl::StatusOr<std::string>> p;
    r.Resolve(*ParseWebPushEndpoint(url), [&p](absl::StatusOr<std::string> a) { p.set_value(a); });
    return p.get_future().get();
  }
  WebPushResolverOptions Options() {
    WebPushResolverOptions o;
    o.lookup = [this](const std::string& host, int) -> absl::StatusOr<std::vector<std::string>> {
      ++calls_;
      if (host == "rebind.example") return std::vector<std::string>{"127.0.0.1"};
      if (host == "intranet.example") return std::vector<std::string>{"192.168.0.10"};
      if (host == "push.example") return std::vector<std::string>{"93.184.216.34"};
      return absl::UnavailableError("no such host");
    };
    o.now = [this] { return now_; };
    return o;
  }
  std::atomic<int> calls_{0};
  absl::Time now_ = absl::FromUnixSeconds(1764300000);
};

TEST_F(ResolverTest, HostNameResolvingToLoopbackIsRefusedUnlessAllowed) {
  WebPushEndpointResolver strict(Options());
  auto a = ResolveSync(strict, "https://rebind.example/x");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(a.status().message(), "loopback address 127.0.0.1"));
  a = ResolveSync(strict, "https://intranet.example/x");
  EXPECT_TRUE(absl::StrContains(a.status().message(), "private address 192.168.0.10"));

  WebPushResolverOptions o = Options();
  o.policy.allow_loopback = true;
  WebPushEndpointResolver lax(std::move(o));
  a = ResolveSync(lax, "https://rebind.example/x");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, "127.0.0.1");
  EXPECT_FALSE(ResolveSync(lax, "https://intranet.example/x").ok());
}

TEST_F(ResolverTest, AnswersAreCachedForTheTtlAndFailuresAreNot) {
  WebPushEndpointResolver r(Options());
  EXPECT_EQ(*ResolveSync(r, "https://push.example/a"), "93.184.216.34");
  EXPECT_EQ(*ResolveSync(r, "https://push.example/b"), "93.184.216.34");
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_FALSE(ResolveSync(r, "https://rebind.example/x").ok());
  EXPECT_FALSE(ResolveSync(r, "https://rebind.example/y").ok());
  EXPECT_EQ(calls_.load(), 2);  // the refusal is cached too
  EXPECT_EQ(ResolveSync(r, "https://unknown.example/x").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(ResolveSync(r, "https://unknown.example/x").ok());
  EXPECT_EQ(calls_.load(), 4);  // lookup failures are asked again
  now_ += absl::Seconds(61);
  EXPECT_TRUE(ResolveSync(r, "https://push.example/a").ok());
  EXPECT_EQ(calls_.load(), 5);
  EXPECT_EQ(r.lookups(), 5);
}

TEST_F(ResolverTest, LiteralsAndOverridesAreCheckedWithoutALookup) {
  WebPushResolverOptions o = Options();
  o.overrides = {"push.example:443:10.9.8.7"};
  WebPushEndpointResolver r(std::move(o));
  auto a = ResolveSync(r, "https://push.example/x");
  EXPECT_TRUE(absl::StrContains(a.status().message(), "private address 10.9.8.7"));
  a = ResolveSync(r, "https://[::1]:8443/x");
  EXPECT_TRUE(absl::StrContains(a.status().message(), "loopback address ::1"));
  EXPECT_EQ(*ResolveSync(r, "https://8.8.4.4/x"), "8.8.4.4");
  EXPECT_EQ(calls_.load(), 0);
}

}  // namespace
}  // namespace pushgate::providers
