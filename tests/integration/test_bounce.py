"""bounce(8) in a running sandbox.

Messages enter through smtpd (smtplib, with DSN parameters) or, for
envelopes smtpd would not produce, through build/tests/qfile_make.  Log
records are appended with build/tests/bounce_request (msglog_append(), as
qmgr does) and bounce is asked for a notification over private/bounce
with the same tool.  The notification is a new queue file, read with
petrel-cat.

qmgr is switched off in master.cf here, so that queue files stay where
the test put them (incoming/) and bounce sees exactly the state the test
set up; the end-to-end path through qmgr is tested elsewhere.  The test
creates the queue directories itself (qmgr normally does that at start), and
as root hands the files it makes to the mail owner, as qmgr would own
them.

Covered: a failure report to the sender with the null envelope sender
(Status, Action, Final-Recipient, Original-Recipient, Remote-MTA,
Diagnostic-Code, ENVID, the whole message with RET=FULL, only the
header with RET=HDRS); a report about mail from <> going to the
postmaster with the double-bounce sender; a failed notification to the
postmaster dropped; NOTIFY=NEVER giving nothing; delay and success
reports; a corrupt queue file and a log with garbage answered with 451
and a clear text, the daemon still serving; cleanup unreachable
(451, and the same request works once it is back); a remote diagnostic with CR
and LF that cannot add header lines; malformed requests.

Run from the repository root:

    python3 -m unittest -v tests/integration/test_bounce.py
"""

import glob
import os
import re
import shutil
import smtplib
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import IS_ROOT, Sandbox, prog, run, wait_for  # noqa: E402

HOST = "mail.example.test"
SENDER = "alice@example.org"
RCPT = "demo@example.test"
BODY_LINE = "A body line that only the full message has."


