"""Every metric the Grafana dashboard and the Prometheus alert rules use exists, with the labels
they select and group by, in a running pushgate's /metrics.

The real binary runs on its demo defaults; a registration (pushgatectl) and a webhook make the
families that only show samples once something happened (registrations, requests, deliveries)
appear. Names come from the PromQL in deploy/grafana/pushgate.json and
deploy/prometheus/alerts.yml; `up` is Prometheus' own and the only other name allowed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

import yaml

from pushgate_process import Pushgate, http

ARGS = None
# Labels Prometheus attaches to every scraped sample, and the histogram bucket label.
TARGET_LABELS = {"job", "instance", "le"}
NAME = re.compile(r"\b(pushgate_[a-z0-9_]+)")


def dashboard_queries(path):
    with open(path) as f:
        dashboard = json.load(f)
    queries = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expr", "definition") and isinstance(value, str):
                    queries.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(dashboard)
    return queries


def alert_queries(path):
    with open(path) as f:
        rules = yaml.safe_load(f)
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def scrape(text):
    """{sample name: set of label names} from the Prometheus text format."""
    families = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
        if not m:
            continue
        labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
        families.setdefault(m.group(1), set()).update(labels)
    return families


def used_labels(query):
    """[(metric, label)] for labels in the query's selectors and in `by (...)` clauses (each
    clause is checked against the first metric after it)."""
    pairs = []
    for m in re.finditer(r"(pushgate_[a-z0-9_]+)\{([^}]*)\}", query):
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", m.group(2)):
            pairs.append((m.group(1), label))
    for m in re.finditer(r"\bby\s*\(([^)]*)\)", query):
        after = NAME.search(query, m.end())
        if after:
            for label in m.group(1).split(","):
                pairs.append((after.group(1), label.strip()))
    return pairs


class MetricNamesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        data_dir = os.path.join(cls.tmp.name, "data")
        cls.server = Pushgate(ARGS.pushgate, cls.tmp.name, ["--data_dir", data_dir])
        with open(os.path.join(data_dir, "demo-credentials.json")) as f:
            creds = json.load(f)
        # A registration for the fixture's recipient, then a notification to it.
        register = subprocess.run(
            [ARGS.pushgatectl, "register", "--address", "127.0.0.1:%d" % cls.server.grpc_port,
             "--api_key", creds["api_key"], "--app", "app123", "--uid", "cometchat-uid-2",
             "--session", "s1", "--platform", "fcm", "--token", "fcm:metric-names-test"],
            capture_output=True, text=True, timeout=30)
        assert register.returncode == 0, register.stdout + register.stderr
        with open(os.path.join(ARGS.source, "tests/fixtures/cometchat/chat.json"), "rb") as f:
            status, body = http("POST", cls.server.url("/webhook"), f.read(), "cometchat",
                                creds["webhook_password"])
        assert status == 200, (status, body)
        # The engine plans the notification's deliveries shortly after the commit.
        deadline = time.time() + 15
        while True:
            status, text = http("GET", cls.server.url("/metrics"))
            cls.families = scrape(text) if status == 200 else {}
            if "pushgate_deliveries" in cls.families or time.time() > deadline:
                break
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def check(self, queries, where):
        self.assertGreater(len(queries), 5, "no queries found in " + where)
        names = set()
        for query in queries:
            names.update(NAME.findall(query))
            # Only pushgate's metrics and Prometheus' `up`.
            others = set(re.findall(r"\b([a-z_]+)\{", query)) - set(NAME.findall(query))
            self.assertLessEqual(others, {"up"}, "%s: %s" % (where, query))
            for metric, label in used_labels(query):
                if label in TARGET_LABELS:
                    continue
                self.assertIn(metric, self.families, "%s: %s" % (where, query))
                self.assertIn(label, self.families[metric],
                              "%s: label %s of %s is not in /metrics" % (where, label, metric))
        missing = sorted(n for n in names if n not in self.families)
        self.assertEqual(missing, [], "%s uses metrics a running pushgate does not export" % where)
        return names

    def test_dashboard_metrics_exist(self):
        names = self.check(
            dashboard_queries(os.path.join(ARGS.source, "deploy/grafana/pushgate.json")),
            "deploy/grafana/pushgate.json")
        # The panels: ingest, queue, pushes, provider latency, registrations, credentials.
        for needed in ("pushgate_webhook_ingest_seconds_bucket",
                       "pushgate_queue_oldest_waiting_seconds", "pushgate_pushes_total",
                       "pushgate_provider_request_seconds_bucket", "pushgate_registrations",
                       "pushgate_provider_config_errors_total"):
            self.assertIn(needed, names)

    def test_alert_metrics_exist(self):
        names = self.check(
            alert_queries(os.path.join(ARGS.source, "deploy/prometheus/alerts.yml")),
            "deploy/prometheus/alerts.yml")
        for needed in ("pushgate_ready", "pushgate_queue_oldest_waiting_seconds",
                       "pushgate_http_requests_total", "pushgate_pushes_total",
                       "pushgate_provider_config_errors_total"):
            self.assertIn(needed, names)

    def test_a_misspelt_metric_would_be_caught(self):
        # The checks above compare against what was scraped, not against themselves.
        self.assertNotIn("pushgate_pushes_totals", self.families)
        self.assertIn("pushgate_pushes_total", self.families)
        self.assertIn("outcome", self.families["pushgate_pushes_total"])


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushgate", required=True)
    parser.add_argument("--pushgatectl", required=True)
    parser.add_argument("--source", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
