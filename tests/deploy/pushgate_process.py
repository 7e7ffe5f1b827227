"""Starts a pushgate binary on free ports for the deploy tests, and small HTTP helpers."""
import base64
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request


class Pushgate:
    """The binary with `args` (plus free ports), its stdout's listening line read."""

    def __init__(self, binary, work_dir, args, env=None):
        self.log_path = os.path.join(work_dir, "pushgate.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "--http_address", "127.0.0.1:0", "--grpc_address", "127.0.0.1:0"] + args,
            stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.http_port = self.grpc_port = None
        self.stdout_lines = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            self.stdout_lines.append(line)
            m = re.search(r"pushgate listening http_port=(\d+) grpc_port=(\d+)", line)
            if m:
                self.http_port, self.grpc_port = int(m.group(1)), int(m.group(2))
                break
        if self.http_port is None:
            self.stop()
            with open(self.log_path, errors="replace") as f:
                raise RuntimeError("pushgate did not print its listening line; log:\n" + f.read())
        # Keep draining stdout so a banner never blocks the process on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.http_port, path)

    def stop(self):
        """SIGTERM, then the exit code (-9 if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        self.log.close()
        return self.proc.returncode


def http(method, url, body=None, user=None, password=None, content_type="application/json"):
    """(status, body text) of one request; HTTP errors are answers, not exceptions."""
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("content-type", content_type)
    if user is not None:
        token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        req.add_header("authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
