"""`pushgate --version`, `pushgatectl --version` and `pushgate --check_config FILE` through the
real binaries: the version line names the release and the commit, a valid config is printed
with every secret value redacted (exit 0), an invalid one is refused with the reason (exit 1),
and no secret value ever reaches the output."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest

ARGS = None
VERSION_LINE = r"^%s \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$"
INLINE = "inline-secret-7f3a9"
FROM_ENV = "env-secret-c41d2"
FROM_FILE = "file-secret-9b8e1"


def run(argv, env=None):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)


class VersionTest(unittest.TestCase):
    def test_pushgate_prints_version_and_commit(self):
        r = run([ARGS.pushgate, "--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), VERSION_LINE % "pushgate")

    def test_pushgatectl_prints_version_and_commit(self):
        r = run([ARGS.pushgatectl, "--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), VERSION_LINE % "pushgatectl")

    def test_both_name_the_same_build(self):
        server = re.sub(r"^pushgate ", "", run([ARGS.pushgate, "--version"]).stdout.strip())
        ctl = re.sub(r"^pushgatectl ", "", run([ARGS.pushgatectl, "--version"]).stdout.strip())
        self.assertEqual(server, ctl)


class CheckConfigTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.secret_file = os.path.join(self.tmp.name, "hmac")
        with open(self.secret_file, "w") as f:
            f.write(FROM_FILE + "\n")
        self.env = dict(os.environ, PG_TEST_API_KEY=FROM_ENV)

    def tearDown(self):
        self.tmp.cleanup()

    def config(self, extra_app_keys=""):
        return """{
  // a comment, as config files may have
  "data_dir": "%s",
  "apps": [{
    "app_id": "app123",
    "webhook": {"basic_auth": [{"username": "cometchat", "password": {"value": "%s"}}],
                "hmac": {"header": "X-Sig", "secret": {"file": "%s"}}},
    "api_keys": [{"name": "backend", "key": {"env": "PG_TEST_API_KEY"}, "role": "register"}]
    %s
  }]
}""" % (os.path.join(self.tmp.name, "data"), INLINE, self.secret_file, extra_app_keys)

    def check(self, text, env=None):
        path = os.path.join(self.tmp.name, "pushgate.json")
        with open(path, "w") as f:
            f.write(text)
        return run([ARGS.pushgate, "--check_config", path], env=env or self.env)

    def assertNoSecret(self, r):
        for secret in (INLINE, FROM_ENV, FROM_FILE):
            self.assertNotIn(secret, r.stdout + r.stderr)

    def test_valid_config_is_printed_redacted(self):
        r = self.check(self.config())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("is valid", r.stdout)
        self.assertIn("<redacted>", r.stdout)
        self.assertIn('"PG_TEST_API_KEY"', r.stdout)  # where a secret lives is shown
        self.assertIn(self.secret_file, r.stdout)
        self.assertIn('"app123"', r.stdout)
        self.assertNoSecret(r)
        # Nothing was opened or created: a check does not start the server.
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "data")))

    def test_unknown_key_is_refused_by_name(self):
        r = self.check(self.config(', "fmc": {}'))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("fmc", r.stderr)
        self.assertNoSecret(r)

    def test_missing_env_secret_is_refused(self):
        env = dict(os.environ)
        env.pop("PG_TEST_API_KEY", None)
        r = self.check(self.config(), env=env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("PG_TEST_API_KEY", r.stderr)
        self.assertNoSecret(r)

    def test_missing_file_is_refused(self):
        r = run([ARGS.pushgate, "--check_config", os.path.join(self.tmp.name, "nope.json")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope.json", r.stderr)

    def test_packaged_example_config_is_valid_with_its_env(self):
        env = dict(os.environ, PUSHGATE_APP123_WEBHOOK_PASSWORD="pw-1a2b",
                   PUSHGATE_APP123_WEBHOOK_PASSWORD_NEXT="pw-3c4d", PUSHGATE_APP123_API_KEY="k-5e6f")
        r = run([ARGS.pushgate, "--check_config",
                 os.path.join(ARGS.source, "config/pushgate.example.json")], env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for secret in ("pw-1a2b", "pw-3c4d", "k-5e6f"):
            self.assertNotIn(secret, r.stdout + r.stderr)


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
