"""Integration tests of the SMTP/LMTP client, smtp(8).

A sandbox runs smtp (and lmtp) under master; a queue file made with
build/tests/qfile_make sits in hold/ (where qmgr never looks) and
build/tests/deliver_request sends the lib/deliver.h request to
private/smtp or private/lmtp, printing one line per recipient result.
The peers are the fakes of tests/integration/fakes.py: FakeDNS (the
agent's dns_resolver_address) and SmtpSink.  Assertions are on the
results, the bytes the sink received, the queue file's status bytes and
the log lines.
"""

import os
import pwd
import re
import socket
import subprocess
import threading
import time
import unittest

from petrel_test import BUILD, IS_ROOT, SandboxTestCase, prog, wait_for
from fakes import FakeDNS, SmtpSink

QFILE_MAKE = os.path.join(BUILD, "tests", "qfile_make")
DELIVER_REQUEST = os.path.join(BUILD, "tests", "deliver_request")

MSG = (b"Received: from client.example (client.example [192.0.2.9])\n"
       b"\tby mail.example.test (Petrel) with ESMTP id X1\n"
       b"Received: from earlier.example by client.example\n"
       b"Subject: test\n"
       b"\n"
       b"line one\n"
       b".leading dot\n"
       b"..two dots\n"
       b".\n"
       b"last line\n")


def zones(sink_port=None):
    return {
        "example.org": [("MX", 10, "mx1.example.org")],
        "mx1.example.org": [("A", "127.0.0.1")],
        "pref.example": [("MX", 10, "dead.pref.example"),
                         ("MX", 20, "live.pref.example")],
        "dead.pref.example": [("A", "127.0.0.2")],
        "live.pref.example": [("A", "127.0.0.1")],
        "nullmx.example": [("MX", 0, ".")],
        "noaddr.example": [("TXT", "nothing here")],
        "implicit.example": [("A", "127.0.0.1")],
        "broken.example": "SERVFAIL",
        "loop.example": [("MX", 10, "mail.example.test")],
        "relay.example": [("A", "127.0.0.1")],
    }


