"""cleanup(8) and qmgr(8) in a running sandbox, driven over the cleanup
protocol itself (lib/cleanup_proto.h) by a Python client that speaks the
attribute protocol of lib/attr.h on queue/private/cleanup.

Covered: a message through begin/rcpt/data/end and the queue file that
results (envelope, attributes, LF line ends, Message-ID and Date added,
existing ones kept); local submissions (unqualified addresses, From and
To added); the hold flag; abort; a client that disconnects in the middle
of the content or sends garbage (nothing left in incoming/, no temporary
file, and the next message still works); protocol violations; the limits
(message_size_limit 552 5.3.4, header_size_limit 552 5.6.0,
hopcount_limit 554 5.4.6); SIGKILL of cleanup in the middle of the
content (no reply, and qmgr removes the temporary file); qmgr's log line
(once per message), its deferral through transport_maps, held mail left
alone, and its handling of a corrupt queue file; as root, the uid of
cleanup, pickup and qmgr.

CleanupTest runs without qmgr (Sandbox(delivery=False)), so the queue
files cleanup wrote stay in incoming/ or hold/ to be looked at.  QmgrTest
runs the real qmgr with transport_maps = HOLD_ROUTE: every recipient is
deferred by qmgr itself ("retry:"), so nothing ever leaves the machine
and the message stays queued (deferred/) where its file can be checked.

Run from the repository root:

    PETREL_BUILD=build python3 -m unittest tests/integration/test_cleanup.py -v
"""

import os
import re
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import (IS_ROOT, SandboxTestCase, children_of,  # noqa: E402
                         proc_status, prog, run, wait_for)

QUEUE_ID = re.compile(r"^[0-9A-Za-z]{11,21}$")
HOST = "mail.example.test"          # the sandbox's myhostname


def attr_encode(pairs):
    """An attribute list: name length, name, 4-byte length, value, 0x00."""
    out = b""
    for name, value in pairs:
        if not isinstance(value, bytes):
            value = str(value).encode()
        out += bytes([len(name)]) + name.encode()
        out += struct.pack(">I", len(value)) + value
    return out + b"\0"


