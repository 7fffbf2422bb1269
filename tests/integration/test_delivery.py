"""Mail through the whole system: smtpd or sendmail → cleanup → qmgr →
virtual, smtp, lmtp → mailboxes and sinks, failures → bounce → a DSN in
the sender's Maildir; the queue steered with petrel-queue.

Peers are real programs on loopback: smtplib and swaks as clients, the
SmtpSink and FakeDNS of fakes.py as remote servers.  Everything a test
checks is what a user would see: the file in the Maildir, the bytes the
remote server received, the DSN's fields, the queue directories and the
log lines.

Run from the repository root:

    python3 -m unittest -v tests/integration/test_delivery.py
"""

import email
import email.policy
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakes import FakeDNS, SmtpSink  # noqa: E402
from petrel_test import Sandbox, prog, run, wait_for  # noqa: E402

USER = "demo@example.test"
QUEUES = ("incoming", "active", "deferred", "hold")


def have_programs(*names):
    for n in names:
        try:
            prog(n)
        except FileNotFoundError:
            return False
    return True


class DeliveryCase(unittest.TestCase):
    """One started sandbox per class, tuned for quick retries."""

    params = {}

    @classmethod
    def setUpClass(cls):
        if not have_programs("qmgr", "smtp", "local", "bounce"):
            raise unittest.SkipTest("delivery programs not built")
        cls.sb = Sandbox()
        cls.maildir = os.path.join(cls.sb.dir, "mail", "example.test",
                                   "demo", "Maildir")
        cls.sink = SmtpSink()
        base = {
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "transport_maps": "inline:{remote.test=smtp:[127.0.0.1]:%d}"
                              % cls.sink.port,
        }
        base.update(cls.params)
        cls.conf(**base)
        cls.sb.start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.cleanup()
        cls.sink.stop()

    @classmethod
    def conf(cls, **params):
        for k, v in params.items():
            r = run([prog("petrel-conf"), "-c", cls.sb.etc, "-e",
                     "%s=%s" % (k, v)])
            if r.returncode != 0:
                raise AssertionError(r.stderr)

    def setUp(self):
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            for name in os.listdir(d):
                os.unlink(os.path.join(d, name))
        self.sink.messages.clear()
        self.sink.rcpt_reply = None
        self.sink.data_reply = None

    # Helpers.

    def send(self, rcpts, body="hello\n", sender=USER, subject="test",
             headers="", port=None):
        msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n%s\r\n%s"
               % (sender or "nobody@example.org", rcpts[0], subject,
                  headers, body.replace("\n", "\r\n")))
        with smtplib.SMTP("127.0.0.1", port or self.sb.port("smtp"),
                          timeout=30) as s:
            s.sendmail(sender, rcpts, msg.encode())

    def inbox(self):
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    out.append(f.read())
        return out

    def wait_inbox(self, n, timeout=20):
        return wait_for(lambda: len(self.inbox()) >= n and self.inbox(),
                        timeout, what="%d message(s) in the Maildir" % n)

    def queue_ids(self):
        ids = []
        for q in QUEUES:
            top = os.path.join(self.sb.dir, "queue", q)
            for root, _, files in os.walk(top):
                ids += [(q, f) for f in files if not f.startswith("t.")]
        return ids

    def wait_queue_empty(self, timeout=20):
        wait_for(lambda: not self.queue_ids(), timeout,
                 what="an empty queue")

    def queue_cmd(self, *args):
        return run([prog("petrel-queue"), "-c", self.sb.etc] + list(args))

    @staticmethod
    def dsn_parts(raw):
        """The delivery-status part of a DSN as a list of field dicts."""
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype in ("message/delivery-status",
                         "message/global-delivery-status"):
                payload = part.get_payload()
                if isinstance(payload, list):
                    return [dict((k.lower(), v) for k, v in p.items())
                            for p in payload]
                blocks = re.split(r"\r?\n\r?\n", payload.strip())
                out = []
                for b in blocks:
                    fields = {}
                    for line in b.splitlines():
                        k, _, v = line.partition(":")
                        fields[k.strip().lower()] = v.strip()
                    out.append(fields)
                return out
        return None


