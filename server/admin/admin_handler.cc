#include "admin/admin_handler.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "admin/admin_request.h"
#include "admin/status_page.h"
#include "common/crypto.h"
#include "webhook/auth_lockout.h"

namespace pushgate::admin {
namespace {

constexpr char kHtml[] = "text/html; charset=utf-8";

http::HttpResponse Page(int status, std::string body, const std::string& nonce) {
  http::HttpResponse r;
  r.status = status;
  r.content_type = kHtml;
  r.body = std::move(body);
  r.headers = {{"Content-Security-Policy", ContentSecurityPolicy(nonce)},
               {"X-Content-Type-Options", "nosniff"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"Cache-Control", "no-store"},
               {"Cross-Origin-Opener-Policy", "same-origin"},
               {"Cross-Origin-Resource-Policy", "same-origin"}};
  return r;
}

http::HttpResponse Plain(int status, std::string text) {
  // No nonce: nothing inline may run or style.
  http::HttpResponse r = Page(status, std::move(text), "none");
  r.content_type = "text/plain; charset=utf-8";
  r.headers[0].second =
      "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  return r;
}

}  // namespace

http::HttpHandler MakeAdminHandler(AdminDeps deps) {
  auto lockout = std::make_shared<webhook::AuthLockout>(deps.lockout);
  auto shared = std::make_shared<const AdminDeps>(std::move(deps));
  return [deps = std::move(shared), lockout](http::HttpRequest&& request, http::Respond respond) {
    const auto now = webhook::AuthLockout::Clock::now();
    // Checked before the credentials, so a guess during a lockout teaches nothing.
    if (const int64_t locked = lockout->LockedForSeconds(request.remote_address, now); locked > 0) {
      http::HttpResponse r = Plain(429, "too many failed attempts from this address\n");
      r.headers.push_back({"Retry-After", absl::StrCat(locked)});
      return respond(std::move(r));
    }
    if (!IsAdminAuthorized(request.Header("authorization"), deps->credential)) {
      // No slowed answer here (the listener has one thread to hold it on); the lockout brakes.
      lockout->RecordFailure(request.remote_address, now);
      http::HttpResponse r = Plain(401, "admin credentials required\n");
      r.headers.push_back(
          {"WWW-Authenticate", "Basic realm=\"pushgate admin\", charset=\"UTF-8\""});
      return respond(std::move(r));
    }
    if (request.method != "GET") {
      http::HttpResponse r = Plain(405, "only GET\n");
      r.headers.push_back({"Allow", "GET"});
      return respond(std::move(r));
    }
    const std::string_view path = request.Path();
    const int64_t now_ms = deps->now_ms();
    // Unguessable per response: an injected <script> cannot carry it.
    const std::string nonce = RandomToken(18);
    if (path == "/" || path == "/live") {
      StatusView view;
      view.now_ms = now_ms;
      view.rates = deps->rates->Series();
      view.apps = deps->source->ReadApps(now_ms);
      if (path == "/live") return respond(Page(200, RenderLiveSection(view), nonce));
      return respond(Page(200, RenderStatusPage(view, deps->source->AppIds(), nonce), nonce));
    }
    if (path == "/user") {
      std::map<std::string, std::string> query = ParseQuery(request.target);
      UserSearchView view;
      if (query.count("uid") == 0) {
        view.app_ids = deps->source->AppIds();
        if (!view.app_ids.empty()) view.app_id = view.app_ids.front();
      } else {
        view = deps->source->SearchUser(query["app"], query["uid"]);
      }
      return respond(Page(view.error.empty() ? 200 : 400, RenderUserPage(view, nonce), nonce));
    }
    return respond(Plain(404, "no such page\n"));
  };
}

}  // namespace pushgate::admin