class CleanupConn:
    """One connection to cleanup: one message."""

    def __init__(self, sandbox):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(os.path.join(sandbox.dir, "queue", "private",
                                       "cleanup"))
        self.rbuf = b""
        self.sent = 0

    def send(self, pairs):
        self.sock.sendall(attr_encode(pairs))

    def _need(self, n):
        while len(self.rbuf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("cleanup closed the connection")
            self.rbuf += chunk

    def read(self):
        """One reply list as a dict of str."""
        out = {}
        while True:
            self._need(1)
            nlen = self.rbuf[0]
            self.rbuf = self.rbuf[1:]
            if nlen == 0:
                return out
            self._need(nlen + 4)
            name = self.rbuf[:nlen].decode()
            vlen = struct.unpack(">I", self.rbuf[nlen:nlen + 4])[0]
            self.rbuf = self.rbuf[nlen + 4:]
            self._need(vlen)
            out[name] = self.rbuf[:vlen].decode()
            self.rbuf = self.rbuf[vlen:]

    def begin(self, sender="alice@example.org", flags=0, **attrs):
        pairs = [("request", "begin"), ("flags", flags), ("sender", sender)]
        pairs += sorted(attrs.items())
        self.send(pairs)
        return self.read()

    def rcpt(self, address, **attrs):
        self.send([("request", "rcpt"), ("address", address)]
                  + sorted(attrs.items()))

    def data(self, data):
        for i in range(0, len(data), 65536):
            piece = data[i:i + 65536]
            self.send([("request", "data"), ("data", piece)])
            self.sent += len(piece)

    def end(self):
        self.send([("request", "end"), ("size", self.sent)])
        return self.read()

    def abort(self):
        self.send([("request", "abort")])

    def close(self):
        self.sock.close()

    def closed_by_peer(self):
        """True when cleanup closed without sending anything."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True


# A transport map that keeps mail in the queue: qmgr defers every
# recipient itself, without any delivery agent, so that nothing is ever
# sent anywhere (bob@example.net would otherwise go to smtp).
HOLD_TEXT = "held for the test"
HOLD_ROUTE = "static:{retry:4.3.0 %s}" % HOLD_TEXT

# Where a queue file can be: deferred/ is hashed (deferred/XX/ID).
QUEUES = ("incoming", "active", "deferred", "hold")


class QueueMixin:
    """Helpers on a started sandbox (self.sb)."""

    def queue(self, name):
        path = os.path.join(self.sb.dir, "queue", name)
        return sorted(os.listdir(path))

    def where(self, queue_id):
        """The path of queue_id's file in incoming/, active/,
        deferred/XX/ or hold/, or None.  Looked for in the order qmgr
        moves files, so one pass finds a file that moves meanwhile;
        queued() waits for the rarer moves back (a retry, a release)."""
        base = os.path.join(self.sb.dir, "queue")
        for q in QUEUES:
            dirs = [os.path.join(base, q)]
            if q == "deferred":
                try:
                    dirs = [os.path.join(dirs[0], h)
                            for h in sorted(os.listdir(dirs[0]))]
                except FileNotFoundError:
                    dirs = []
            for d in dirs:
                path = os.path.join(d, queue_id)
                if os.path.isfile(path):
                    return path
        return None

    def queued(self, queue_id):
        """Assert that queue_id is in one of QUEUES; its path."""
        return wait_for(lambda: self.where(queue_id), 10,
                        what="%s in a queue directory" % queue_id)

    def cat(self, queue_id, *flags):
        r = run([prog("petrel-cat"), "-c", self.sb.etc] + list(flags)
                + [queue_id])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def message(self, queue_id):
        out = self.cat(queue_id)
        return out.split("*** MESSAGE ***\n", 1)[1].rsplit(
            "*** END ***", 1)[0]

    def wait_no_file(self, name, queue_id):
        wait_for(lambda: queue_id not in self.queue(name), 10,
                 what="%s gone from %s/" % (queue_id, name))

    def no_temp_files(self, name="incoming"):
        wait_for(lambda: not [f for f in self.queue(name)
                              if f.startswith("t.")], 10,
                 what="no temporary files in %s/" % name)

    def start_held(self, **params):
        """Start with the real qmgr and transport_maps = HOLD_ROUTE
        (unless given); wait until qmgr takes requests."""
        params.setdefault("transport_maps", HOLD_ROUTE)
        self.set_params(**params)
        self.sb.start()
        # qmgr creates its admin socket once it has set up the queue.
        wait_for(lambda: os.path.exists(os.path.join(
            self.sb.dir, "queue", "private", "qmgr-admin")), 15,
            what="private/qmgr-admin")
        self.addCleanup(self.nothing_left_the_machine)

    def nothing_left_the_machine(self):
        """No delivery agent ever ran: every route was HOLD_ROUTE."""
        log = self.sb.log()
        self.assertIsNone(re.search(r"(smtp|lmtp|local|virtual)\[\d+\]",
                                    log))
        self.assertNotIn("status=sent", log)

    def held(self, qid, rcpts=("bob@example.net",)):
        """Wait until qmgr deferred every recipient of qid with
        HOLD_TEXT and the file is in deferred/XX/; its path."""
        for rc in rcpts:
            self.sb.wait_log(r"qmgr\[\d+\]: %s: to=<%s>, relay=none, "
                             r"delay=[\d.]+, dsn=4\.3\.0, status=deferred "
                             r"\(%s\)" % (qid, re.escape(rc),
                                          re.escape(HOLD_TEXT)), 15)
        def in_deferred():
            path = self.where(qid)
            return path if path and "/deferred/" in path else None
        return wait_for(in_deferred, 15, what="%s in deferred/" % qid)

    def set_params(self, **params):
        for k, v in params.items():
            r = run([prog("petrel-conf"), "-c", self.sb.etc, "-e",
                     "%s=%s" % (k, v)])
            self.assertEqual(r.returncode, 0, r.stderr)


class _Base(QueueMixin, SandboxTestCase):
    """A sandbox and a cleanup client; start() is the subclass's."""

    needed = ("cleanup",)

    def setUp(self):
        super().setUp()
        for p in self.needed:
            try:
                prog(p)
            except FileNotFoundError:
                self.skipTest("%s not built" % p)

    def send_message(self, content, sender="alice@example.org",
                     rcpts=("bob@example.net",), flags=0, **attrs):
        c = CleanupConn(self.sb)
        r = c.begin(sender, flags, **attrs)
        self.assertEqual(r["status"], "0", r)
        for rc in rcpts:
            c.rcpt(rc)
        c.data(content)
        reply = c.end()
        c.close()
        return r["queue_id"], reply


class CleanupTest(_Base):
    """cleanup alone: no qmgr, so its queue files stay where it put
    them."""

    sandbox_args = {"delivery": False}

    def start(self, **params):
        self.set_params(**params)
        self.sb.start()
        # master makes the queue directories and cleanup's socket.
        q = os.path.join(self.sb.dir, "queue")
        wait_for(lambda: os.path.isdir(os.path.join(q, "incoming"))
                 and os.path.exists(os.path.join(q, "private", "cleanup")),
                 10, what="queue/incoming and private/cleanup")

    def test_message_through_the_protocol(self):
        self.start()
        c = CleanupConn(self.sb)
        r = c.begin("alice@example.org", client_name="client.example.org",
                    client_address="192.0.2.1", helo="client.example.org",
                    protocol="ESMTP", origin="smtpd", body="8BITMIME")
        self.assertEqual(r["status"], "0")
        qid = r["queue_id"]
        self.assertRegex(qid, QUEUE_ID)
        c.rcpt("bob@example.net")
        c.rcpt("carol@example.net", orcpt="rfc822;Carol@Example.NET",
               notify=2)
        c.data(b"Subject: first\r\nX-Test: yes\r\n\r\nline one\r\n")
        c.data(b"line two\r\n\r\n")
        reply = c.end()
        c.close()
        self.assertEqual(reply, {"status": "0", "queue_id": qid})
        self.assertIn(qid, self.queue("incoming"))
        env = self.cat(qid, "-e")
        self.assertIn("sender: <alice@example.org>", env)
        self.assertIn("recipient: <bob@example.net>", env)
        self.assertIn("recipient: <carol@example.net>", env)
        self.assertIn("Carol@Example.NET", env)
        self.assertIn("client.example.org", env)
        self.assertIn("192.0.2.1", env)
        msg = self.message(qid)
        self.assertNotIn("\r", msg)
        self.assertIn("Subject: first\nX-Test: yes\n", msg)
        self.assertIn("Message-ID: <", msg)
        self.assertIn("." + qid + "@" + HOST + ">", msg)
        self.assertRegex(msg, r"\nDate: \w{3}, \d+ \w{3} \d{4} "
                         r"\d\d:\d\d:\d\d [+-]\d{4}\n")
        self.assertNotIn("From:", msg)      # not a local submission
        self.assertNotIn("To:", msg)
        self.assertTrue(msg.endswith("\n\nline one\nline two\n\n"), msg)
        self.sb.wait_log(r"cleanup\[\d+\]: %s: message-id=<\d{14}\.%s@%s>"
                         % (qid, qid, re.escape(HOST)))

    def test_existing_headers_are_kept(self):
        self.start()
        content = (b"Message-ID: <kept@example.org>\n"
                   b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
                   b"From: Alice <alice@example.org>\nTo: bob@example.net\n"
                   b"\nbody\n")
        qid, reply = self.send_message(content, flags=1)
        self.assertEqual(reply["status"], "0")
        msg = self.message(qid)
        self.assertEqual(msg, content.decode())
        self.sb.wait_log(r"%s: message-id=<kept@example.org>" % qid)

    def test_local_submission(self):
        self.start()
        qid, reply = self.send_message(b"Subject: local\n\nhi\n",
                                       sender="alice", rcpts=("root",),
                                       flags=1, full_name="Alice Liddell",
                                       protocol="local", origin="pickup")
        self.assertEqual(reply["status"], "0")
        env = self.cat(qid, "-e")
        self.assertIn("sender: <alice@%s>" % HOST, env)
        self.assertIn("recipient: <root@%s>" % HOST, env)
        self.assertIn("local_submission: yes", env)
        msg = self.message(qid)
        self.assertIn("From: Alice Liddell <alice@%s>\n" % HOST, msg)
        self.assertIn("To: undisclosed-recipients:;\n", msg)

    def test_no_header_at_all(self):
        self.start()
        qid, reply = self.send_message(b"just a body line\nand more\n")
        self.assertEqual(reply["status"], "0")
        msg = self.message(qid)
        # The added fields stay in the header: an empty line follows.
        self.assertRegex(msg, r"^Message-ID: <[^\n]*>\nDate: [^\n]*\n\n"
                         r"just a body line\nand more\n$")

    def test_hold_flag(self):
        self.start()
        qid, reply = self.send_message(b"Subject: held\n\nx\n", flags=4)
        self.assertEqual(reply["status"], "0")
        self.assertIn(qid, self.queue("hold"))
        self.assertNotIn(qid, self.queue("incoming"))

    def test_abort(self):
        self.start()
        c = CleanupConn(self.sb)
        qid = c.begin()["queue_id"]
        c.rcpt("bob@example.net")
        c.data(b"Subject: x\n\nbody\n")
        c.abort()
        self.assertTrue(c.closed_by_peer())
        c.close()
        self.sb.wait_log(r"%s: aborted by the client" % qid)
        self.assertNotIn(qid, self.queue("incoming"))
        self.no_temp_files()

    def test_disconnect_mid_content(self):
        self.start()
        c = CleanupConn(self.sb)
        qid = c.begin()["queue_id"]
        c.rcpt("bob@example.net")
        c.data(b"Subject: x\n\npart of a body")
        c.sock.sendall(attr_encode([("request", "data")])[:-3])
        c.close()
        self.sb.wait_log(r"warning: %s: .*message discarded" % qid)
        self.assertNotIn(qid, self.queue("incoming"))
        self.no_temp_files()
        # cleanup goes on serving.
        qid2, reply = self.send_message(b"Subject: next\n\nok\n")
        self.assertEqual(reply["status"], "0")
        self.assertIn(qid2, self.queue("incoming"))

    def test_garbage_and_protocol_errors(self):
        self.start()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(os.path.join(self.sb.dir, "queue", "private", "cleanup"))
        s.sendall(b"HELO cleanup\r\n\xff\xfe garbage")
        self.assertEqual(s.recv(100), b"")
        s.close()
        self.sb.wait_log(r"cleanup: bad begin request")
        # Content before any recipient; an unknown attribute.
        for bad in ([("request", "data"), ("data", b"x")],
                    [("request", "rcpt"), ("address", "a@b"),
                     ("bogus", "1")]):
            c = CleanupConn(self.sb)
            qid = c.begin()["queue_id"]
            c.send(bad)
            self.assertTrue(c.closed_by_peer())
            c.close()
            self.sb.wait_log(r"%s: protocol error: .*message discarded"
                             % qid)
        c = CleanupConn(self.sb)
        c.send([("request", "begin"), ("flags", 99), ("sender", "")])
        self.assertTrue(c.closed_by_peer())
        c.close()
        self.no_temp_files()
        self.assertEqual(self.queue("incoming"), [])

    def test_message_size_limit(self):
        self.start(message_size_limit=2000)
        qid, reply = self.send_message(b"Subject: big\n\n" + b"x" * 3000)
        self.assertEqual(reply["status"], "552", reply)
        self.assertEqual(reply["enhanced"], "5.3.4")
        self.assertNotIn(qid, self.queue("incoming"))
        self.no_temp_files()
        self.sb.wait_log(r"warning: %s: reject: 552 5.3.4" % qid)
        qid, reply = self.send_message(b"Subject: small\n\n" + b"x" * 100)
        self.assertEqual(reply["status"], "0")

    def test_header_size_limit(self):
        self.start(header_size_limit=2048)
        hdr = b"".join(b"X-Filler-%d: %s\n" % (i, b"y" * 60)
                       for i in range(40))
        qid, reply = self.send_message(hdr + b"\nbody\n")
        self.assertEqual(reply["status"], "552", reply)
        self.assertEqual(reply["enhanced"], "5.6.0")
        self.assertNotIn(qid, self.queue("incoming"))
        self.no_temp_files()

    def test_hopcount_limit(self):
        self.start()
        hops = b"".join(b"Received: from h%d by h%d\n" % (i, i + 1)
                        for i in range(51))
        qid, reply = self.send_message(hops + b"\nloop\n")
        self.assertEqual(reply["status"], "554", reply)
        self.assertEqual(reply["enhanced"], "5.4.6")
        self.assertNotIn(qid, self.queue("incoming"))
        self.sb.wait_log(r"warning: %s: reject: 554 5.4.6 too many hops"
                         % qid)
        hops = hops[hops.index(b"\n") + 1:]        # 50 is fine
        qid, reply = self.send_message(hops + b"\nno loop\n")
        self.assertEqual(reply["status"], "0")


class QmgrTest(_Base):
    """The real qmgr behind cleanup, with transport_maps = HOLD_ROUTE:
    qmgr itself defers every recipient, so nothing is delivered or
    sent, and each message ends in deferred/."""

    needed = ("cleanup", "qmgr")

    def start(self, **params):
        self.start_held(**params)

    def test_qmgr_activates_and_defers(self):
        self.start()
        qid, reply = self.send_message(b"Subject: first\r\n\r\nline\r\n",
                                       rcpts=("bob@example.net",
                                              "carol@example.net"))
        self.assertEqual(reply, {"status": "0", "queue_id": qid})
        self.sb.wait_log(r"qmgr\[\d+\]: %s: from=<alice@example.org>, "
                         r"size=\d+, nrcpt=2 \(queue active\)" % qid)
        self.held(qid, ("bob@example.net", "carol@example.net"))
        # Still the same message: envelope and content as cleanup wrote.
        env = self.cat(qid, "-e")
        self.assertIn("sender: <alice@example.org>", env)
        self.assertIn("recipient: <bob@example.net>", env)
        self.assertIn("recipient: <carol@example.net>", env)
        self.assertTrue(self.message(qid).endswith("\n\nline\n"))
        for q in ("incoming", "active"):
            self.assertNotIn(qid, self.queue(q))

    def test_held_mail_is_not_activated(self):
        self.start()
        held, reply = self.send_message(b"Subject: held\n\nx\n", flags=4)
        self.assertEqual(reply["status"], "0")
        qid, _ = self.send_message(b"Subject: not held\n\nx\n")
        self.held(qid)
        self.assertEqual(self.queue("hold"), [held])
        self.assertNotIn("%s: from=" % held, self.sb.log())

    def test_cleanup_killed_mid_content(self):
        self.start()
        c = CleanupConn(self.sb)
        qid = c.begin()["queue_id"]
        c.rcpt("bob@example.net")
        c.data(b"Subject: x\n\nhalf a message")
        temps = wait_for(lambda: [f for f in self.queue("incoming")
                                  if f.startswith("t.")], 10,
                         what="the temporary file")
        os.kill(int(temps[0].split(".")[1]), 9)
        with self.assertRaises((EOFError, ConnectionError)):
            c.end()
        c.close()
        # The next message wakes qmgr, which removes the dead file.
        qid2, reply = self.send_message(b"Subject: after\n\nx\n")
        self.assertEqual(reply["status"], "0")
        self.no_temp_files()
        self.sb.wait_log(r"qmgr\[\d+\]: warning: incoming/%s: removed a "
                         r"temporary file" % re.escape(temps[0]))
        self.held(qid2)
        self.assertEqual(self.queue("incoming"), [])
        self.assertIsNone(self.where(qid))

    def test_qmgr_moves_a_corrupt_file(self):
        self.start()
        bad = "0000000001" + "Zz"
        path = os.path.join(self.sb.dir, "queue", "incoming", bad)
        junk = b"V\0\0\0\4\0\0\0\1 this is not a queue file"
        with open(path, "wb") as f:
            f.write(junk)
        if IS_ROOT:
            os.chown(path, *self.owner_ids())
        # Any new message triggers qmgr, which scans incoming/.
        self.send_message(b"Subject: trigger\n\nx\n")
        self.sb.wait_log(r"qmgr\[\d+\]: warning: %s: corrupt queue file"
                         % bad)
        wait_for(lambda: bad in self.queue("corrupt"), 10,
                 what="corrupt file in corrupt/")
        self.assertIsNone(self.where(bad))
        # Kept as it was, never deleted or rewritten.
        with open(os.path.join(self.sb.dir, "queue", "corrupt", bad),
                  "rb") as f:
            self.assertEqual(f.read(), junk)

    def test_qmgr_logs_each_message_once(self):
        self.start()
        qid, _ = self.send_message(b"Subject: once\n\nx\n")
        self.sb.wait_log(r"%s: from=<" % qid)
        ids = [qid]
        for _ in range(3):
            ids.append(self.send_message(b"Subject: more\n\nx\n")[0])
        # Every attempt has ended: each message waits in deferred/.
        for i in ids:
            self.held(i)
        self.assertEqual(self.sb.log().count("(queue active)"), 4)
        for i in ids:
            self.assertEqual(len(re.findall(r"%s: from=<" % i,
                                            self.sb.log())), 1, i)

    def owner_ids(self):
        import pwd
        pw = pwd.getpwnam("petrel")
        return pw.pw_uid, pw.pw_gid

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_daemons_run_as_the_mail_owner(self):
        self.start()
        qid, _ = self.send_message(b"Subject: x\n\nx\n")  # cleanup runs
        uid = self.owner_ids()[0]
        master = wait_for(self.sb.master_pid, 10, what="master pid")

        def names():
            out = {}
            for pid in children_of(master):
                try:
                    with open("/proc/%d/comm" % pid) as f:
                        out[f.read().strip()] = pid
                except OSError:
                    pass
            return out
        found = wait_for(lambda: (lambda n: n if {"cleanup", "qmgr",
                                                  "pickup"} <= set(n)
                                  else None)(names()), 10,
                         what="cleanup, qmgr and pickup processes")
        for name in ("cleanup", "qmgr", "pickup"):
            st = proc_status(found[name])
            self.assertEqual(st["Uid"].split(), [str(uid)] * 4, name)
        # Queue files belong to the mail owner.
        st = os.stat(self.queued(qid))
        self.assertEqual(st.st_uid, uid)


if __name__ == "__main__":
    unittest.main()
