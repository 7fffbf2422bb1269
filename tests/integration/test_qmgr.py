"""qmgr(8) in a running sandbox, with a fake delivery agent.

tests/tools/fake_agent (a SERVER_SINGLE daemon on lib/deliver.c) is run
by master.cf as transport "fake"; transport_maps routes the test domains
to it and to qmgr's own discard:, error: and retry: transports.  The
agent decides by the recipient's local part (ok, defer, none, bounce,
crash, garbage, huge, badindex, twice, early, slow) and appends every
delivery it makes to a file, so a test can prove that nothing was
delivered twice.  Messages come in over SMTP or are written with
qfile_make (for an old arrival time).  The tests assert on the queue
directories, the status bytes in queue files, the file times and the
log lines; admin requests go over private/qmgr-admin with a small
client of the attribute protocol.
"""

import glob
import os
import pwd
import re
import signal
import smtplib
import socket
import struct
import subprocess
import time
import unittest

from petrel_test import (BUILD, IS_ROOT, SandboxTestCase, argv_of,
                         children_of, pid_alive, prog, run, wait_for)

FAKE_AGENT = os.path.join(BUILD, "tests", "fake_agent")
QFILE_MAKE = os.path.join(BUILD, "tests", "qfile_make")

# example.org (the senders' domain) is discarded, so that no notification
# ever leaves the sandbox; sender.test goes to the fake agent.
TRANSPORT_MAP = ("inline:{fake.test=fake:, other.test=fake:other, "
                 "sender.test=fake:, {example.org=discard:test sender}, "
                 "{discard.test=discard:dropped by policy}, "
                 "{error.test=error:5.7.1 go away}, "
                 "{retry.test=retry:4.4.4 try later}}")


def attr_encode(pairs):
    out = b""
    for name, value in pairs:
        if isinstance(value, str):
            value = value.encode()
        out += bytes([len(name)]) + name.encode()
        out += struct.pack(">I", len(value)) + value
    return out + b"\0"


def attr_decode(data):
    out, i = {}, 0
    while data[i] != 0:
        n = data[i]
        name = data[i + 1:i + 1 + n].decode()
        i += 1 + n
        (vlen,) = struct.unpack(">I", data[i:i + 4])
        out[name] = data[i + 4:i + 4 + vlen].decode(errors="replace")
        i += 4 + vlen
    return out


