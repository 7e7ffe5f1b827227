"""The alert rules load (`promtool check rules`) and behave as their unit tests say
(`promtool test rules deploy/prometheus/alerts_test.yml`). promtool comes with Debian's
`prometheus` package; without it the test fails and says so."""
import argparse
import os
import shutil
import subprocess
import sys
import unittest

ARGS = None


class PromtoolTest(unittest.TestCase):
    def setUp(self):
        self.promtool = shutil.which("promtool")
        self.assertIsNotNone(self.promtool, "promtool missing: run tools/setup.sh as root "
                             "(or apt-get install prometheus)")
        self.dir = os.path.join(ARGS.source, "deploy/prometheus")

    def run_promtool(self, *args):
        return subprocess.run([self.promtool, *args], cwd=self.dir, capture_output=True,
                              text=True, timeout=120)

    def test_rules_are_valid(self):
        r = self.run_promtool("check", "rules", "alerts.yml")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS", r.stdout)

    def test_alert_unit_tests_pass(self):
        r = self.run_promtool("test", "rules", "alerts_test.yml")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_every_alert_has_a_unit_test(self):
        import yaml
        with open(os.path.join(self.dir, "alerts.yml")) as f:
            alerts = {r["alert"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]}
        with open(os.path.join(self.dir, "alerts_test.yml")) as f:
            tested = {t["alertname"] for case in yaml.safe_load(f)["tests"]
                      for t in case.get("alert_rule_test", []) if t.get("exp_alerts")}
        self.assertEqual(sorted(alerts - tested), [], "alerts never seen firing in a unit test")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
