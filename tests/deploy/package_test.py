"""tools/package.sh builds pushgate_<version>_amd64.deb from the built binaries; lintian finds
no error in it; its files, unit and maintainer scripts are what the package promises; and the
binary unpacked from it (dpkg-deb -x) starts on the packaged example config, moved to a
temporary data dir and free ports, and answers /healthz and /readyz. lintian and dpkg-deb are
Debian's (lintian, dpkg-dev); without them the test fails and says what to install."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from pushgate_process import Pushgate, http

ARGS = None


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool, package in (("lintian", "lintian"), ("dpkg-deb", "dpkg"),
                              ("dpkg-shlibdeps", "dpkg-dev")):
            if shutil.which(tool) is None:
                raise AssertionError("%s missing: run tools/setup.sh as root (or apt-get install "
                                     "%s)" % (tool, package))
        cls.tmp = tempfile.TemporaryDirectory()
        env = dict(os.environ, PUSHGATE_BUILD_DIR=ARGS.build_dir)
        r = subprocess.run([os.path.join(ARGS.source, "tools/package.sh"), "--no-build", "--out",
                            cls.tmp.name], capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, "package.sh failed:\n" + r.stdout + r.stderr
        cls.deb = r.stdout.strip().splitlines()[-1]
        cls.root = os.path.join(cls.tmp.name, "root")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        cls.control = os.path.join(cls.tmp.name, "control")
        subprocess.run(["dpkg-deb", "-e", cls.deb, cls.control], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def read(self, *parts):
        with open(os.path.join(*parts)) as f:
            return f.read()

    def test_name_and_version(self):
        version = re.search(r"project\(pushgate VERSION ([0-9.]+)",
                            self.read(ARGS.source, "CMakeLists.txt")).group(1)
        self.assertEqual(os.path.basename(self.deb), "pushgate_%s_amd64.deb" % version)
        fields = subprocess.run(["dpkg-deb", "-f", self.deb, "Package", "Version", "Architecture"],
                                capture_output=True, text=True, check=True).stdout
        self.assertIn("Version: %s" % version, fields)
        self.assertIn("Architecture: amd64", fields)

    def test_lintian_finds_no_error(self):
        r = subprocess.run(["lintian", "--fail-on", "error", self.deb], capture_output=True,
                           text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotRegex(r.stdout, r"(?m)^E: ")

    def test_files(self):
        for path in ("usr/bin/pushgate", "usr/bin/pushgatectl", "etc/pushgate/pushgate.json",
                     "lib/systemd/system/pushgate.service", "usr/share/doc/pushgate/copyright",
                     "usr/share/doc/pushgate/changelog.gz"):
            self.assertTrue(os.path.isfile(os.path.join(self.root, path)), path)
        self.assertEqual(self.read(self.control, "conffiles").split(),
                         ["/etc/pushgate/pushgate.json"])
        self.assertEqual(self.read(self.root, "etc/pushgate/pushgate.json"),
                         self.read(ARGS.source, "config/pushgate.example.json"))

    def test_unit_is_hardened_and_reloads_on_sighup(self):
        unit = self.read(self.root, "lib/systemd/system/pushgate.service")
        for line in ("User=pushgate", "StateDirectory=pushgate", "ProtectSystem=strict",
                     "NoNewPrivileges=true", "ExecReload=/bin/kill -HUP $MAINPID",
                     "ExecStart=/usr/bin/pushgate --config /etc/pushgate/pushgate.json"):
            self.assertRegex(unit, r"(?m)^" + re.escape(line), line)

    def test_postinst_creates_the_system_user(self):
        postinst = self.read(self.control, "postinst")
        self.assertRegex(postinst, r"adduser --system --group .*pushgate")
        depends = subprocess.run(["dpkg-deb", "-f", self.deb, "Depends"], capture_output=True,
                                 text=True, check=True).stdout
        self.assertIn("adduser", depends)
        self.assertIn("libc6", depends)

    def test_both_binaries_print_their_version(self):
        for name in ("pushgate", "pushgatectl"):
            r = subprocess.run([os.path.join(self.root, "usr/bin", name), "--version"],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"^%s \d+\.\d+\.\d+ \(commit " % name)

    def test_unpacked_binary_starts_on_the_packaged_config(self):
        work = os.path.join(self.tmp.name, "run")
        os.makedirs(work)
        # The packaged config's secrets are environment variables (the unit's EnvironmentFile).
        env = dict(os.environ, PUSHGATE_APP123_WEBHOOK_PASSWORD="pw-1a2b",
                   PUSHGATE_APP123_WEBHOOK_PASSWORD_NEXT="pw-3c4d",
                   PUSHGATE_APP123_API_KEY="k-5e6f")
        config = os.path.join(self.root, "etc/pushgate/pushgate.json")
        check = subprocess.run([os.path.join(self.root, "usr/bin/pushgate"), "--check_config",
                                config], capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        server = Pushgate(os.path.join(self.root, "usr/bin/pushgate"), work,
                          ["--config", config, "--data_dir", os.path.join(work, "data")], env=env)
        try:
            self.assertEqual(http("GET", server.url("/healthz")), (200, '{"status":"ok"}'))
            status, body = http("GET", server.url("/readyz"))
            self.assertEqual(status, 200, body)
            status, _ = http("POST", server.url("/webhook"), b"{}", "cometchat", "wrong")
            self.assertEqual(status, 401)
        finally:
            self.assertEqual(server.stop(), 0)
        self.assertTrue(os.path.isfile(os.path.join(work, "data", "pushgate.db")))


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--build_dir", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