class QmgrTest(SandboxTestCase):

    extra_main = {}

    def setUp(self):
        super().setUp()
        if not os.path.exists(FAKE_AGENT):
            self.skipTest("fake_agent not built")
        self.queue = os.path.join(self.sb.dir, "queue")
        self.delivered_log = os.path.join(self.sb.dir, "fake.log")
        params = {
            "transport_maps": TRANSPORT_MAP,
            "queue_run_delay": "1s",
            "minimal_backoff_time": "2s",
            "maximal_backoff_time": "2s",
            "service_throttle_time": "1s",
        }
        params.update(self.extra_main)
        with open(os.path.join(self.sb.etc, "main.cf"), "a") as f:
            f.write("\n# test_qmgr\n")
            for k, v in params.items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.sb.etc, "master.cf"), "a") as f:
            f.write("fake unix - - n - - %s log=%s\n"
                    % (FAKE_AGENT, self.delivered_log))
        self.sb.start()
        wait_for(lambda: os.path.exists(os.path.join(
            self.queue, "private", "qmgr-admin")), 15, what="qmgr-admin")

    # Helpers.

    def smtp_send(self, rcpts, sender="alice@example.org", body="hello"):
        """Send one message over SMTP; return its queue ID."""
        s = smtplib.SMTP("127.0.0.1", self.sb.port("smtp"), timeout=20)
        try:
            s.ehlo("client.example")
            s.mail(sender)
            for r in rcpts:
                code, msg = s.rcpt(r)
                self.assertEqual(code, 250, msg)
            code, msg = s.data("Subject: test\r\n\r\n%s\r\n" % body)
            self.assertEqual(code, 250, msg)
        finally:
            s.quit()
        m = re.search(rb"queued as (\S+)", msg)
        self.assertIsNotNone(m, msg)
        return m.group(1).decode()

    def make(self, rcpts, sender="alice@example.org", arrival=None,
             trigger=True):
        """A queue file from qfile_make, moved into incoming/; its ID."""
        stage = os.path.join(self.sb.dir, "stage")
        for q in ("incoming", "hold"):  # qfile_make -d writes in hold/
            os.makedirs(os.path.join(stage, q), exist_ok=True)
        args = [QFILE_MAKE, "-d", stage, "-f", sender]
        if arrival is not None:
            args += ["-t", str(arrival)]
        r = subprocess.run(args + list(rcpts), input=b"Subject: x\n\nhi\n",
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        qid = r.stdout.decode().strip()
        src = os.path.join(stage, "incoming", qid)
        if IS_ROOT:
            pw = pwd.getpwnam("petrel")
            os.chown(src, pw.pw_uid, pw.pw_gid)
        os.rename(src, os.path.join(self.queue, "incoming", qid))
        if trigger:
            self.trigger()
        return qid

    def trigger(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(os.path.join(self.queue, "public", "qmgr"))
            s.send(b"I")
        finally:
            s.close()

    def admin(self, request, qid=None, site=None):
        pairs = [("request", request)]
        if qid is not None:
            pairs.append(("id", qid))
        if site is not None:
            pairs.append(("site", site))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(os.path.join(self.queue, "private", "qmgr-admin"))
            s.sendall(attr_encode(pairs))
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        return attr_decode(data)

    def where(self, qid):
        """The queue directories holding qid."""
        found = []
        for q in ("incoming", "active", "deferred", "hold", "corrupt"):
            if glob.glob(os.path.join(self.queue, q, qid)) or \
                    glob.glob(os.path.join(self.queue, q, "*", qid)):
                found.append(q)
        return found

    def wait_where(self, qid, queue, timeout=15):
        return wait_for(lambda: self.where(qid) == [queue], timeout,
                        what="%s in %s/ (now %s)"
                        % (qid, queue, self.where(qid)))

    def wait_gone(self, qid, timeout=15):
        return wait_for(lambda: self.where(qid) == [], timeout,
                        what="%s removed (now in %s)"
                        % (qid, self.where(qid)))

    def path(self, qid):
        for p in glob.glob(os.path.join(self.queue, "*", qid)) + \
                glob.glob(os.path.join(self.queue, "*", "*", qid)):
            if "/bounce/" not in p and "/defer/" not in p:
                return p
        return None

    def statuses(self, qid):
        r = run([prog("petrel-cat"), self.path(qid)])
        self.assertEqual(r.returncode, 0, r.stderr)
        return re.findall(r"^    status: (\w+)", r.stdout, re.M)

    def deliveries(self):
        try:
            with open(self.delivered_log) as f:
                return [line.split() for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def log_has(self, pattern, timeout=15):
        return self.sb.wait_log(pattern, timeout)


class QmgrDeliveryTest(QmgrTest):

    def test_delivered_and_removed(self):
        qid = self.smtp_send(["ok1@fake.test", "ok2@fake.test"])
        self.wait_gone(qid)
        self.log_has(r"qmgr\[\d+\]: %s: from=<alice@example.org>, "
                     r"size=\d+, nrcpt=2 \(queue active\)" % qid)
        self.log_has(r"qmgr\[\d+\]: %s: removed" % qid)
        got = sorted(d for d in self.deliveries() if d[0] == qid)
        self.assertEqual(got, [[qid, "ok1@fake.test"],
                               [qid, "ok2@fake.test"]])
        # Both went in one request (same destination, limit 50).
        self.assertEqual(len(re.findall(r"fake_agent\[\d+\]: %s: to=" % qid,
                                        self.sb.log())), 2)

    def test_discard_and_error(self):
        qid = self.smtp_send(["x@discard.test", "y@error.test"])
        self.log_has(r"%s: to=<x@discard.test>, relay=none, delay=[\d.]+, "
                     r"dsn=2\.0\.0, status=sent \(discarded: dropped by "
                     r"policy\)" % qid)
        self.log_has(r"%s: to=<y@error.test>, relay=none, delay=[\d.]+, "
                     r"dsn=5\.7\.1, status=bounced \(go away\)" % qid)

    def test_retry_transport_defers(self):
        qid = self.smtp_send(["z@retry.test"])
        self.log_has(r"%s: to=<z@retry.test>, relay=none, delay=[\d.]+, "
                     r"dsn=4\.4\.4, status=deferred \(try later\)" % qid)
        self.wait_where(qid, "deferred")
        self.assertEqual(self.statuses(qid), ["deferred"])

    def test_defer_backoff_and_retry(self):
        start = time.time()
        qid = self.smtp_send(["ok@fake.test", "defer@fake.test"])
        self.wait_where(qid, "deferred")
        path = self.path(qid)
        # The next attempt time is in the future (minimal_backoff 2s).
        self.assertGreater(os.stat(path).st_mtime, start)
        self.assertEqual(self.statuses(qid), ["delivered", "deferred"])
        # It is tried again after the back-off, the delivered one is not.
        wait_for(lambda: self.sb.log().count(
            "%s: to=<defer@fake.test>" % qid) >= 2, 15, what="a retry")
        got = [d for d in self.deliveries() if d[0] == qid]
        self.assertEqual(got, [[qid, "ok@fake.test"]])
        # Each attempt waited: no tight loop.
        n = self.sb.log().count("%s: to=<defer@fake.test>" % qid)
        self.assertLess(n, 2 + (time.time() - start) / 1.5)

    def test_agent_crash_defers_unreported(self):
        qid = self.smtp_send(["crash@fake.test"])
        self.log_has(r"qmgr\[\d+\]: warning: %s: delivery agent fake "
                     r"failed" % qid)
        self.log_has(r"%s: to=<crash@fake.test>, relay=none, "
                     r"delay=[\d.]+, dsn=4\.3\.0, status=deferred "
                     r"\(delivery agent fake failed\)" % qid)
        self.wait_where(qid, "deferred")

    def test_hostile_agents(self):
        ids = [self.smtp_send([r]) for r in (
            "garbage@fake.test", "huge@fake.test", "badindex@fake.test",
            "twice@fake.test", "early@fake.test")]
        for qid in ids:
            self.wait_where(qid, "deferred")
        # qmgr is still the same process and still delivers.
        qid = self.smtp_send(["ok@other.test"])
        self.wait_gone(qid)
        self.assertNotIn("panic", self.sb.log())

    def test_corrupt_file(self):
        bad = "0000000001A"
        with open(os.path.join(self.queue, "incoming", bad), "wb") as f:
            f.write(b"this is not a queue file")
        if IS_ROOT:
            pw = pwd.getpwnam("petrel")
            os.chown(os.path.join(self.queue, "incoming", bad),
                     pw.pw_uid, pw.pw_gid)
        self.trigger()
        self.log_has(r"qmgr\[\d+\]: warning: %s: corrupt queue file" % bad)
        self.wait_where(bad, "corrupt")


class QmgrDeadDestinationTest(QmgrTest):

    extra_main = {"minimal_backoff_time": "30s",
                  "maximal_backoff_time": "30s"}

    def test_dead_destination_is_not_contacted(self):
        first = self.smtp_send(["none@fake.test"])
        self.log_has(r"%s: to=<none@fake.test>.*status=deferred" % first)
        self.wait_where(first, "deferred")
        second = self.smtp_send(["ok@fake.test"])
        # Deferred at once with the same reason, without the agent.
        self.log_has(r"qmgr\[\d+\]: %s: to=<ok@fake.test>, relay=none, "
                     r"delay=[\d.]+, dsn=4\.4\.1, status=deferred "
                     r"\(.*Connection refused\)" % second)
        self.wait_where(second, "deferred")
        self.assertEqual(self.deliveries(), [])
        # Another destination of the same transport is not affected.
        third = self.smtp_send(["ok@other.test"])
        self.wait_gone(third)
        # An administrator's flush forgets the dead destination.
        r = self.admin("flush")
        self.assertEqual(r["status"], "0")
        self.wait_gone(second)
        self.assertIn([second, "ok@fake.test"], self.deliveries())


class QmgrExpiryTest(QmgrTest):

    extra_main = {"maximal_queue_lifetime": "1s",
                  "bounce_queue_lifetime": "1s"}

    def test_expired_message_is_returned(self):
        qid = self.make(["defer@fake.test", "ok@fake.test"],
                        arrival=int(time.time()) - 3600)
        self.log_has(r"qmgr\[\d+\]: %s: to=<defer@fake.test>, relay=fake, "
                     r"delay=[\d.]+, dsn=4\.2\.0, status=expired, returned "
                     r"to sender" % qid)
        self.assertIn([qid, "ok@fake.test"], self.deliveries())
        if os.path.exists(os.path.join(self.queue, "private", "bounce")):
            self.log_has(r"qmgr\[\d+\]: %s: sender non-delivery "
                         r"notification: \w+" % qid)
            self.wait_gone(qid)
        else:
            # Without bounce(8) the notification waits in deferred/.
            self.wait_where(qid, "deferred")
            self.assertEqual(self.statuses(qid), ["bounced", "delivered"])


class QmgrBounceTest(QmgrTest):

    def test_bounce_makes_a_notification(self):
        if not os.path.exists(os.path.join(BUILD, "libexec", "bounce")):
            self.skipTest("bounce not built")
        qid = self.smtp_send(["bounce@fake.test"],
                             sender="ok-sender@sender.test")
        m = self.log_has(r"qmgr\[\d+\]: %s: sender non-delivery "
                         r"notification: (\w+)" % qid, timeout=20)
        self.wait_gone(qid)
        new = m.group(1)
        self.log_has(r"qmgr\[\d+\]: %s: from=<>, size=\d+, nrcpt=1 "
                     r"\(queue active\)" % new)
        # The notification itself is delivered to the sender.
        wait_for(lambda: [new, "ok-sender@sender.test"]
                 in self.deliveries(), 15, what="the DSN delivered")
        self.wait_gone(new)


class QmgrAdminTest(QmgrTest):

    extra_main = {"minimal_backoff_time": "60s",
                  "maximal_backoff_time": "60s"}

    def test_hold_release_delete(self):
        qid = self.smtp_send(["defer@fake.test"])
        self.wait_where(qid, "deferred")
        r = self.admin("hold", qid)
        self.assertEqual((r["status"], r["count"]), ("0", "1"), r)
        self.assertEqual(self.where(qid), ["hold"])
        # A held message is not tried.
        n = self.sb.log().count("%s: to=<defer@fake.test>" % qid)
        r = self.admin("release", qid)
        self.assertEqual(r["status"], "0", r)
        # Released: due now, tried at once, deferred again.
        wait_for(lambda: self.sb.log().count(
            "%s: to=<defer@fake.test>" % qid) > n, 10, what="a new attempt")
        self.wait_where(qid, "deferred")
        r = self.admin("delete", qid)
        self.assertEqual((r["status"], r["count"]), ("0", "1"), r)
        self.assertEqual(self.where(qid), [])
        self.log_has(r"qmgr\[\d+\]: %s: removed \(deleted by the "
                     r"administrator\)" % qid)
        r = self.admin("delete", qid)
        self.assertEqual(r["status"], "1", r)

    def test_flush_site_and_requeue(self):
        a = self.smtp_send(["defer@fake.test"])
        b = self.smtp_send(["defer@other.test"])
        self.wait_where(a, "deferred")
        self.wait_where(b, "deferred")
        na = self.sb.log().count("%s: to=<" % a)
        nb = self.sb.log().count("%s: to=<" % b)
        r = self.admin("flush", "ALL", site="other.test")
        self.assertEqual((r["status"], r["count"]), ("0", "1"), r)
        wait_for(lambda: self.sb.log().count("%s: to=<" % b) > nb, 10,
                 what="flushed message tried")
        self.assertEqual(self.sb.log().count("%s: to=<" % a), na)
        r = self.admin("requeue", a)
        self.assertEqual(r["status"], "0", r)
        wait_for(lambda: self.sb.log().count("%s: to=<" % a) > na, 10,
                 what="requeued message tried")

    def test_bad_requests(self):
        self.assertEqual(self.admin("explode")["status"], "2")
        self.assertEqual(self.admin("hold", "../../etc")["status"], "2")
        self.assertEqual(self.admin("hold", "0000000001A")["status"], "1")

    @unittest.skipUnless(IS_ROOT, "needs root to connect as another uid")
    def test_other_users_refused(self):
        sock = os.path.join(self.queue, "private", "qmgr-admin")
        st = os.stat(sock)
        self.assertEqual(st.st_mode & 0o777, 0o600)
        self.assertEqual(pwd.getpwuid(st.st_uid).pw_name, "petrel")


class QmgrRecoveryTest(QmgrTest):

    def qmgr_pid(self):
        out = run(["pgrep", "-f", "-x", ".*/qmgr .*"]).stdout.split()
        pids = [int(p) for p in out if pid_alive(int(p))]
        return pids

    def test_kill_mid_flight_no_double_delivery(self):
        qid = self.smtp_send(["slow@fake.test", "ok@other.test"])
        self.log_has(r"qmgr\[\d+\]: %s: from=" % qid)
        m = re.findall(r"qmgr\[(\d+)\]: %s: from=" % qid, self.sb.log())
        pid = int(m[-1])
        os.kill(pid, signal.SIGKILL)
        # The master restarts qmgr, which recovers active/.
        self.log_has(r"qmgr\[(?!%d\])\d+\]: recovered 1 message from "
                     r"active/" % pid, timeout=30)
        self.wait_gone(qid, timeout=30)
        got = sorted(d[1] for d in self.deliveries() if d[0] == qid)
        self.assertEqual(got, ["ok@other.test", "slow@fake.test"])


class QmgrTriggerTest(QmgrTest):
    """cleanup never waits for a qmgr that does not take its trigger, and
    a message whose trigger was lost is still picked up by the scans."""

    def qmgr_pid(self):
        """The qmgr of this sandbox (a child of its master)."""
        for pid in children_of(self.sb.master_pid() or -1):
            cmd = argv_of(pid)
            if cmd and os.path.basename(cmd[0]) == b"qmgr":
                return pid
        return None

    def fill_listen_queue(self):
        """Connections to public/qmgr until its listen queue is full."""
        socks = []
        path = os.path.join(self.queue, "public", "qmgr")
        for _ in range(5000):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(path)
            except BlockingIOError:
                s.close()
                return socks
            socks.append(s)
        for s in socks:
            s.close()
        self.fail("the listen queue of public/qmgr never filled")

    def test_stopped_qmgr_does_not_slow_acceptance(self):
        pid = wait_for(self.qmgr_pid, 15, what="the qmgr process")
        os.kill(pid, signal.SIGSTOP)
        self.addCleanup(os.kill, pid, signal.SIGCONT)
        socks = self.fill_listen_queue()
        self.addCleanup(lambda: [s.close() for s in socks])
        took = []
        ids = []
        for i in range(3):
            start = time.monotonic()
            ids.append(self.smtp_send(["ok%d@fake.test" % i]))
            took.append(time.monotonic() - start)
        # Before: each message waited 1 s for the trigger to time out.
        self.assertLess(max(took), 1.0, took)
        self.assertNotIn("cannot trigger qmgr", self.sb.log())
        for qid in ids:
            self.assertEqual(self.where(qid), ["incoming"])
        # qmgr comes back: the queued wakeups (or its scans) find them.
        for s in socks:
            s.close()
        os.kill(pid, signal.SIGCONT)
        for qid in ids:
            self.wait_gone(qid, timeout=20)
        got = sorted(d[1] for d in self.deliveries() if d[0] in ids)
        self.assertEqual(got, ["ok0@fake.test", "ok1@fake.test",
                               "ok2@fake.test"])

    def test_lost_trigger_is_found_by_the_queue_run(self):
        # queue_run_delay is 1s here, the master's wakeup 300s; the scan
        # at start-up is over.
        time.sleep(1.5)
        qid = self.make(["ok@fake.test"], trigger=False)
        self.wait_gone(qid, timeout=10)
        got = [d[1] for d in self.deliveries() if d[0] == qid]
        self.assertEqual(got, ["ok@fake.test"])


if __name__ == "__main__":
    unittest.main()