class TestLocalDelivery(DeliveryCase):

    def test_smtp_to_a_virtual_mailbox(self):
        self.send([USER], body="line one\n.dot line\nline three\n",
                  subject="to the maildir")
        msgs = self.wait_inbox(1)
        m = msgs[0]
        self.assertTrue(m.startswith(b"Return-Path: <demo@example.test>\n"),
                        m[:200])
        self.assertIn(b"\nDelivered-To: demo@example.test\n", m)
        self.assertIn(b"\nSubject: to the maildir\n", m)
        self.assertTrue(m.endswith(b"\n\nline one\n.dot line\nline three\n"),
                        m[-80:])
        self.wait_queue_empty()
        self.sb.wait_log(r"to=<demo@example\.test>, .*status=sent")
        self.sb.wait_log(r": removed")

    def test_swaks_and_sendmail(self):
        if shutil.which("swaks"):
            r = subprocess.run(
                ["swaks", "--server", "127.0.0.1", "--port",
                 str(self.sb.port("smtp")), "--from", USER, "--to", USER,
                 "--header", "Subject: via swaks", "--body", "swaks body"],
                capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = subprocess.run([prog("sendmail"), "-C", self.sb.etc, "-f", USER,
                            USER], input=b"Subject: via sendmail\n\nbody\n",
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        want = 2 if shutil.which("swaks") else 1
        msgs = self.wait_inbox(want)
        subjects = sorted(re.search(rb"\nSubject: ([^\n]*)", m).group(1)
                          for m in msgs)
        self.assertIn(b"via sendmail", subjects)

    def test_unknown_virtual_user_bounces_to_sender(self):
        # sendmail bypasses smtpd's recipient check, so the virtual
        # agent is the one that finds out.
        r = subprocess.run([prog("sendmail"), "-C", self.sb.etc, "-f", USER,
                            "nosuch@example.test"],
                           input=b"Subject: lost\n\nto nobody\n",
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        msgs = self.wait_inbox(1)
        dsn = msgs[0]
        self.assertIn(b"Return-Path: <>", dsn)
        self.assertIn(b"multipart/report", dsn)
        fields = self.dsn_parts(dsn.split(b"\n", 1)[1])
        self.assertIsNotNone(fields, dsn)
        rcpt = [f for f in fields if "final-recipient" in f][0]
        self.assertIn("nosuch@example.test", rcpt["final-recipient"])
        self.assertEqual(rcpt["action"], "failed")
        self.assertEqual(rcpt["status"], "5.1.1")
        self.assertIn(b"Subject: lost", dsn)
        self.wait_queue_empty()


class TestQuota(DeliveryCase):
    """Over quota is a temporary failure: the mail waits, nothing lost."""

    params = {"virtual_mailbox_limit": "2000"}

    def test_over_quota_defers(self):
        self.send([USER], body="x" * 5000 + "\n", subject="too big")
        self.sb.wait_log(r"to=<demo@example\.test>, .*dsn=4\.2\.2, "
                         r"status=deferred")
        self.assertEqual(self.inbox(), [])
        wait_for(lambda: [q for q, _ in self.queue_ids() if q == "deferred"],
                 10, what="the message in deferred/")
        self.assertNotIn("status=bounced", self.sb.log())


@unittest.skipUnless(os.geteuid() == 0, "needs root to add a system user")
class TestSystemUser(DeliveryCase):
    """swaks → smtpd → local → a system user's mbox, then Maildir."""

    @classmethod
    def setUpClass(cls):
        cls.user = "ptdeliv%d" % (os.getpid() % 100000)
        cls.spool = tempfile.mkdtemp(prefix="petrel-spool-")
        os.chmod(cls.spool, 0o1777)
        cls.home = os.path.join(cls.spool, "home")
        r = subprocess.run(["useradd", "-M", "-d", cls.home, "-s",
                            "/usr/sbin/nologin", cls.user],
                           capture_output=True)
        if r.returncode != 0:
            raise unittest.SkipTest("useradd: %s" % r.stderr)
        import pwd
        pw = pwd.getpwnam(cls.user)
        os.mkdir(cls.home, 0o700)
        os.chown(cls.home, pw.pw_uid, pw.pw_gid)
        cls.uid = pw.pw_uid
        cls.params = {"mail_spool_directory": cls.spool}
        try:
            super().setUpClass()
        except BaseException:
            subprocess.run(["userdel", cls.user], capture_output=True)
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        subprocess.run(["userdel", cls.user], capture_output=True)
        shutil.rmtree(cls.spool, ignore_errors=True)

    def swaks(self, body):
        if not shutil.which("swaks"):
            self.skipTest("swaks not installed")
        r = subprocess.run(
            ["swaks", "--server", "127.0.0.1", "--port",
             str(self.sb.port("smtp")), "--from", USER, "--to",
             "%s@mail.example.test" % self.user, "--header",
             "Subject: to a system user", "--body", body],
            capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_mbox_then_maildir(self):
        mbox = os.path.join(self.spool, self.user)
        self.swaks("From the start\nsecond line")
        wait_for(lambda: os.path.exists(mbox) and os.path.getsize(mbox), 20,
                 what="the mbox")
        with open(mbox, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"From demo@example.test "), data)
        self.assertIn(b"\nDelivered-To: %s@mail.example.test\n"
                      % self.user.encode(), data)
        self.assertIn(b"\n>From the start\n", data)
        # The message, then the empty line that ends it in the mbox.
        self.assertTrue(data.rstrip(b"\n").endswith(b"second line"),
                        data[-40:])
        self.assertTrue(data.endswith(b"\n\n"), data[-40:])
        self.assertEqual(os.stat(mbox).st_uid, self.uid)
        self.wait_queue_empty()

        self.conf(home_mailbox="Maildir/")
        self.sb.reload()
        self.swaks("into the maildir")
        new = os.path.join(self.home, "Maildir", "new")
        files = wait_for(lambda: os.path.isdir(new) and os.listdir(new), 20,
                         what="the Maildir file")
        path = os.path.join(new, files[0])
        with open(path, "rb") as f:
            self.assertIn(b"\n\ninto the maildir\n", f.read())
        self.assertEqual(os.stat(path).st_uid, self.uid)
        self.wait_queue_empty()


class TestRelay(DeliveryCase):

    def test_relay_through_a_transport_map(self):
        self.send(["bob@remote.test"], body="relayed\n.leading dot\n")
        self.sink.wait_messages(1, 20)
        m = self.sink.messages[0]
        self.assertEqual(m.rcpts, ["bob@remote.test"])
        self.assertIn(b"\r\n\r\nrelayed\r\n.leading dot\r\n", m.data)
        self.assertNotIn(b"\n", m.data.replace(b"\r\n", b""))
        self.assertIn(b"Received: ", m.data)
        self.wait_queue_empty()
        self.sb.wait_log(r"to=<bob@remote\.test>, relay=127\.0\.0\.1\[127\.0"
                         r"\.0\.1\]:%d, .*dsn=2\.0\.0, status=sent"
                         % self.sink.port)

    def test_5xx_bounces_with_the_remote_reply(self):
        self.sink.rcpt_reply = lambda s, arg: (
            "550 5.1.1 no such user here" if "gone@" in arg else None)
        self.send(["gone@remote.test", "ok@remote.test"])
        self.sink.wait_messages(1, 20)
        self.assertEqual(self.sink.messages[0].rcpts, ["ok@remote.test"])
        dsn = self.wait_inbox(1)[0]
        fields = self.dsn_parts(dsn.split(b"\n", 1)[1])
        rcpts = [f for f in fields if "final-recipient" in f]
        self.assertEqual(len(rcpts), 1, fields)
        self.assertIn("gone@remote.test", rcpts[0]["final-recipient"])
        self.assertEqual(rcpts[0]["status"], "5.1.1")
        self.assertIn("550 5.1.1 no such user here",
                      rcpts[0]["diagnostic-code"])
        self.wait_queue_empty()

    def test_4xx_is_retried_and_delivered_once(self):
        tries = []

        def once_then_ok(session, arg):
            tries.append(arg)
            return "450 4.2.0 try again later" if len(tries) == 1 else None
        self.sink.rcpt_reply = once_then_ok
        self.send(["later@remote.test"])
        self.sink.wait_messages(1, 30)
        self.wait_queue_empty(30)
        time.sleep(2)
        self.assertEqual(len(self.sink.messages), 1)
        self.assertGreaterEqual(len(tries), 2)
        self.assertEqual(self.inbox(), [])      # no DSN for a delay
        self.sb.wait_log(r"to=<later@remote\.test>, .*status=deferred")

    def test_notify_success_is_passed_on(self):
        """A next hop with DSN takes over the success report: it gets
        NOTIFY and ORCPT, and no report comes from us."""
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=30) as s:
            s.ehlo()
            s.mail(USER, ["RET=HDRS", "ENVID=env-1"])
            s.rcpt("far@remote.test", ["NOTIFY=SUCCESS,FAILURE",
                                       "ORCPT=rfc822;far@remote.test"])
            s.data(b"Subject: pass on\r\n\r\nbody\r\n")
        self.sink.wait_messages(1, 20)
        m = self.sink.messages[0]
        params = " ".join("%s=%s" % kv for p in m.rcpt_params
                          for kv in (p.items() if isinstance(p, dict)
                                     else [p]))
        self.assertIn("NOTIFY=SUCCESS,FAILURE", params.upper())
        self.wait_queue_empty()
        time.sleep(2)
        self.assertEqual(self.inbox(), [])

    def test_hold_release_delete_flush(self):
        self.sink.rcpt_reply = lambda s, arg: "451 4.3.0 not now"
        self.send(["held@remote.test"], subject="to hold")
        self.send(["doomed@remote.test"], subject="to delete")
        wait_for(lambda: len([q for q, _ in self.queue_ids()
                              if q == "deferred"]) == 2, 30,
                 what="two deferred messages")
        r = self.queue_cmd("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        listing = json.loads(r.stdout)
        by_rcpt = {m["recipients"][0]["address"]: m
                   for m in listing["messages"]}
        held = by_rcpt["held@remote.test"]["id"]
        doomed = by_rcpt["doomed@remote.test"]["id"]
        self.assertEqual(self.queue_cmd("hold", held).returncode, 0)
        wait_for(lambda: ("hold", held) in self.queue_ids(), 10,
                 what="the message in hold/")
        self.assertEqual(self.queue_cmd("delete", doomed).returncode, 0)
        wait_for(lambda: doomed not in [i for _, i in self.queue_ids()],
                 10, what="the deleted message gone")
        self.sink.rcpt_reply = None
        time.sleep(3)       # deferred runs come and go; hold/ stays put
        self.assertIn(("hold", held), self.queue_ids())
        self.assertEqual(self.queue_cmd("release", held).returncode, 0)
        self.assertEqual(self.queue_cmd("flush").returncode, 0)
        self.sink.wait_messages(1, 20)
        self.assertEqual(self.sink.messages[0].rcpts, ["held@remote.test"])
        self.wait_queue_empty()
        self.assertEqual(len(self.sink.messages), 1)
        self.assertEqual(self.inbox(), [])


class TestDns(DeliveryCase):
    """MX routing through a DNS server the test runs."""

    @classmethod
    def setUpClass(cls):
        cls.dns = FakeDNS({
            "mx.example": [("MX", 10, "dead.mx.example"),
                           ("MX", 20, "live.mx.example")],
            "dead.mx.example": [("A", "127.0.0.2")],
            "live.mx.example": [("A", "127.0.0.1")],
            "nullmx.example": [("MX", 0, ".")],
        })
        cls.params = {"dns_resolver_address": cls.dns.address,
                      "inet_protocols": "ipv4"}
        try:
            super().setUpClass()
        except BaseException:
            cls.dns.stop()
            raise
        cls.conf(smtp_tcp_port=str(cls.sink.port))
        cls.sb.reload()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.dns.stop()

    def test_dead_first_mx_then_the_next(self):
        self.send(["user@mx.example"])
        self.sink.wait_messages(1, 30)
        self.assertEqual(self.sink.messages[0].rcpts, ["user@mx.example"])
        self.sb.wait_log(r"to=<user@mx\.example>, relay=live\.mx\.example\[127\.0"
                         r"\.0\.1\]:%d, .*status=sent" % self.sink.port)
        self.wait_queue_empty()

    def test_null_mx_bounces(self):
        self.send(["user@nullmx.example"])
        dsn = self.wait_inbox(1)[0]
        fields = self.dsn_parts(dsn.split(b"\n", 1)[1])
        rcpt = [f for f in fields if "final-recipient" in f][0]
        self.assertEqual(rcpt["status"], "5.1.10")
        self.wait_queue_empty()


class TestLmtp(DeliveryCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="petrel-lmtp-")
        os.chmod(cls.tmp, 0o755)
        cls.path = os.path.join(cls.tmp, "lmtp.sock")
        cls.lmtp = SmtpSink(lmtp=True, unix_path=cls.path)
        os.chmod(cls.path, 0o777)
        cls.params = {"transport_maps": "inline:{lmtp.test=lmtp:unix:%s}"
                      % cls.path}
        try:
            super().setUpClass()
        except BaseException:
            cls.lmtp.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.lmtp.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_per_recipient_replies_after_data(self):
        self.lmtp.data_reply = lambda s, arg: (
            "552 5.2.2 mailbox full" if "full@" in s.current_rcpt else None)
        self.send(["a@lmtp.test", "full@lmtp.test"])
        self.lmtp.wait_messages(1, 20)
        self.assertEqual(self.lmtp.messages[0].rcpts, ["a@lmtp.test"])
        dsn = self.wait_inbox(1)[0]
        fields = self.dsn_parts(dsn.split(b"\n", 1)[1])
        rcpt = [f for f in fields if "final-recipient" in f][0]
        self.assertIn("full@lmtp.test", rcpt["final-recipient"])
        self.assertEqual(rcpt["status"], "5.2.2")
        self.wait_queue_empty()


class TestDowngrade(DeliveryCase):
    """8-bit mail to a server without 8BITMIME arrives 7-bit."""

    @classmethod
    def setUpClass(cls):
        cls.seven = SmtpSink(ehlo=["PIPELINING", "ENHANCEDSTATUSCODES"])
        cls.params = {"transport_maps": "inline:{seven.example=smtp:"
                      "[127.0.0.1]:%d}" % cls.seven.port}
        try:
            super().setUpClass()
        except BaseException:
            cls.seven.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.seven.stop()

    def test_8bit_body_becomes_quoted_printable(self):
        body = "Gr\u00fc\u00dfe aus K\u00f6ln\n"
        msg = ("From: <%s>\r\nTo: <x@seven.example>\r\nSubject: 8bit\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; "
               "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s"
               % (USER, body.replace("\n", "\r\n"))).encode("utf-8")
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=30) as s:
            s.sendmail(USER, ["x@seven.example"], msg,
                       mail_options=["BODY=8BITMIME"])
        self.seven.wait_messages(1, 20)
        m = self.seven.messages[0]
        self.assertNotIn("8BITMIME", str(m.mail_params).upper())
        self.assertTrue(all(b < 0x80 for b in m.data), m.data)
        self.assertIn(b"Content-Transfer-Encoding: quoted-printable", m.data)
        parsed = email.message_from_bytes(m.data,
                                          policy=email.policy.default)
        self.assertEqual(parsed.get_content().replace("\r\n", "\n"), body)
        self.wait_queue_empty()


class TestNotifications(DeliveryCase):

    def test_bounce_of_a_bounce_goes_to_the_postmaster(self):
        """To postmaster@$myorigin, which the sandbox's etc/aliases sends
        on to the demo user: bounce, local and an alias expansion."""
        self.sink.rcpt_reply = lambda s, arg: "550 5.1.1 unknown"
        # A notification (null sender) that cannot be delivered.
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=30) as s:
            s.sendmail("", ["x@remote.test"],
                       b"From: MAILER-DAEMON\r\nSubject: a bounce\r\n\r\n"
                       b"returned\r\n")
        dsn = self.wait_inbox(1)[0]
        self.assertIn(b"Return-Path: <double-bounce", dsn)
        self.assertIn(b"multipart/report", dsn)
        self.wait_queue_empty()
        time.sleep(2)
        self.assertEqual(len(self.inbox()), 1)

    def test_notify_never_and_success(self):
        self.sink.rcpt_reply = lambda s, arg: (
            "550 5.1.1 unknown" if "never@" in arg else None)
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=30) as s:
            s.ehlo()
            s.mail(USER)
            s.rcpt("never@remote.test", ["NOTIFY=NEVER"])
            s.rcpt(USER, ["NOTIFY=SUCCESS"])
            s.data(b"Subject: dsn\r\n\r\nbody\r\n")
        msgs = self.wait_inbox(2)
        self.wait_queue_empty()
        time.sleep(1)
        msgs = self.inbox()
        reports = [m for m in msgs if b"multipart/report" in m]
        self.assertEqual(len(reports), 1, msgs)
        fields = self.dsn_parts(reports[0].split(b"\n", 1)[1])
        rcpt = [f for f in fields if "final-recipient" in f][0]
        self.assertIn(USER, rcpt["final-recipient"])
        self.assertEqual(rcpt["action"], "delivered")


class TestExpiry(DeliveryCase):

    params = {"maximal_queue_lifetime": "3s", "delay_warning_time": "1s"}

    def test_delay_warning_then_expiry(self):
        self.sink.rcpt_reply = lambda s, arg: "450 4.2.1 busy"
        self.send(["slow@remote.test"], subject="will expire")
        msgs = wait_for(lambda: [m for m in self.inbox()
                                 if b"Action: failed" in m] and self.inbox(),
                        40, what="the expiry notification")
        actions = [re.findall(rb"Action: (\w+)", m) for m in msgs]
        flat = [a for x in actions for a in x]
        self.assertIn(b"delayed", flat)
        self.assertIn(b"failed", flat)
        self.assertEqual(flat.count(b"delayed"), 1)
        self.wait_queue_empty()
        self.sb.wait_log(r"to=<slow@remote\.test>, .*status=expired")


if __name__ == "__main__":
    unittest.main()