class BounceTest(unittest.TestCase):
    """One sandbox for the whole class; each test uses its own message."""

    @classmethod
    def setUpClass(cls):
        for name in ("bounce", "bounce_request", "qfile_make",
                     "petrel-cat"):
            try:
                prog(name)
            except FileNotFoundError:
                raise unittest.SkipTest(name + " not built")
        cls.sb = Sandbox()
        try:
            cls.queue = os.path.join(cls.sb.dir, "queue")
            cls._disable_qmgr()
            cls.sb.start()
            for q in ("incoming", "active", "deferred", "hold", "corrupt",
                      "bounce", "defer"):
                path = os.path.join(cls.queue, q)
                os.makedirs(path, mode=0o700, exist_ok=True)
                cls._own(path)
            wait_for(lambda: os.path.exists(
                os.path.join(cls.queue, "private", "bounce")), 10,
                what="private/bounce")
        except BaseException:
            cls.sb.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sb.cleanup()

    @classmethod
    def _disable_qmgr(cls):
        path = os.path.join(cls.sb.etc, "master.cf")
        with open(path) as f:
            text = f.read()
        text = re.sub(r"(?m)^qmgr\s", "#\\g<0>", text)
        with open(path, "w") as f:
            f.write(text)

    @classmethod
    def _own(cls, path):
        """As root, give path to the owner of the queue (mail_owner)."""
        if not IS_ROOT:
            return
        st = os.stat(cls.queue)
        os.chown(path, st.st_uid, st.st_gid)

    # Helpers.

    def own_tree(self, top):
        for root, dirs, files in os.walk(top):
            self._own(root)
            for name in files:
                self._own(os.path.join(root, name))

    def smtp_submit(self, sender, rcpts, mail_options=(), rcpt_options=(),
                    body=BODY_LINE):
        msg = ("From: Alice <alice@example.org>\r\nTo: %s\r\n"
               "Subject: bounce test\r\n\r\n%s\r\n" % (rcpts[0], body))
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=30) as s:
            s.ehlo("client.example.org")
            s.mail(sender, list(mail_options))
            for r in rcpts:
                code, text = s.rcpt(r, list(rcpt_options))
                self.assertEqual(code, 250, text)
            code, text = s.data(msg.encode())
            self.assertEqual(code, 250, text)
        m = re.search(rb"queued as ([0-9A-Za-z]+)", text)
        self.assertTrue(m, text)
        qid = m.group(1).decode()
        wait_for(lambda: self.find(qid), 10, what="queue file " + qid)
        self._own(self.find(qid))
        return qid

    def qfile(self, sender, rcpts, content=None, attrs=()):
        if content is None:
            content = ("From: someone\nSubject: made\n\n%s\n"
                       % BODY_LINE).encode()
        args = [prog("qfile_make"), "-d", self.queue, "-f", sender]
        for a in attrs:
            args += ["-a", a]
        r = subprocess.run(args + list(rcpts), input=content,
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        qid = r.stdout.decode().strip()
        self._own(self.find(qid))
        return qid

    def find(self, qid):
        """The queue file of qid in incoming/ or active/, or None."""
        for q in ("incoming", "active", "hold"):
            path = os.path.join(self.queue, q, qid)
            if os.path.exists(path):
                return path
        return None

    def append(self, qid, index, address, action, dsn, **fields):
        args = [prog("bounce_request"), "append", self.queue, qid,
                str(index), address, action, dsn]
        args += ["%s=%s" % kv for kv in fields.items()]
        r = run(args)
        self.assertEqual(r.returncode, 0, r.stderr)
        for q in ("bounce", "defer"):
            self.own_tree(os.path.join(self.queue, q))

    def flush(self, qid, kind, queue="incoming"):
        r = run([prog("bounce_request"), "flush", self.queue, queue, qid,
                 kind])
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.match(r"status=(\d+) queue_id=(\S*) text=(.*)", r.stdout)
        self.assertTrue(m, r.stdout)
        return int(m.group(1)), m.group(2), m.group(3)

    def cat(self, qid):
        r = run([prog("petrel-cat"), "-q", self.queue, qid])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def incoming(self):
        return set(os.listdir(os.path.join(self.queue, "incoming")))

    def notification(self, qid, kind):
        status, new_id, text = self.flush(qid, kind)
        self.assertEqual(status, 0, text)
        self.assertRegex(new_id, r"^[0-9A-Za-z]{11,21}$")
        self.assertIsNotNone(self.find(new_id))
        return new_id, self.cat(new_id)

    # Tests.

    def test_failure_to_sender_full(self):
        qid = self.smtp_submit(SENDER, [RCPT],
                               mail_options=["RET=FULL", "ENVID=env+2Dtest1"],
                               rcpt_options=["NOTIFY=FAILURE",
                                             "ORCPT=rfc822;" + RCPT])
        self.append(qid, 0, RCPT, "failed", "5.1.1",
                    relay="mx.example.net[192.0.2.1]:25", diag_type="smtp",
                    diagnostic="550 5.1.1 <%s>: no such user" % RCPT,
                    reason="host mx.example.net said: 550 no such user",
                    notify="FAILURE", orcpt_type="rfc822", orcpt=RCPT)
        new_id, out = self.notification(qid, "failure")
        self.assertIn("sender: <>\n", out)
        self.assertIn("recipient: <%s>\n" % SENDER, out)
        self.assertIn("Content-Type: multipart/report; "
                      "report-type=delivery-status;", out)
        self.assertIn("\nTo: %s\n" % SENDER, out)
        self.assertIn("Subject: Undelivered Mail Returned to Sender", out)
        self.assertIn("\nFinal-Recipient: rfc822; %s\n" % RCPT, out)
        self.assertIn("\nOriginal-Recipient: rfc822; %s\n" % RCPT, out)
        self.assertIn("\nAction: failed\n", out)
        self.assertIn("\nStatus: 5.1.1\n", out)
        self.assertIn("\nRemote-MTA: dns; mx.example.net\n", out)
        self.assertIn("\nDiagnostic-Code: smtp; 550 5.1.1 <%s>: no such "
                      "user\n" % RCPT, out)
        self.assertIn("\nOriginal-Envelope-Id: env-test1\n", out)
        self.assertIn("\nReporting-MTA: dns; %s\n" % HOST, out)
        self.assertIn("Content-Type: message/rfc822", out)
        self.assertIn("Subject: bounce test", out)
        self.assertIn(BODY_LINE, out)
        self.sb.wait_log(r"%s: sender non-delivery notification: %s"
                         % (qid, new_id))
        # bounce changes neither the queue file nor the log.
        self.assertIsNotNone(self.find(qid))
        self.assertTrue(glob.glob(os.path.join(self.queue, "bounce", "*",
                                               qid)))

    def test_failure_headers_only(self):
        qid = self.smtp_submit(SENDER, [RCPT], mail_options=["RET=HDRS"])
        self.append(qid, 0, RCPT, "failed", "5.2.2", relay="local",
                    diag_type="x-unix", diagnostic="mailbox full")
        _, out = self.notification(qid, "failure")
        self.assertIn("Content-Type: text/rfc822-headers", out)
        self.assertIn("Subject: bounce test", out)
        self.assertNotIn(BODY_LINE, out)
        self.assertNotIn("Remote-MTA", out)
        self.assertIn("\nDiagnostic-Code: x-unix; mailbox full\n", out)

    def test_null_sender_to_postmaster(self):
        qid = self.smtp_submit("", [RCPT])
        self.append(qid, 0, RCPT, "failed", "5.1.1", relay="none")
        new_id, out = self.notification(qid, "failure")
        self.assertIn("sender: <double-bounce@%s>\n" % HOST, out)
        self.assertIn("recipient: <postmaster@%s>\n" % HOST, out)
        self.sb.wait_log(r"%s: postmaster non-delivery notification: %s"
                         % (qid, new_id))
        # Its own failure is dropped: no third message.
        before = self.incoming()
        self.append(new_id, 0, "postmaster@" + HOST, "failed", "5.1.1")
        status, none_id, text = self.flush(new_id, "failure")
        self.assertEqual((status, none_id), (0, ""))
        self.assertIn("double bounce", text)
        self.sb.wait_log(r"%s: dropped double bounce" % new_id)
        self.assertEqual(self.incoming(), before)

    def test_null_sender_delay_goes_nowhere(self):
        qid = self.qfile("", [RCPT])
        self.append(qid, 0, RCPT, "delayed", "4.4.1")
        before = self.incoming()
        status, new_id, _ = self.flush(qid, "delay")
        self.assertEqual((status, new_id), (0, ""))
        self.assertEqual(self.incoming(), before)

    def test_notify_never(self):
        qid = self.smtp_submit(SENDER, [RCPT], rcpt_options=["NOTIFY=NEVER"])
        self.append(qid, 0, RCPT, "failed", "5.1.1", notify="NEVER")
        before = self.incoming()
        status, new_id, text = self.flush(qid, "failure")
        self.assertEqual((status, new_id), (0, ""))
        self.assertEqual(self.incoming(), before)
        self.sb.wait_log(r"%s: no non-delivery notification: no recipient"
                         % qid)

    def test_some_never_some_not(self):
        qid = self.qfile(SENDER, ["a@example.net|NEVER", "b@example.net"])
        self.append(qid, 0, "a@example.net", "failed", "5.1.1",
                    notify="NEVER")
        self.append(qid, 1, "b@example.net", "failed", "5.7.1")
        _, out = self.notification(qid, "failure")
        self.assertIn("Final-Recipient: rfc822; b@example.net", out)
        self.assertNotIn("a@example.net", out.split("*** MESSAGE ***")[1])

    def test_delay(self):
        qid = self.qfile(SENDER, [RCPT])
        self.append(qid, 0, RCPT, "delayed", "4.4.1",
                    relay="mx.example.net[192.0.2.1]:25",
                    reason="connection timed out")
        new_id, out = self.notification(qid, "delay")
        self.assertIn("Subject: Delivery Status Notification (Delay)", out)
        self.assertIn("\nAction: delayed\n", out)
        self.assertIn("\nStatus: 4.4.1\n", out)
        self.assertIn("\nWill-Retry-Until: ", out)
        self.assertIn("Content-Type: text/rfc822-headers", out)
        self.assertNotIn(BODY_LINE, out)
        self.sb.wait_log(r"%s: sender delay notification: %s"
                         % (qid, new_id))

    def test_success(self):
        qid = self.qfile(SENDER, [RCPT + "|SUCCESS"])
        self.append(qid, 0, RCPT, "delivered", "2.0.0", relay="local",
                    notify="SUCCESS", reason="delivered to maildir")
        new_id, out = self.notification(qid, "success")
        self.assertIn("\nAction: delivered\n", out)
        self.assertIn("\nStatus: 2.0.0\n", out)
        self.sb.wait_log(r"%s: sender delivery status notification: %s"
                         % (qid, new_id))

    def test_diagnostic_injection(self):
        qid = self.qfile(SENDER, [RCPT])
        self.append(qid, 0, RCPT, "failed", "5.0.0",
                    relay="evil.example[192.0.2.9]:25", diag_type="smtp",
                    diagnostic="550 no\\r\\nX-Injected: yes\\r\\n\\r\\n"
                               "Subject: forged",
                    reason="bad\\nX-Injected-Too: yes")
        _, out = self.notification(qid, "failure")
        self.assertNotRegex(out, r"(?m)^X-Injected")
        self.assertNotRegex(out, r"(?m)^Subject: forged")
        self.assertNotIn("\r", out)
        self.assertIn("Diagnostic-Code: smtp; 550 no", out)

    def test_corrupt_queue_file(self):
        qid = self.qfile(SENDER, [RCPT])
        self.append(qid, 0, RCPT, "failed", "5.1.1")
        hold = os.path.join(self.queue, "hold", qid)
        shutil.copyfile(self.find(qid), hold)
        self._own(hold)
        with open(hold, "r+b") as f:
            data = f.read()
            pos = data.index(BODY_LINE.encode())
            f.seek(pos)
            f.write(b"X")
        status, new_id, text = self.flush(qid, "failure", queue="hold")
        self.assertEqual((status, new_id), (451, ""))
        self.assertIn("cannot read the queue file", text)
        with open(hold, "r+b") as f:
            f.truncate(100)
        status, _, text = self.flush(qid, "failure", queue="hold")
        self.assertEqual(status, 451)
        self.assertIn("cannot read the queue file", text)
        # A missing file too, and the daemon still works afterwards.
        status, _, text = self.flush("0000000000A", "failure")
        self.assertEqual(status, 451)
        new_id, _ = self.notification(qid, "failure")
        self.assertTrue(new_id)
        self.assertNotRegex(self.sb.log(), r"bounce.*(signal|core)")

    def test_garbage_log(self):
        qid = self.qfile(SENDER, [RCPT])
        self.append(qid, 0, RCPT, "failed", "5.1.1")
        path = glob.glob(os.path.join(self.queue, "bounce", "*", qid))[0]
        with open(path, "ab") as f:
            f.write(b"\x07garbage\x00\x00\x00\x03abc" + b"\x00" * 4)
        before = self.incoming()
        status, new_id, text = self.flush(qid, "failure")
        self.assertEqual((status, new_id), (451, ""))
        self.assertIn("cannot read the bounce log", text)
        self.assertIn("record 2", text)
        self.assertEqual(self.incoming(), before)
        # An empty log (never written): nothing to send.
        qid2 = self.qfile(SENDER, [RCPT])
        status, new_id, _ = self.flush(qid2, "failure")
        self.assertEqual((status, new_id), (0, ""))

    def test_cleanup_unreachable(self):
        qid = self.qfile(SENDER, [RCPT])
        self.append(qid, 0, RCPT, "failed", "5.1.1")
        sock = os.path.join(self.queue, "private", "cleanup")
        os.rename(sock, sock + ".away")
        try:
            before = self.incoming()
            status, new_id, text = self.flush(qid, "failure")
        finally:
            os.rename(sock + ".away", sock)
        self.assertEqual((status, new_id), (451, ""))
        self.assertIn("cannot queue the notification", text)
        self.assertEqual(self.incoming(), before)
        # Once cleanup is back, the same request works.
        new_id, _ = self.notification(qid, "failure")
        self.assertTrue(new_id)

    def test_bad_requests(self):
        qid = self.qfile(SENDER, [RCPT])
        for queue, ident, kind in (("incoming", qid, "bogus"),
                                   ("incoming", "../../etc", "failure"),
                                   ("private", qid, "failure"),
                                   ("bounce", qid, "failure")):
            status, new_id, text = self.flush(ident, kind, queue=queue)
            self.assertEqual((status, new_id), (451, ""), (queue, kind))
            self.assertIn("bad request", text)


if __name__ == "__main__":
    unittest.main()