class SmtpTestCase(SandboxTestCase):
    """A sandbox with smtp and lmtp, FakeDNS, and helpers."""

    def setUp(self):
        super().setUp()
        for name in ("smtp", "qfile_make", "deliver_request"):
            try:
                prog(name)
            except FileNotFoundError:
                self.skipTest("%s not built" % name)
        self.queue = os.path.join(self.sb.dir, "queue")
        self.dns = FakeDNS(zones())
        self.addCleanup(self.dns.stop)
        self.sinks = []

    def sink(self, **kw):
        s = SmtpSink(**kw)
        self.addCleanup(s.stop)
        self.sinks.append(s)
        return s

    def boot(self, port, **params):
        conf = {
            "dns_resolver_address": self.dns.address,
            "smtp_tcp_port": str(port),
            "smtp_connect_timeout": "5s",
            "smtp_helo_timeout": "5s",
            "smtp_mail_timeout": "5s",
            "smtp_rcpt_timeout": "5s",
            "smtp_data_init_timeout": "5s",
            "smtp_data_done_timeout": "5s",
            "smtp_quit_timeout": "5s",
            "inet_protocols": "ipv4",
        }
        conf.update(params)
        with open(os.path.join(self.sb.etc, "main.cf"), "a") as f:
            f.write("\n# test_smtp\n")
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
        self.sb.start()
        wait_for(lambda: all(os.path.exists(os.path.join(self.queue, d))
                             for d in ("private/smtp", "hold",
                                       "incoming")), 10,
                 what="private/smtp and the queue")

    def make(self, rcpts, content=MSG, sender="alice@example.net",
             attrs=()):
        args = [QFILE_MAKE, "-d", self.queue, "-m", "hold", "-f", sender]
        for a in attrs:
            args += ["-a", a]
        r = subprocess.run(args + list(rcpts), input=content,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        qid = r.stdout.decode().strip()
        if IS_ROOT:
            pw = pwd.getpwnam("petrel")
            os.chown(os.path.join(self.queue, "hold", qid), pw.pw_uid,
                     pw.pw_gid)
        return qid

    def deliver(self, qid, nexthop, transport="smtp", timeout=60):
        """Results {index: (result, dsn, action, relay, reason)}."""
        r = subprocess.run(
            [DELIVER_REQUEST, "-d", self.queue, "-m", "hold", "-t",
             transport, "-n", nexthop,
             os.path.join(self.queue, "private", transport), qid],
            capture_output=True, timeout=timeout)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        res = {}
        for line in out.splitlines():
            if line == "done":
                continue
            f = line.split(" ", 5)
            res[int(f[0])] = tuple(f[1:])
        return res

    def status_bytes(self, qid):
        r = subprocess.run([prog("petrel-cat"), "-c", self.sb.etc, "-e",
                            os.path.join(self.queue, "hold", qid)],
                           capture_output=True, timeout=30)
        return r.stdout.decode(errors="replace")


class SmtpDeliveryTest(SmtpTestCase):

    def test_happy_path_bytes_and_log(self):
        sink = self.sink()
        self.boot(sink.port)
        qid = self.make(["bob@example.org", "carol@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "sent", res)
        self.assertEqual(res[1][0], "sent", res)
        self.assertEqual(res[0][1], "2.0.0")
        self.assertTrue(res[0][3].startswith("mx1.example.org[127.0.0.1]:"),
                        res)
        self.assertEqual(len(sink.messages), 1)
        m = sink.messages[0]
        self.assertEqual(m.mail_from, "alice@example.net")
        self.assertEqual(m.rcpts, ["bob@example.org", "carol@example.org"])
        # What the sink got, unstuffed, is the queue content with CR LF.
        self.assertEqual(m.data, MSG.replace(b"\n", b"\r\n"))
        self.assertEqual(m.helo, "mail.example.test")
        self.sb.wait_log(r"%s: to=<bob@example.org>, relay=mx1\.example\.org"
                         r"\[127\.0\.0\.1\]:\d+, delay=[\d.]+, "
                         r"delays=[\d.]+/0/[\d.]+/[\d.]+, dsn=2\.0\.0, "
                         r"status=sent \(250 " % qid)
        # Delivered recipients are marked in the queue file.
        with open(os.path.join(self.queue, "hold", qid), "rb") as f:
            data = f.read()
        self.assertIn(b"D", data)

    def test_many_recipients_marked_together(self):
        # One DATA reply accepts all 40: all are marked (one fsync)
        # before any is reported, and each is reported and logged.
        sink = self.sink()
        self.boot(sink.port)
        rcpts = ["r%02d@example.org" % i for i in range(40)]
        qid = self.make(rcpts)
        res = self.deliver(qid, "example.org")
        self.assertEqual(sorted(res), list(range(40)))
        self.assertEqual({v[0] for v in res.values()}, {"sent"}, res)
        self.assertEqual(len(sink.messages), 1)
        self.assertEqual(sink.messages[0].rcpts, rcpts)
        self.assertEqual(re.findall(r"^    status: (\w+)",
                                    self.status_bytes(qid), re.M),
                         ["delivered"] * 40)
        wait_for(lambda: len(re.findall(r"%s: to=<r\d\d@example\.org>, "
                                        r".*status=sent \(250 " % qid,
                                        self.sb.log())) == 40, 10,
                 what="40 status=sent lines")

    def test_mx_preference_dead_first(self):
        sink = self.sink()
        self.boot(sink.port)
        qid = self.make(["bob@pref.example"])
        res = self.deliver(qid, "pref.example")
        self.assertEqual(res[0][0], "sent", res)
        self.assertIn("live.pref.example[127.0.0.1]", res[0][3])
        self.assertEqual(len(sink.messages), 1)

    def test_null_mx_bounces(self):
        sink = self.sink()
        self.boot(sink.port)
        qid = self.make(["bob@nullmx.example"])
        res = self.deliver(qid, "nullmx.example")
        self.assertEqual(res[0][:2], ("bounced", "5.1.10"), res)
        self.assertEqual(sink.connections, 0)

    def test_nxdomain_bounces(self):
        sink = self.sink()
        self.boot(sink.port)
        qid = self.make(["bob@nowhere.example"])
        res = self.deliver(qid, "nowhere.example")
        self.assertEqual(res[0][:2], ("bounced", "5.1.2"), res)
        self.assertIn("Host or domain name not found", res[0][4])

    def test_servfail_defers(self):
        sink = self.sink()
        self.boot(sink.port)
        qid = self.make(["bob@broken.example"])
        res = self.deliver(qid, "broken.example")
        self.assertEqual(res[0][:2], ("deferred", "4.4.3"), res)

    def test_mx_loop_bounces(self):
        sink = self.sink()
        self.boot(sink.port)
        qid = self.make(["bob@loop.example"])
        res = self.deliver(qid, "loop.example")
        self.assertEqual(res[0][:2], ("bounced", "5.4.6"), res)

    def test_implicit_mx_and_bracketed_host(self):
        sink = self.sink()
        self.boot(sink.port)
        qid = self.make(["bob@implicit.example"])
        res = self.deliver(qid, "implicit.example")
        self.assertEqual(res[0][0], "sent", res)
        qid = self.make(["bob@elsewhere.example"])
        res = self.deliver(qid, "[127.0.0.1]:%d" % sink.port)
        self.assertEqual(res[0][0], "sent", res)
        self.assertEqual(len(sink.messages), 2)

    def test_mixed_recipient_results(self):
        def rcpt(sess, arg):
            if "defer" in arg:
                return "450 4.2.0 try later"
            if "nouser" in arg:
                return "550 5.1.1 no such user"
            return None
        sink = self.sink(rcpt_reply=rcpt)
        self.boot(sink.port)
        qid = self.make(["ok@example.org", "defer@example.org",
                         "nouser@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("sent", "2.0.0"), res)
        self.assertEqual(res[1][:2], ("deferred", "4.2.0"), res)
        self.assertEqual(res[2][:2], ("bounced", "5.1.1"), res)
        self.assertIn("said: 550 5.1.1 no such user (in reply to RCPT TO "
                      "command)", res[2][4])
        self.assertEqual(sink.messages[0].rcpts, ["ok@example.org"])
        self.sb.wait_log(r"to=<nouser@example.org>, .*dsn=5\.1\.1, "
                         r"status=bounced \(host mx1\.example\.org"
                         r"\[127\.0\.0\.1\] said: 550 5\.1\.1 no such user "
                         r"\(in reply to RCPT TO command\)\)")

    def test_4xx_greeting_defers(self):
        sink = self.sink(greeting="421 4.3.2 go away")
        self.boot(sink.port)
        qid = self.make(["bob@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "deferred", res)
        self.assertIn("refused to talk to me: 421", res[0][4])
        self.assertEqual(sink.messages, [])

    def test_5xx_greeting_tries_next_mx(self):
        sink = self.sink(greeting="554 5.7.1 no")
        self.boot(sink.port)
        qid = self.make(["bob@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "deferred", res)
        self.assertTrue(res[0][1].startswith("4."), res)

    def test_mail_5xx_bounces_all(self):
        sink = self.sink(mail_reply=lambda s, a: "553 5.7.1 sender refused")
        self.boot(sink.port)
        qid = self.make(["a@example.org", "b@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("bounced", "5.7.1"), res)
        self.assertEqual(res[1][:2], ("bounced", "5.7.1"), res)

    def test_data_reply_4xx_defers(self):
        sink = self.sink(data_reply=lambda s, a: "451 4.3.0 disk full")
        self.boot(sink.port)
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("deferred", "4.3.0"), res)
        self.assertIn("in reply to end of DATA command", res[0][4])

    def test_no_pipelining_no_esmtp(self):
        sink = self.sink(ehlo=())
        self.boot(sink.port)
        qid = self.make(["a@example.org", "b@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual([res[0][0], res[1][0]], ["sent", "sent"], res)

    def test_helo_fallback(self):
        sink = self.sink(helo_reply=lambda s, a: "502 5.5.1 no EHLO"
                         if s.esmtp else None)
        self.boot(sink.port)
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "sent", res)

    def test_size_limit_bounces(self):
        sink = self.sink(ehlo=("PIPELINING", "SIZE 100", "8BITMIME"))
        self.boot(sink.port)
        qid = self.make(["a@example.org"], content=b"Subject: x\n\n"
                        + b"y" * 500 + b"\n")
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("bounced", "5.3.4"), res)
        self.assertEqual(sink.messages, [])

    def test_smtputf8_required(self):
        sink = self.sink(ehlo=("PIPELINING", "8BITMIME"))
        self.boot(sink.port)
        qid = self.make(["a@example.org"], attrs=["smtputf8=yes"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("bounced", "5.6.7"), res)
        self.assertIn("SMTPUTF8 support required", res[0][4])

    def test_8bit_to_7bit_server(self):
        sink = self.sink(ehlo=("PIPELINING",))
        self.boot(sink.port)
        body = ("Subject: x\nMIME-Version: 1.0\nContent-Type: text/plain; "
                "charset=utf-8\n\ngr\u00fc\u00dfe\n").encode()
        qid = self.make(["a@example.org"], content=body,
                        attrs=["body_type=8BITMIME"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "sent", res)
        data = sink.messages[0].data
        self.assertTrue(all(b < 0x80 for b in data), data)
        self.assertNotIn("BODY", sink.messages[0].mail_params)
        self.assertIn(b"Content-Transfer-Encoding: quoted-printable", data)

    def test_8bitmime_and_dsn_params(self):
        sink = self.sink()
        self.boot(sink.port)
        body = "Subject: x\n\ngr\u00fc\u00dfe\n".encode()
        qid = self.make(["a@example.org|SUCCESS,FAILURE|rfc822;A+B@example"
                         ".org"], content=body,
                        attrs=["body_type=8BITMIME", "dsn_ret=HDRS",
                               "dsn_envid=env 1"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "sent", res)
        m = sink.messages[0]
        self.assertEqual(m.mail_params.get("BODY"), "8BITMIME")
        self.assertEqual(m.mail_params.get("RET"), "HDRS")
        self.assertEqual(m.mail_params.get("ENVID"), "env+201")
        rp = m.rcpt_params[0]
        self.assertEqual(rp.get("NOTIFY"), "SUCCESS,FAILURE")
        self.assertEqual(rp.get("ORCPT"), "rfc822;A+2BB@example.org")
        self.assertEqual(res[0][2], "delivered")

    def test_relayed_without_dsn(self):
        sink = self.sink(ehlo=("PIPELINING", "8BITMIME"))
        self.boot(sink.port)
        qid = self.make(["a@example.org|SUCCESS"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "relayed"), res)

    def test_connection_reuse(self):
        sink = self.sink()
        self.boot(sink.port, smtp_connection_cache_time_limit="5s")
        q1 = self.make(["a@example.org"])
        q2 = self.make(["b@example.org"])
        self.assertEqual(self.deliver(q1, "example.org")[0][0], "sent")
        self.assertEqual(self.deliver(q2, "example.org")[0][0], "sent")
        self.assertEqual(len(sink.messages), 2)
        # Both requests may land in one process (one idle smtp process).
        self.assertLessEqual(sink.connections, 2)


class SmtpTlsTest(SmtpTestCase):

    def cert(self):
        c = os.path.join(self.sb.etc, "tls", "cert.pem")
        k = os.path.join(self.sb.etc, "tls", "key.pem")
        if not (os.path.exists(c) and os.path.exists(k)):
            self.skipTest("sandbox has no certificate")
        return c, k

    def test_starttls_may(self):
        sink = self.sink(starttls=self.cert())
        self.boot(sink.port)
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "sent", res)
        self.assertTrue(sink.messages[0].tls)
        self.sb.wait_log(r"Untrusted TLS connection established to "
                         r"mx1\.example\.org\[127\.0\.0\.1\]:\d+: TLSv1\.")

    def test_encrypt_without_starttls_defers(self):
        sink = self.sink()
        self.boot(sink.port, smtp_tls_security_level="encrypt")
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("deferred", "4.7.5"), res)
        self.assertEqual(sink.messages, [])

    def test_policy_map_encrypt(self):
        sink = self.sink()
        self.boot(sink.port, smtp_tls_policy_maps=
                  "inline:{example.org=encrypt}")
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("deferred", "4.7.5"), res)
        qid = self.make(["a@implicit.example"])
        res = self.deliver(qid, "implicit.example")
        self.assertEqual(res[0][0], "sent", res)

    def test_encrypt_with_starttls(self):
        sink = self.sink(starttls=self.cert())
        self.boot(sink.port, smtp_tls_security_level="encrypt")
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "sent", res)
        self.assertTrue(sink.messages[0].tls)

    def test_verify_fails_self_signed(self):
        sink = self.sink(starttls=self.cert())
        self.boot(sink.port, smtp_tls_security_level="verify")
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][:2], ("deferred", "4.7.5"), res)


class LmtpTest(SmtpTestCase):

    def test_lmtp_tcp_per_recipient_replies(self):
        def data(sess, arg):
            if "full" in (sess.current_rcpt or ""):
                return "452 4.2.2 mailbox full"
            if "gone" in (sess.current_rcpt or ""):
                return "550 5.1.1 gone"
            return None
        sink = self.sink(lmtp=True, data_reply=data)
        self.boot(sink.port)
        wait_for(lambda: os.path.exists(
            os.path.join(self.queue, "private", "lmtp")), 10,
            what="private/lmtp")
        qid = self.make(["ok@example.org", "full@example.org",
                         "gone@example.org"])
        res = self.deliver(qid, "inet:127.0.0.1:%d" % sink.port,
                           transport="lmtp")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "delivered"), res)
        self.assertEqual(res[1][:2], ("deferred", "4.2.2"), res)
        self.assertEqual(res[2][:2], ("bounced", "5.1.1"), res)
        self.assertTrue(sink.sessions[0].transcript)

    def test_lmtp_accepted_recipients_marked(self):
        # Replies that arrive together are marked with one fsync, each
        # still reported with its own reply.
        def data(sess, arg):
            if "gone" in (sess.current_rcpt or ""):
                return "550 5.1.1 gone"
            return None
        sink = self.sink(lmtp=True, data_reply=data)
        self.boot(sink.port)
        wait_for(lambda: os.path.exists(
            os.path.join(self.queue, "private", "lmtp")), 10,
            what="private/lmtp")
        rcpts = ["ok1@example.org", "ok2@example.org", "gone@example.org",
                 "ok3@example.org"]
        qid = self.make(rcpts)
        res = self.deliver(qid, "inet:127.0.0.1:%d" % sink.port,
                           transport="lmtp")
        self.assertEqual([res[i][0] for i in range(4)],
                         ["sent", "sent", "bounced", "sent"], res)
        self.assertEqual(re.findall(r"^    status: (\w+)",
                                    self.status_bytes(qid), re.M),
                         ["delivered", "delivered", "pending", "delivered"])
        for r in ("ok1", "ok2", "ok3"):
            self.sb.wait_log(r"%s: to=<%s@example\.org>, relay=.*"
                             r"status=sent \(250 " % (qid, r))

    def test_lmtp_unix_socket(self):
        path = os.path.join(self.sb.tmp, "lmtp.sock")
        sink = self.sink(lmtp=True, unix_path=path)
        self.boot(2525)
        wait_for(lambda: os.path.exists(
            os.path.join(self.queue, "private", "lmtp")), 10,
            what="private/lmtp")
        qid = self.make(["a@example.org", "b@example.org"])
        res = self.deliver(qid, "unix:" + path, transport="lmtp")
        self.assertEqual([res[0][0], res[1][0]], ["sent", "sent"], res)
        self.assertEqual(sink.messages[0].rcpts,
                         ["a@example.org", "b@example.org"])


class HostileServer:
    """A server that greets with script[0] bytes and answers every line
    with the next item of script (bytes, or None to stay silent)."""

    def __init__(self, script):
        self.script = script
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.settimeout(10)
            try:
                it = iter(self.script)
                first = next(it)
                if first:
                    c.sendall(first)
                f = c.makefile("rb")
                for item in it:
                    line = f.readline()
                    if not line:
                        break
                    if item:
                        c.sendall(item)
            except (OSError, StopIteration):
                pass
            finally:
                c.close()

    def stop(self):
        self.sock.close()


class SmtpHostileTest(SmtpTestCase):

    def hostile(self, script):
        h = HostileServer(script)
        self.addCleanup(h.stop)
        self.boot(h.port)
        qid = self.make(["a@example.org"])
        res = self.deliver(qid, "example.org")
        self.assertEqual(res[0][0], "deferred", res)
        # The agent survived: no crash in the log.
        self.assertNotRegex(self.sb.log(), r"smtp\[\d+\]: (panic|fatal)")
        self.assertNotRegex(self.sb.log(), r"killed by signal")
        return res

    def test_garbage_greeting(self):
        res = self.hostile([b"hello there\r\n"])
        self.assertIn("malformed", res[0][4])

    def test_overlong_line(self):
        self.hostile([b"220-" + b"x" * 100000 + b"\r\n220 ok\r\n"])

    def test_thousand_line_reply(self):
        self.hostile([b"220 hi\r\n", b"250-x\r\n" * 5000 + b"250 ok\r\n"])

    def test_nul_in_reply(self):
        self.hostile([b"220 hi\r\n", b"250 o\x00k\r\n"])

    def test_reply_before_command(self):
        self.hostile([b"220 hi\r\n250 early\r\n250 early\r\n", b"250 x\r\n",
                      b"250 x\r\n", b"250 x\r\n", b"354 go\r\n"])

    def test_silent_server_times_out(self):
        res = self.hostile([None])
        self.assertIn("timed out", res[0][4])


if __name__ == "__main__":
    unittest.main()
