#include "admin/status_page.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace pushgate::admin {
namespace {

// Line colours, chosen to stay apart for the usual colour-vision deficiencies.
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                    "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr int kChartWidth = 900;
constexpr int kChartHeight = 260;
constexpr int kLeft = 56;
constexpr int kRight = 12;
constexpr int kTop = 12;
constexpr int kBottom = 28;

constexpr char kStyle[] = R"css(
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
header{background:#1b2a3a;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:baseline}
header h1{font-size:18px;margin:0}
header a{color:#cfe3ff}
main{padding:12px 20px;max-width:1200px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 16px;margin:12px 0}
h2{font-size:16px;margin:4px 0 8px}
h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;margin:4px 0}
td,th{border-bottom:1px solid #eceff2;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.kpis{display:flex;gap:28px;flex-wrap:wrap}
.kpi b{display:block;font-size:22px}
.grid{display:flex;gap:32px;flex-wrap:wrap}
.legend{list-style:none;padding:0;display:flex;gap:18px;flex-wrap:wrap;margin:4px 0}
.muted{color:#69717a}
.error{color:#b00020}
.yes{color:#1a7f37}.no{color:#b00020}.wait{color:#9a6700}
form{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
input[type=text]{width:22em;padding:3px}
tr.delivery td:first-child{padding-left:18px}
#refreshed[data-state=failed]{color:#ffb4b4}
)css";

// Refreshes the live section every 10 s. location.origin never carries credentials (a URL
// with user:pass@ would be refused by fetch); the browser re-sends the cached Basic Auth.
constexpr char kScript[] = R"js(
(function(){
  var live=document.getElementById('live'),stamp=document.getElementById('refreshed');
  function refresh(){
    fetch(location.origin+'/live',{credentials:'same-origin',cache:'no-store'})
      .then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.text();})
      .then(function(html){live.innerHTML=html;
        stamp.textContent='live, refreshed '+new Date().toISOString().slice(11,19)+' UTC';
        stamp.setAttribute('data-state','live');})
      .catch(function(e){stamp.textContent='refresh failed: '+e.message;
        stamp.setAttribute('data-state','failed');});
  }
  refresh();
  setInterval(refresh,10000);
})();
)js";

std::string Num(double v) {
  if (v == 0) return "0";
  if (v >= 100) return absl::StrFormat("%.0f", v);
  if (v >= 10) return absl::StrFormat("%.1f", v);
  return absl::StrFormat("%.2f", v);
}

// 1, 2 or 5 times a power of ten, at least `v`.
double NiceCeiling(double v) {
  if (v <= 0) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * magnitude >= v) return step * magnitude;
  }
  return 10 * magnitude;
}

void AppendCounts(std::string& out, const std::string& title, const Counts& counts,
                  const std::string& empty) {
  absl::StrAppend(&out, "<div><h3>", title, "</h3>");
  if (counts.empty()) {
    absl::StrAppend(&out, "<p class=\"muted\">", empty, "</p></div>");
    return;
  }
  absl::StrAppend(&out, "<table>");
  for (const auto& [name, n] : counts) {
    absl::StrAppend(&out, "<tr><td>", HtmlEscape(name.empty() ? "(none)" : name),
                    "</td><td class=\"n\">", n, "</td></tr>");
  }
  absl::StrAppend(&out, "</table></div>");
}

void AppendApp(std::string& out, const AppView& app, int64_t now_ms) {
  absl::StrAppend(&out, "<section class=\"app\" data-app=\"", HtmlEscape(app.app_id), "\"><h2>App ",
                  HtmlEscape(app.app_id), "</h2>");
  if (!app.error.empty()) {
    absl::StrAppend(&out, "<p class=\"error\">Cannot read its status: ", HtmlEscape(app.error),
                    "</p>");
  } else {
    const std::string oldest =
        app.oldest_waiting_received_ms == 0
            ? std::string("nothing waits")
            : FormatDuration(std::max<int64_t>(0, now_ms - app.oldest_waiting_received_ms));
    absl::StrAppend(&out, "<div class=\"kpis\"><div class=\"kpi\">queue depth<b class=\"queue\">",
                    app.queue_depth,
                    "</b></div><div class=\"kpi\">oldest waiting<b class=\"oldest\">", oldest,
                    "</b></div></div>");
    absl::StrAppend(&out, "<div class=\"grid\">");
    AppendCounts(out, "Notifications (last hour)", app.notifications_by_state, "none");
    AppendCounts(out, "Delivery outcomes (last hour)", app.deliveries_by_state, "none");
    AppendCounts(out, "Deliveries by channel (last hour)", app.deliveries_by_channel, "none");
    AppendCounts(out, "Top failure reasons (last hour)", app.top_failure_reasons, "no failures");
    absl::StrAppend(&out, "</div>");
  }
  absl::StrAppend(&out,
                  "<h3>Channels and credential health</h3><table class=\"channels\">"
                  "<tr><th>channel</th><th>configured</th><th>credential health</th></tr>");
  for (const ChannelView& c : app.channels) {
    absl::StrAppend(&out, "<tr><td>", HtmlEscape(c.name), "</td><td>", HtmlEscape(c.detail),
                    "</td><td class=\"health\">", HtmlEscape(c.health), "</td></tr>");
  }
  if (app.channels.empty()) {
    absl::StrAppend(&out, "<tr><td colspan=\"3\" class=\"muted\">no channel configured</td></tr>");
  }
  absl::StrAppend(&out, "</table></section>");
}

void AppendHead(std::string& out, const std::string& title, std::string_view nonce) {
  absl::StrAppend(&out,
                  "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width\"><title>",
                  title, "</title><style nonce=\"", HtmlEscape(nonce), "\">", kStyle,
                  "</style></head><body>");
}

void AppendSearchForm(std::string& out, const std::vector<std::string>& app_ids,
                      std::string_view app_id, std::string_view uid) {
  absl::StrAppend(&out,
                  "<form method=\"get\" action=\"/user\" role=\"search\">"
                  "<label>Did user <input type=\"text\" name=\"uid\" required value=\"",
                  HtmlEscape(uid),
                  "\" placeholder=\"uid\"></label><label>of app <select name=\"app\">");
  for (const std::string& id : app_ids) {
    absl::StrAppend(&out, "<option value=\"", HtmlEscape(id), "\"", id == app_id ? " selected" : "",
                    ">", HtmlEscape(id), "</option>");
  }
  absl::StrAppend(&out, "</select></label><button type=\"submit\">get it?</button></form>");
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatDuration(int64_t ms) {
  const int64_t s = std::max<int64_t>(0, ms) / 1000;
  if (s < 60) return absl::StrCat(s, " s");
  if (s < 3600) return absl::StrFormat("%d min %02d s", s / 60, s % 60);
  return absl::StrFormat("%d h %02d min", s / 3600, (s % 3600) / 60);
}

std::string FormatUtc(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

std::string Verdict(const NotificationView& n) {
  int delivered = 0;
  int pending = 0;
  for (const DeliveryView& d : n.deliveries) {
    if (d.state == "delivered") ++delivered;
    if (d.state == "pending" || d.state == "sending" || d.state == "retry_wait") ++pending;
  }
  const size_t total = n.deliveries.size();
  if (total == 0) {
    return n.state == "done" ? "no: no device or hook to deliver to" : "not yet: waiting";
  }
  if (delivered > 0) {
    return absl::StrCat("yes: delivered to ", delivered, " of ", total,
                        pending > 0 ? " (others still trying)" : "");
  }
  if (pending > 0) return "not yet: still trying";
  return absl::StrCat("no: ", n.outcome.empty() ? "not delivered" : n.outcome);
}

std::string ContentSecurityPolicy(std::string_view nonce) {
  const std::string n(nonce);
  return absl::StrCat("default-src 'none'; script-src 'nonce-", n, "'; style-src 'nonce-", n,
                      "'; img-src data:; connect-src 'self'; form-action 'self'; "
                      "base-uri 'none'; frame-ancestors 'none'");
}

std::string RenderRateChart(const std::vector<RateSeries>& series, int64_t now_ms) {
  const int64_t start_ms = now_ms - RateHistory::kWindowMs;
  std::vector<const RateSeries*> shown;
  double peak = 0;
  for (const RateSeries& s : series) {
    double series_peak = 0;
    for (const RatePoint& p : s.points) {
      if (p.at_ms >= start_ms) series_peak = std::max(series_peak, p.per_second);
    }
    if (s.name != kWebhooksInSeries && series_peak == 0) continue;
    peak = std::max(peak, series_peak);
    shown.push_back(&s);
  }
  // Webhooks in first: the line every push comes from.
  std::stable_partition(shown.begin(), shown.end(),
                        [](const RateSeries* s) { return s->name == kWebhooksInSeries; });
  const double top = NiceCeiling(peak);
  const int plot_w = kChartWidth - kLeft - kRight;
  const int plot_h = kChartHeight - kTop - kBottom;
  auto x_of = [&](int64_t at_ms) {
    return kLeft + static_cast<double>(at_ms - start_ms) / RateHistory::kWindowMs * plot_w;
  };
  auto y_of = [&](double v) { return kTop + plot_h - v / top * plot_h; };

  std::string out = absl::StrCat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"", kChartWidth,
      "\" height=\"", kChartHeight, "\" viewBox=\"0 0 ", kChartWidth, " ", kChartHeight,
      "\" role=\"img\" aria-label=\"webhooks in and pushes out per second, last hour\">"
      "<title>webhooks in and pushes out per second, last hour</title>");
  // Grid: three horizontal lines with their rate, a tick every 10 minutes.
  for (int i = 0; i <= 2; ++i) {
    const double v = top * i / 2;
    const double y = y_of(v);
    absl::StrAppend(
        &out, "<line x1=\"", kLeft, "\" x2=\"", kLeft + plot_w, "\" y1=\"",
        absl::StrFormat("%.1f", y), "\" y2=\"", absl::StrFormat("%.1f", y),
        "\" stroke=\"#dde1e6\"/><text x=\"", kLeft - 6, "\" y=\"", absl::StrFormat("%.1f", y + 4),
        "\" text-anchor=\"end\" font-size=\"11\" fill=\"#69717a\">", Num(v), "/s</text>");
  }
  for (int minutes = 60; minutes >= 0; minutes -= 10) {
    const double x = x_of(now_ms - int64_t{minutes} * 60'000);
    absl::StrAppend(&out, "<text x=\"", absl::StrFormat("%.1f", x), "\" y=\"", kChartHeight - 8,
                    "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#69717a\">",
                    minutes == 0 ? std::string("now") : absl::StrCat("-", minutes, " min"),
                    "</text>");
  }
  std::string legend = "<ul class=\"legend\">";
  for (size_t i = 0; i < shown.size(); ++i) {
    const RateSeries& s = *shown[i];
    const char* colour = kColours[i % (sizeof(kColours) / sizeof(kColours[0]))];
    std::string points;
    double latest = 0;
    double series_peak = 0;
    std::string last_point;
    for (const RatePoint& p : s.points) {
      if (p.at_ms < start_ms) continue;
      last_point = absl::StrCat("cx=\"", absl::StrFormat("%.1f", x_of(p.at_ms)), "\" cy=\"",
                                absl::StrFormat("%.1f", y_of(p.per_second)), "\"");
      absl::StrAppend(&points, points.empty() ? "" : " ", absl::StrFormat("%.1f", x_of(p.at_ms)),
                      ",", absl::StrFormat("%.1f", y_of(p.per_second)));
      latest = p.per_second;
      series_peak = std::max(series_peak, p.per_second);
    }
    if (!points.empty()) {
      absl::StrAppend(&out, "<polyline fill=\"none\" stroke=\"", colour,
                      "\" stroke-width=\"2\" points=\"", points, "\"><title>", HtmlEscape(s.name),
                      "</title></polyline>");
      // The newest sample as a dot: a line needs two samples, the first minute has one.
      absl::StrAppend(&out, "<circle ", last_point, " r=\"3\" fill=\"", colour, "\"/>");
    }
    absl::StrAppend(&legend, "<li data-series=\"", HtmlEscape(s.name),
                    "\"><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect width=\"12\" "
                    "height=\"12\" fill=\"",
                    colour, "\"/></svg> ", HtmlEscape(s.name), ": now <b class=\"rate\">",
                    Num(latest), "/s</b>, peak ", Num(series_peak), "/s</li>");
  }
  absl::StrAppend(&out, "</svg>", legend, "</ul>");
  if (shown.empty() || shown.front()->points.empty()) {
    absl::StrAppend(&out, "<p class=\"muted\">Collecting: a sample is taken every 10 seconds.</p>");
  }
  return out;
}

std::string RenderLiveSection(const StatusView& view) {
  std::string out = absl::StrCat(
      "<section class=\"rates\"><h2>Webhooks in and pushes out per second, by channel (last "
      "hour)</h2>",
      RenderRateChart(view.rates, view.now_ms), "<p class=\"muted\">as of <span class=\"asof\">",
      FormatUtc(view.now_ms), "</span></p></section>");
  for (const AppView& app : view.apps) AppendApp(out, app, view.now_ms);
  return out;
}

std::string RenderStatusPage(const StatusView& view, const std::vector<std::string>& app_ids,
                             std::string_view nonce) {
  std::string out;
  AppendHead(out, "pushgate status", nonce);
  absl::StrAppend(&out,
                  "<header><h1>pushgate status</h1><span id=\"refreshed\" "
                  "data-state=\"static\">as served</span></header><main><section>");
  AppendSearchForm(out, app_ids, app_ids.empty() ? "" : app_ids.front(), "");
  absl::StrAppend(&out, "</section><div id=\"live\">", RenderLiveSection(view),
                  "</div></main><script nonce=\"", HtmlEscape(nonce), "\">", kScript,
                  "</script></body></html>\n");
  return out;
}

std::string RenderUserPage(const UserSearchView& view, std::string_view nonce) {
  std::string out;
  AppendHead(out, "pushgate: did the user get it?", nonce);
  absl::StrAppend(&out,
                  "<header><h1>pushgate: did the user get it?</h1><a href=\"/\">status</a>"
                  "</header><main><section>");
  AppendSearchForm(out, view.app_ids, view.app_id, view.uid);
  absl::StrAppend(&out, "</section>");
  if (!view.error.empty()) {
    absl::StrAppend(&out, "<section><p class=\"error\">", HtmlEscape(view.error), "</p></section>");
  } else if (view.searched) {
    absl::StrAppend(&out,
                    "<section class=\"results\"><h2>Recent notifications of <span class=\"uid\">",
                    HtmlEscape(view.uid), "</span> in app ", HtmlEscape(view.app_id), "</h2>");
    if (view.notifications.empty()) {
      absl::StrAppend(&out, "<p class=\"muted\">No notification for this user.</p>");
    } else {
      absl::StrAppend(&out,
                      "<table><tr><th>notification / delivery</th><th>received / updated</th>"
                      "<th>state</th><th>did they get it?</th><th>attempts</th>"
                      "<th>last HTTP status</th><th>reason</th></tr>");
      for (const NotificationView& n : view.notifications) {
        const std::string verdict = Verdict(n);
        const char* verdict_class = verdict.rfind("yes", 0) == 0  ? "yes"
                                    : verdict.rfind("no", 0) == 0 ? "no"
                                                                  : "wait";
        absl::StrAppend(&out, "<tr class=\"notification\" data-id=\"", n.id, "\"><td>#", n.id, " ",
                        HtmlEscape(n.type), n.call_action.empty() ? "" : " ",
                        HtmlEscape(n.call_action),
                        n.sender.empty() ? "" : absl::StrCat(" from ", HtmlEscape(n.sender)),
                        "</td><td>", FormatUtc(n.received_at_ms), "</td><td>", HtmlEscape(n.state),
                        n.outcome.empty() ? "" : absl::StrCat(" (", HtmlEscape(n.outcome), ")"),
                        "</td><td class=\"verdict ", verdict_class, "\">", HtmlEscape(verdict),
                        "</td><td></td><td></td><td></td></tr>");
        for (const DeliveryView& d : n.deliveries) {
          absl::StrAppend(
              &out, "<tr class=\"delivery\"><td>", HtmlEscape(d.channel), " ", HtmlEscape(d.target),
              "</td><td>", FormatUtc(d.updated_at_ms), "</td><td class=\"state\">",
              HtmlEscape(d.state), "</td><td></td><td class=\"n\">", d.attempts,
              "</td><td class=\"n\">",
              d.last_http_status == 0 ? std::string("-") : absl::StrCat(d.last_http_status),
              "</td><td>", HtmlEscape(d.reason), "</td></tr>");
        }
      }
      absl::StrAppend(&out, "</table>");
    }
    absl::StrAppend(&out, "</section>");
  }
  absl::StrAppend(&out, "</main></body></html>\n");
  return out;
}

}  // namespace pushgate::admin
