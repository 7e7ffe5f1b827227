#!/usr/bin/python3
"""The README walkthrough against the real binary, grpcurl-style.

grpcurl is not packaged in Debian, so this does what it does: it asks the server for its
schema through server reflection (v1alpha, the only version gRPC 1.51 serves), builds message
classes from the descriptors it gets back, and calls every RPC of the walkthrough with the JSON
bodies parsed out of the markdown's code blocks, so the document and this test cannot drift.

Run with Debian's interpreter (it sees python3-grpcio and python3-protobuf):
    /usr/bin/python3 tests/integration/walkthrough_test.py --binary build/server/pushgate
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import base64

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

ARGS = None
GRPC_PROTO_DIR = "/usr/share/grpc-proto"


def generate_stubs(out_dir):
    """reflection and health stubs, generated from Debian's grpc-proto into a FLAT directory.

    With the grpc/... layout the generated package `grpc` would shadow grpcio's own module.
    """
    for rel in ("grpc/reflection/v1alpha/reflection.proto", "grpc/health/v1/health.proto"):
        shutil.copy(os.path.join(GRPC_PROTO_DIR, rel), out_dir)
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I" + out_dir, "--python_out=" + out_dir,
         "--grpc_python_out=" + out_dir, os.path.join(out_dir, "reflection.proto"),
         os.path.join(out_dir, "health.proto")],
        check=True)
    sys.path.insert(0, out_dir)


# ---- the walkthrough document ------------------------------------------------------------------

GRPCURL_INLINE = re.compile(
    r"grpcurl -plaintext -H \"authorization: Bearer \$KEY\" -d '(?P<body>\{.*?\})' "
    r"127\.0\.0\.1:50051 (?P<method>[\w.]+/\w+)")
GRPCURL_HEREDOC = re.compile(
    r"grpcurl -plaintext -H \"authorization: Bearer \$KEY\" -d @ 127\.0\.0\.1:50051 "
    r"(?P<method>[\w.]+/\w+) <<(?P<tag>\w+)\n(?P<body>.*?)\n(?P=tag)\n", re.S)
CURL_WEBHOOK = re.compile(
    r"curl -u \"(?P<user>\w+):\$WEBHOOK_PASSWORD\" -H '(?P<header>[^']+)' "
    r"--data @(?P<fixture>\S+) http://127\.0\.0\.1:8080(?P<path>/\S+)")


def shell_blocks(markdown):
    return re.findall(r"```sh\n(.*?)```", markdown, re.S)


def walkthrough_calls(markdown):
    """[(method, json body template)] in document order."""
    calls = []
    for block in shell_blocks(markdown):
        found = [(m.start(), m.group("method"), m.group("body"))
                 for m in GRPCURL_INLINE.finditer(block)]
        found += [(m.start(), m.group("method"), m.group("body"))
                  for m in GRPCURL_HEREDOC.finditer(block)]
        calls += [(method, body) for _, method, body in sorted(found)]
    return calls


# ---- the server --------------------------------------------------------------------------------

class Server:
    def __init__(self, binary, work_dir):
        self.data_dir = os.path.join(work_dir, "data")
        self.log = open(os.path.join(work_dir, "pushgate.log"), "wb")
        # No --config: the embedded demo defaults, exactly as tools/run.sh runs it, on free ports.
        self.proc = subprocess.Popen(
            [binary, "--data_dir", self.data_dir, "--http_address", "127.0.0.1:0",
             "--grpc_address", "127.0.0.1:0", "--admin_address", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 30
        self.http_port = self.grpc_port = None
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            m = re.search(r"pushgate listening http_port=(\d+) grpc_port=(\d+)", line)
            if m:
                self.http_port, self.grpc_port = int(m.group(1)), int(m.group(2))
                break
        if self.grpc_port is None:
            self.stop()
            raise RuntimeError("pushgate did not print its listening line")
        # Keep draining stdout so the banner never blocks the process on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        with open(os.path.join(self.data_dir, "demo-credentials.json")) as f:
            creds = json.load(f)
        self.api_key = creds["api_key"]
        self.webhook_password = creds["webhook_password"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ---- reflection --------------------------------------------------------------------------------

class Reflection:
    """What grpcurl does with `list` and `describe`, over grpc.reflection.v1alpha."""

    def __init__(self, channel):
        import reflection_pb2
        import reflection_pb2_grpc
        self.pb = reflection_pb2
        self.stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        self.files = {}  # name -> FileDescriptorProto
        self.pool = descriptor_pool.DescriptorPool()
        self.added = set()

    def _ask(self, **request):
        responses = list(self.stub.ServerReflectionInfo(
            iter([self.pb.ServerReflectionRequest(**request)]), timeout=10))
        assert len(responses) == 1, responses
        r = responses[0]
        if r.HasField("error_response"):
            raise LookupError("%s: %s" % (request, r.error_response.error_message))
        return r

    def list_services(self):
        r = self._ask(list_services="")
        return sorted(s.name for s in r.list_services_response.service)

    def _store(self, response):
        for raw in response.file_descriptor_response.file_descriptor_proto:
            fdp = descriptor_pb2.FileDescriptorProto.FromString(raw)
            self.files.setdefault(fdp.name, fdp)

    def _add(self, name):
        if name in self.added:
            return
        if name not in self.files:
            self._store(self._ask(file_by_filename=name))
        fdp = self.files[name]
        for dep in fdp.dependency:
            self._add(dep)
        self.pool.Add(fdp)
        self.added.add(name)

    def describe(self, symbol):
        """Fetches the file defining `symbol` (and its dependencies) into the pool."""
        r = self._ask(file_containing_symbol=symbol)
        self._store(r)
        first = descriptor_pb2.FileDescriptorProto.FromString(
            r.file_descriptor_response.file_descriptor_proto[0])
        self._add(first.name)
        return self.pool.FindServiceByName(symbol)

    def message_class(self, descriptor):
        return message_factory.MessageFactory(self.pool).GetPrototype(descriptor)


# ---- the test ----------------------------------------------------------------------------------

class WalkthroughTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="walkthrough.")
        stubs = os.path.join(cls.work, "stubs")
        os.mkdir(stubs)
        generate_stubs(stubs)
        with open(os.path.join(ARGS.source, "README.md")) as f:
            cls.markdown = f.read()
        cls.server = Server(ARGS.binary, cls.work)
        cls.channel = grpc.insecure_channel("127.0.0.1:%d" % cls.server.grpc_port)
        grpc.channel_ready_future(cls.channel).result(timeout=15)
        cls.reflection = Reflection(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    # -- helpers --

    def method(self, full_name):
        service_name, method_name = full_name.split("/")
        service = self.reflection.describe(service_name)
        m = service.methods_by_name[method_name]
        return (m, self.reflection.message_class(m.input_type),
                self.reflection.message_class(m.output_type))

    def call(self, full_name, body, metadata=None):
        m, req_cls, resp_cls = self.method(full_name)
        request = json_format.Parse(body, req_cls())
        metadata = metadata or [("authorization", "Bearer " + self.server.api_key)]
        path = "/" + full_name
        if m.server_streaming:
            raise AssertionError("use watch() for " + full_name)
        rpc = self.channel.unary_unary(path, request_serializer=req_cls.SerializeToString,
                                       response_deserializer=resp_cls.FromString)
        return json_format.MessageToDict(rpc(request, metadata=metadata, timeout=10),
                                         preserving_proto_field_name=True)

    def post_webhook(self, body):
        m = CURL_WEBHOOK.search(self.markdown)
        self.assertIsNotNone(m, "the walkthrough's curl line")
        auth = base64.b64encode(
            ("%s:%s" % (m.group("user"), self.server.webhook_password)).encode()).decode()
        name, value = m.group("header").split(": ", 1)
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.server.http_port, m.group("path")), data=body,
            headers={name: value, "Authorization": "Basic " + auth}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(resp.status, 200)
            return json.loads(resp.read())

    def fixture_bytes(self):
        m = CURL_WEBHOOK.search(self.markdown)
        with open(os.path.join(ARGS.source, m.group("fixture")), "rb") as f:
            return f.read()

    # -- the walkthrough, in order --

    def test_walkthrough(self):
        calls = walkthrough_calls(self.markdown)
        methods = [m for m, _ in calls]
        self.assertEqual(methods, [
            "pushgate.v1.TokenRegistry/RegisterToken",
            "pushgate.v1.TokenRegistry/ListTokens",
            "pushgate.v1.Deliveries/GetNotification",
            "pushgate.v1.Deliveries/ListNotifications",
            "pushgate.v1.Deliveries/GetStats",
            "pushgate.v1.Deliveries/WatchNotifications",
            "pushgate.v1.Deliveries/RetryNotification",
        ])
        body = dict(calls)

        # `grpcurl list` and `describe`: every pushgate service and message, and Health.
        services = self.reflection.list_services()
        for s in ("pushgate.v1.TokenRegistry", "pushgate.v1.Deliveries", "grpc.health.v1.Health",
                  "grpc.reflection.v1alpha.ServerReflection"):
            self.assertIn(s, services)
        for s in services:
            if s.startswith("pushgate.") or s == "grpc.health.v1.Health":
                service = self.reflection.describe(s)
                for m in service.methods:
                    self.reflection.message_class(m.input_type)
                    self.reflection.message_class(m.output_type)
        for name in self.reflection.added:
            fd = self.reflection.pool.FindFileByName(name)
            if fd.package == "pushgate.v1":
                for msg in fd.message_types_by_name.values():
                    self.reflection.message_class(msg)
        import health_pb2
        import health_pb2_grpc
        health = health_pb2_grpc.HealthStub(self.channel)
        for service in ("", "pushgate.v1.Deliveries", "pushgate.v1.TokenRegistry"):
            self.assertEqual(
                health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status,
                health_pb2.HealthCheckResponse.SERVING)

        # 2. Register a device, list it.
        reg = self.call("pushgate.v1.TokenRegistry/RegisterToken",
                        body["pushgate.v1.TokenRegistry/RegisterToken"])
        self.assertTrue(reg.get("created"))
        tokens = self.call("pushgate.v1.TokenRegistry/ListTokens",
                           body["pushgate.v1.TokenRegistry/ListTokens"])
        self.assertEqual(len(tokens["registrations"]), 1)

        # 3. The fixture through the webhook, as the curl line sends it.
        answer = self.post_webhook(self.fixture_bytes())
        nid = answer["id"]
        self.assertFalse(answer["duplicate"])

        # 4. Its status: delivered on the log channel (the engine may need a moment).
        get_body = body["pushgate.v1.Deliveries/GetNotification"].replace("$ID", nid)
        deadline = time.time() + 20
        while True:
            n = self.call("pushgate.v1.Deliveries/GetNotification", get_body)
            if n.get("state") == "NOTIFICATION_STATE_DONE" or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(n["state"], "NOTIFICATION_STATE_DONE")
        self.assertEqual(n["outcome"], "NOTIFICATION_OUTCOME_DELIVERED")
        self.assertEqual(len(n["deliveries"]), 1)
        self.assertEqual(n["deliveries"][0]["state"], "DELIVERY_STATE_DELIVERED")
        self.assertEqual(n["deliveries"][0]["channel"], "CHANNEL_LOG")
        self.assertEqual(len(n["deliveries"][0]["attempts"]), 1)

        listed = self.call("pushgate.v1.Deliveries/ListNotifications",
                           body["pushgate.v1.Deliveries/ListNotifications"])
        self.assertEqual([x["id"] for x in listed["notifications"]], [nid])

        stats = self.call("pushgate.v1.Deliveries/GetStats",
                          body["pushgate.v1.Deliveries/GetStats"])
        by_channel = {c["key"]: int(c.get("count", 0)) for c in stats["deliveries_by_channel"]}
        self.assertEqual(by_channel, {"log": 1})
        by_state = {c["key"]: int(c.get("count", 0)) for c in stats["notifications_by_state"]}
        self.assertEqual(by_state.get("done"), 1)

        # 5. Watch, then a second notification (another message id: not a duplicate).
        events = self.watch_while(body["pushgate.v1.Deliveries/WatchNotifications"],
                                  self.second_notification)
        states = [e.get("state") for e in events if "delivery" not in e]
        self.assertIn("NOTIFICATION_STATE_DONE", states)
        self.assertTrue(any("delivery" in e and e["delivery"]["channel"] == "CHANNEL_LOG"
                            for e in events))
        self.assertTrue(all(e["uid"] == "cometchat-uid-2" for e in events))

        redriven = self.call("pushgate.v1.Deliveries/RetryNotification",
                             body["pushgate.v1.Deliveries/RetryNotification"])
        self.assertEqual(redriven.get("redriven_count", 0), 0)  # nothing failed

        # The same calls without the key, or with a wrong one, are refused.
        with self.assertRaises(grpc.RpcError) as err:
            self.call("pushgate.v1.Deliveries/GetStats", body["pushgate.v1.Deliveries/GetStats"],
                      metadata=[("authorization", "Bearer wrong")])
        self.assertEqual(err.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def second_notification(self):
        doc = json.loads(self.fixture_bytes())
        doc["data"]["notificationDetails"]["message"]["id"] = "124"
        answer = self.post_webhook(json.dumps(doc).encode())
        return answer["id"]

    def watch_while(self, watch_body, action):
        m, req_cls, resp_cls = self.method("pushgate.v1.Deliveries/WatchNotifications")
        self.assertTrue(m.server_streaming)
        rpc = self.channel.unary_stream("/pushgate.v1.Deliveries/WatchNotifications",
                                        request_serializer=req_cls.SerializeToString,
                                        response_deserializer=resp_cls.FromString)
        stream = rpc(json_format.Parse(watch_body, req_cls()),
                     metadata=[("authorization", "Bearer " + self.server.api_key)], timeout=30)
        events = []
        nid_box = {}

        def later():
            time.sleep(0.5)  # the watch starts from "now": let the server register it first
            nid_box["id"] = action()

        t = threading.Thread(target=later)
        t.start()
        try:
            for e in stream:
                d = json_format.MessageToDict(e, preserving_proto_field_name=True)
                events.append(d)
                if (d.get("notification_id") == nid_box.get("id")
                        and d.get("state") == "NOTIFICATION_STATE_DONE" and "delivery" not in d):
                    break
        finally:
            stream.cancel()  # Ctrl-C: the server releases the stream
            t.join()
        return events


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--source", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ARGS, rest = parser.parse_known_args()
    ARGS.source = os.path.abspath(ARGS.source)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
