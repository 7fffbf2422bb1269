"""petrel-queue: list (plain and JSON, offline and running, corrupt files),
the admin requests (against a fake qmgr speaking the attr wire format,
and against the real qmgr once it has private/qmgr-admin), refusal of
hostile IDs before anything is sent, the mail system not running,
permission for users other than root and the mail owner, and the flush
requests of "petrel flush" and "sendmail -q"."""

import json
import os
import pwd
import re
import smtplib
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import (IS_ROOT, SandboxTestCase, prog, run,  # noqa: E402
                         wait_for)

ID_RE = re.compile(r"^[0-9A-Za-z]{11,21}$")
NOT_RUNNING = "petrel-queue: the mail system is not running (petrel start)"


def attr_encode(pairs):
    """An attribute list (lib/attr.h WIRE FORMAT)."""
    out = b""
    for name, value in pairs:
        name = name.encode()
        if isinstance(value, int):
            value = str(value)
        if isinstance(value, str):
            value = value.encode()
        out += bytes([len(name)]) + name + struct.pack(">I", len(value))
        out += value
    return out + b"\0"


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("truncated attribute list")
        data += chunk
    return data


def attr_read(conn):
    """One attribute list from a socket, as a list of (name, bytes)."""
    pairs = []
    while True:
        n = recv_exact(conn, 1)[0]
        if n == 0:
            return pairs
        name = recv_exact(conn, n).decode()
        (vlen,) = struct.unpack(">I", recv_exact(conn, 4))
        pairs.append((name, recv_exact(conn, vlen)))


class FakeQmgr:
    """A unix socket at private/qmgr-admin that records each request
    and answers with reply(request) -> bytes (an encoded list)."""

    def __init__(self, queue_dir, reply):
        self.path = os.path.join(queue_dir, "private", "qmgr-admin")
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.reply = reply
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.done = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.done:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                try:
                    req = attr_read(conn)
                except (EOFError, OSError):
                    self.requests.append(None)
                    continue
                self.requests.append(req)
                conn.sendall(self.reply(dict(req)))

    def close(self):
        self.done = True
        self.thread.join(5)
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def ok_reply(req):
    what = req["request"].decode()
    if req.get("id") == b"0000000001Z":
        return attr_encode([("status", 1), ("count", 0),
                            ("text", "no such message")])
    if req.get("id") == b"0000000002Z":
        return attr_encode([("status", 2), ("count", 0),
                            ("text", "cannot move it")])
    return attr_encode([("status", 0), ("count", 1),
                        ("text", "1 message %s" % what)])


def as_nobody():
    nobody = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


class PetrelQueueTest(SandboxTestCase):

    def setUp(self):
        super().setUp()
        self.queue_dir = os.path.join(self.sb.dir, "queue")
        self.fake = None

    def tearDown(self):
        if self.fake is not None:
            self.fake.close()

    def pq(self, *args, nobody=False):
        return run([prog("petrel-queue"), "-c", self.sb.etc] + list(args),
                   preexec_fn=as_nobody if nobody else None, cwd="/")

    def list_json(self):
        r = self.pq("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def no_virtual(self):
        """Mail for the demo user cannot be delivered: a real qmgr
        defers it, the stub leaves it in incoming/."""
        path = os.path.join(self.sb.etc, "master.cf")
        with open(path) as f:
            lines = [ln for ln in f if not ln.startswith("virtual ")]
        with open(path, "w") as f:
            f.writelines(lines)

    def submit(self, sender, rcpts, body=b"Subject: hi\r\n\r\nhello\r\n"):
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=30) as s:
            s.sendmail(sender, rcpts, body)

    def admin_socket(self):
        return os.path.join(self.queue_dir, "private", "qmgr-admin")

    def real_admin(self):
        """Has the running qmgr an admin socket?  Give it a moment."""
        try:
            wait_for(lambda: os.path.exists(self.admin_socket()), 5)
            return True
        except AssertionError:
            return False

    # -- listing ----------------------------------------------------------

    def test_list_empty_queue(self):
        r = self.pq("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "Mail queue is empty\n")
        self.assertEqual(self.list_json(), {"messages": [], "errors": []})
        self.sb.start()
        r = self.pq("list")
        self.assertEqual((r.returncode, r.stdout),
                         (0, "Mail queue is empty\n"), r.stderr)

    def test_list_messages(self):
        self.no_virtual()
        self.sb.start()
        self.submit("alice@example.org", ["demo@example.test"])
        self.submit("", ["demo@example.test"],
                    b"Subject: bounce\r\n\r\n" + b"x" * 3000 + b"\r\n")
        doc = wait_for(lambda: (lambda d: d if len(d["messages"]) == 2
                                else None)(self.list_json()), 15,
                       what="two messages listed")
        now = time.time()
        msgs = doc["messages"]
        self.assertEqual(doc["errors"], [])
        for m in msgs:
            self.assertEqual(set(m), {"id", "queue", "arrival", "size",
                                      "sender", "recipients"})
            self.assertRegex(m["id"], ID_RE)
            self.assertIn(m["queue"], ("incoming", "active", "deferred"))
            self.assertLess(abs(m["arrival"] - now), 300)
            self.assertEqual(len(m["recipients"]), 1)
            rc = m["recipients"][0]
            self.assertEqual(rc["address"], "demo@example.test")
            self.assertIn(rc["status"], ("pending", "deferred"))
        senders = sorted(m["sender"] for m in msgs)
        self.assertEqual(senders, ["", "alice@example.org"])
        big = [m for m in msgs if m["sender"] == ""][0]
        self.assertGreater(big["size"], 3000)
        if self.real_admin():
            # A real qmgr defers them and says why.
            def deferred():
                d = self.list_json()["messages"]
                return len(d) == 2 and all(
                    m["queue"] == "deferred"
                    and m["recipients"][0]["reason"] for m in d) and d
            msgs = wait_for(deferred, 20, what="deferred with a reason")
            self.assertIn("virtual", msgs[0]["recipients"][0]["reason"])
        r = self.pq("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertTrue(out.startswith("-Queue ID-"), out)
        for m in msgs:
            self.assertRegex(out, r"(?m)^%s[*!]? +%d " % (m["id"],
                                                           m["size"]))
        self.assertIn("MAILER-DAEMON", out)
        self.assertIn("alice@example.org", out)
        self.assertRegex(out, r"(?m)^ {53}demo@example\.test$")
        self.assertTrue(out.endswith("-- 4 Kbytes in 2 Requests.\n"), out)
        if msgs[0]["recipients"][0].get("reason"):
            self.assertIn("\n(%s)\n" % msgs[0]["recipients"][0]["reason"],
                          out)
        # The same listing with the mail system stopped.
        self.sb.stop()
        offline = self.list_json()["messages"]
        self.assertEqual(sorted(m["id"] for m in offline),
                         sorted(m["id"] for m in msgs))
        # sendmail -bp / mailq go through the same code.
        r = run([prog("sendmail"), "-C", self.sb.etc, "-bp"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith("in 2 Requests.\n"), r.stdout)
        for m in msgs:
            self.assertIn(m["id"], r.stdout)

    def test_corrupt_file_in_listing(self):
        self.sb.start()
        self.sb.stop()          # the queue directories now exist
        incoming = os.path.join(self.queue_dir, "incoming")
        bad = "0000000001A"
        with open(os.path.join(incoming, bad), "wb") as f:
            f.write(b"V\0\0\0\4\0\0\0\1garbage\xff\n")
        hold = os.path.join(self.queue_dir, "hold")
        os.symlink("/etc/passwd", os.path.join(hold, "0000000002B"))
        r = self.pq("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        by_id = {m["id"]: m for m in doc["messages"]}
        self.assertEqual(set(by_id), {bad, "0000000002B"})
        self.assertEqual(by_id[bad]["queue"], "incoming")
        self.assertTrue(by_id[bad]["error"])
        self.assertEqual(by_id["0000000002B"]["queue"], "hold")
        self.assertIn("error", by_id["0000000002B"])
        r = self.pq("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("%s  " % bad, r.stdout)
        self.assertIn("0000000002B!", r.stdout)
        self.assertIn("(cannot read the queue file: ", r.stdout)
        self.assertNotIn("root:", r.stdout)
        self.assertIn("in 2 Requests.", r.stdout)

    # -- requests, against a fake qmgr ------------------------------------

    def test_requests_to_fake_qmgr(self):
        self.fake = FakeQmgr(self.queue_dir, ok_reply)
        good = "08DuwrLbVdktUA"
        r = self.pq("hold", good)
        self.assertEqual((r.returncode, r.stdout), (0, "1 message hold\n"),
                         r.stderr)
        self.assertEqual(self.fake.requests[-1],
                         [("request", b"hold"), ("id", good.encode())])
        for verb in ("delete", "release", "requeue"):
            r = self.pq(verb, "ALL")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.fake.requests[-1],
                             [("request", verb.encode()), ("id", b"ALL")])
        r = self.pq("flush")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.fake.requests[-1], [("request", b"flush")])
        r = self.pq("flush", "Example.NET")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.fake.requests[-1],
                         [("request", b"flush"), ("site", b"example.net")])
        # Nothing matched: 1; refused: 2; one request per ID, worst wins.
        r = self.pq("delete", "0000000001Z")
        self.assertEqual((r.returncode, r.stdout), (1, "no such message\n"))
        n = len(self.fake.requests)
        r = self.pq("hold", good, "0000000002Z", "0000000001Z")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(len(self.fake.requests), n + 3)
        self.assertIn("cannot move it", r.stdout)

    def test_malformed_replies(self):
        replies = iter([
            attr_encode([("status", 0), ("bogus", "x")]),
            attr_encode([("status", 9), ("count", 0), ("text", "")]),
            b"\x06status\0\0\0\x01",       # truncated
            attr_encode([("status", 0), ("count", 1),
                         ("text", "1 held\x1b[2J")]),
        ])
        self.fake = FakeQmgr(self.queue_dir, lambda req: next(replies))
        for _ in range(3):
            r = self.pq("hold", "ALL")
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertIn("hold request to the queue manager", r.stderr)
        r = self.pq("hold", "ALL")
        self.assertEqual((r.returncode, r.stdout), (0, "1 held?[2J\n"))

    def test_hostile_arguments_refused_before_sending(self):
        self.fake = FakeQmgr(self.queue_dir, ok_reply)
        hostile = ["../../etc/passwd", "", "A" * 500, "all", "ALL\n",
                   "0123456789a/", "-x", "0123456789a b"]
        for bad in hostile:
            for verb in ("delete", "hold", "release", "requeue"):
                r = self.pq(verb, bad)
                self.assertEqual(r.returncode, 2, (verb, bad, r.stdout))
                self.assertIn("bad queue ID", r.stderr)
                self.assertLess(len(r.stderr), 200)
        # A good ID first does not get sent either.
        r = self.pq("delete", "08DuwrLbVdktUA", "../x")
        self.assertEqual(r.returncode, 2)
        r = self.pq("delete", "ALL", "08DuwrLbVdktUA")
        self.assertEqual(r.returncode, 2)
        for site in ("a b", "x/y", "\x1b[2J", "-x", "a" * 300):
            r = self.pq("flush", site)
            self.assertEqual(r.returncode, 2, site)
            self.assertNotIn("\x1b", r.stderr)
        r = self.pq("hold")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)
        self.assertEqual(self.fake.requests, [])

    def test_not_running(self):
        for args in (["flush"], ["hold", "ALL"], ["delete", "0000000001Z"]):
            r = self.pq(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(r.stderr.strip(), NOT_RUNNING)
        self.sb.start()
        self.sb.stop()          # a stale socket may be left behind
        r = self.pq("flush")
        self.assertEqual((r.returncode, r.stderr.strip()), (2, NOT_RUNNING))
        r = self.pq("list")
        self.assertEqual(r.returncode, 0, r.stderr)

    @unittest.skipUnless(IS_ROOT, "needs root to switch users")
    def test_permission_denied(self):
        self.fake = FakeQmgr(self.queue_dir, ok_reply)
        for args, what in ((["list"], "list the queue"),
                           (["list", "--json"], "list the queue"),
                           (["flush"], "flush the queue"),
                           (["hold", "ALL"], "change the queue"),
                           (["delete", "ALL"], "delete messages")):
            r = self.pq(*args, nobody=True)
            self.assertEqual(r.returncode, 77, (args, r.stderr))
            self.assertEqual(r.stderr.strip(),
                             "petrel-queue: permission denied: only root "
                             "and the mail owner (petrel) can " + what)
            self.assertEqual(r.stdout, "")
        # The same through setpriv, as an administrator would meet it.
        r = run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                 "--clear-groups", prog("petrel-queue"), "-c", self.sb.etc,
                 "list"], cwd="/")
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertEqual(self.fake.requests, [])

    def test_petrel_flush_and_sendmail_q(self):
        self.fake = FakeQmgr(self.queue_dir, ok_reply)
        r = self.sb.petrel("flush")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 message flush", r.stderr)
        self.assertEqual(self.fake.requests, [[("request", b"flush")]])
        r = run([prog("sendmail"), "-C", self.sb.etc, "-q"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.fake.requests), 2)
        self.assertEqual(self.fake.requests[1], [("request", b"flush")])
        self.fake.close()
        self.fake = None
        # Nothing running: petrel says so.
        r = self.sb.petrel("flush")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not running", r.stderr)

    # -- the real qmgr ----------------------------------------------------

    def test_real_qmgr(self):
        self.no_virtual()
        self.sb.start()
        if not self.real_admin():
            self.skipTest("qmgr has no admin socket yet")
        self.submit("alice@example.org", ["demo@example.test"])
        self.submit("bob@example.org", ["demo@example.test"])
        msgs = wait_for(lambda: (lambda d: d if len(d) == 2 and all(
            m["queue"] == "deferred" for m in d) else None)(
                self.list_json()["messages"]), 20, what="two deferred")
        a, b = (m["id"] for m in msgs)
        r = self.pq("hold", a)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        queues = {m["id"]: m["queue"] for m in self.list_json()["messages"]}
        self.assertEqual(queues, {a: "hold", b: "deferred"})
        self.assertRegex(self.pq("list").stdout, r"(?m)^%s!" % a)
        r = self.pq("hold", a)              # no longer deferred
        self.assertEqual(r.returncode, 1, r.stdout)
        r = self.pq("release", a)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        r = self.pq("requeue", "ALL")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        r = self.pq("flush")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        r = self.sb.petrel("flush")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run([prog("sendmail"), "-C", self.sb.etc, "-q"])
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.sb.log().count("admin flush") >= 3, 10,
                 what="three flush requests in the log")
        r = self.pq("delete", a)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.sb.wait_log(r"%s: removed \(deleted by the administrator\)"
                         % a)
        r = self.pq("delete", a)
        self.assertEqual(r.returncode, 1, r.stdout)
        wait_for(lambda: [m["id"] for m in self.list_json()["messages"]]
                 == [b], 10, what="only %s left" % b)
        r = self.pq("delete", "ALL")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        wait_for(lambda: self.list_json()["messages"] == [], 10,
                 what="an empty queue")


if __name__ == "__main__":
    unittest.main()
