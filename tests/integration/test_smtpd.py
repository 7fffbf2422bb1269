"""smtpd(8) against real clients: smtplib, ssl, raw sockets and swaks.

Each test class starts one sandbox (petrel-setup) with the parameters it
needs, talks to its smtp (N+25), submission (N+587) and smtps (N+465)
listeners, and checks replies, log lines and the queue files cleanup
wrote (through petrel-cat).  The crash tests get a sandbox each.
"""

import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import time
import unittest

from petrel_test import (IS_ROOT, Sandbox, children_of, pid_alive, proc_status,
                         prog, run, wait_for)

QUEUE_ID = re.compile(r"^[0-9A-Za-z]{11,21}$")
USER = "demo@example.test"
PASSWORD = "secret-Pw1"
HOST = "mail.example.test"
EHLO_25 = ["mail.example.test", "PIPELINING", "SIZE 10240000", "STARTTLS",
           "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]

# The SMTP smuggling variants of ../shared/PEERS.md: fake ends of data.
SMUGGLE = [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r\n.\r\r\n",
           b"\r\r\n.\r\r\n", b"\n.\r", b"\r.\n", b"\r.\r", b"\r.\r\n",
           b"\r\n.\r", b"\r\n\x00.\r\n", b"\r\x00.\r\n", b"\r\n.\x00\r\n",
           b"\n\x00.\n"]
SPOOF = (b"MAIL FROM:<evil@x.example>\r\nRCPT TO:<demo@example.test>\r\n"
         b"DATA\r\nFrom: spoofed\r\n\r\nspoofed\r\n")


class Conn:
    """A raw SMTP connection: exact bytes out, replies parsed."""

    def __init__(self, port, source=None, timeout=15):
        src = (source, 0) if source else None
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout,
                                             source_address=src)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def reply(self):
        """(code, [texts]) of one possibly multi-line reply."""
        texts = []
        while True:
            line = self._line()
            texts.append(line[4:].decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), texts

    def cmd(self, line):
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.reply()

    def ehlo(self, name="client.example"):
        return self.cmd("EHLO " + name)

    def starttls(self, ctx, hostname="localhost"):
        self.sock = ctx.wrap_socket(self.sock, server_hostname=hostname)

    def closed(self, timeout=10):
        """True when the server closes the connection (EOF or reset)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(4096)
                if not data:
                    return True
                self.buf += data
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class SmtpdCase(unittest.TestCase):
    """One started sandbox per class, configured by `config`."""

    config = {}
    sb = None

    @classmethod
    def setUpClass(cls):
        try:
            prog("smtpd")
            prog("cleanup")
        except FileNotFoundError as e:
            raise unittest.SkipTest(str(e))
        cls.sb = Sandbox(delivery=False)
        try:
            settings = dict({"auth_failure_delay": "1s"}, **cls.config)
            cls.set_conf(settings)
            cls.sb.start()
            wait_for(lambda: cls.port_open(cls.sb.port("smtp")),
                     what="smtpd listening")
        except Exception:
            cls.sb.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.sb:
            cls.sb.cleanup()

    @classmethod
    def set_conf(cls, settings):
        if not settings:
            return
        r = run([prog("petrel-conf"), "-c", cls.sb.etc, "-e"]
                + ["%s=%s" % kv for kv in settings.items()])
        if r.returncode != 0:
            raise AssertionError("petrel-conf -e: " + r.stderr)

    @staticmethod
    def port_open(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return True
        except OSError:
            return False

    # Helpers.

    def conn(self, service="smtp", greet=True, **kw):
        c = Conn(self.sb.port(service), **kw)
        self.addCleanup(c.close)
        if greet:
            code, text = c.reply()
            self.assertEqual(code, 220, text)
        return c

    def conn_when_counted_free(self, timeout=10.0):
        """A greeted connection, retried while connections of earlier
        tests (closed, but not yet counted out by anvil) still count."""
        deadline = time.monotonic() + timeout
        while True:
            c = Conn(self.sb.port("smtp"))
            self.addCleanup(c.close)
            code, text = c.reply()
            if code == 220 or time.monotonic() > deadline:
                self.assertEqual(code, 220, text)
                return c
            c.close()
            time.sleep(0.1)

    def tls_context(self):
        ctx = ssl.create_default_context(cafile=self.sb.info["cert"])
        ctx.check_hostname = True
        return ctx

    def queue_dir(self, name="incoming"):
        return os.path.join(self.sb.dir, "queue", name)

    def queue_ids(self):
        """Every queued message, wherever qmgr has put it by now."""
        ids = set()
        for name in ("incoming", "active", "hold", "deferred", "corrupt"):
            for top, _, files in os.walk(self.queue_dir(name)):
                ids.update(f for f in files if QUEUE_ID.match(f))
        return ids

    def cat(self, qid, *flags):
        r = subprocess.run([prog("petrel-cat"), "-c", self.sb.etc]
                           + list(flags) + [qid], capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def body(self, qid):
        out = self.cat(qid, "-b")
        self.assertTrue(out.startswith(b"*** BODY ***\n"), out[:80])
        self.assertTrue(out.endswith(b"*** END ***\n"), out[-80:])
        return out[len(b"*** BODY ***\n"):-len(b"*** END ***\n")]

    def headers(self, qid):
        return self.cat(qid, "-h").decode("utf-8", "replace")

    def envelope(self, qid):
        return self.cat(qid, "-e").decode("utf-8", "replace")

    def queued_id(self, code, texts):
        self.assertEqual(code, 250, texts)
        m = re.match(r"2\.0\.0 Ok: queued as (\S+)$", texts[-1])
        self.assertTrue(m, texts)
        qid = m.group(1)
        self.assertIn(qid, self.queue_ids())
        return qid

    def start_txn(self, c, rcpts=(USER,), sender="sender@example.test"):
        self.assertEqual(c.ehlo()[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender)[0], 250)
        for r in rcpts:
            code, text = c.cmd("RCPT TO:<%s>" % r)
            self.assertEqual(code, 250, text)

    def send_message(self, c, data):
        """DATA with raw bytes (dot-stuffed, ending in CRLF.CRLF)."""
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(data)
        return c.reply()

    def wait_log(self, pattern, timeout=10):
        return self.sb.wait_log(pattern, timeout)

    def smtp_pids(self):
        master = self.sb.master_pid()
        return [p for p in children_of(master) if self.comm(p) == "smtpd"]

    @staticmethod
    def comm(pid):
        try:
            with open("/proc/%d/comm" % pid) as f:
                return f.read().strip()
        except OSError:
            return ""

    def server_pid(self, c):
        """The smtpd process that serves connection c."""
        lport = c.sock.getsockname()[1]
        inodes = set()
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[2].split(":")[1], 16) == lport:
                    inodes.add("socket:[%s]" % fields[9])
        for pid in children_of(self.sb.master_pid()):
            try:
                for fd in os.listdir("/proc/%d/fd" % pid):
                    if os.readlink("/proc/%d/fd/%s" % (pid, fd)) in inodes:
                        return pid
            except OSError:
                continue
        raise AssertionError("no process serves local port %d" % lport)


class TestSession(SmtpdCase):
    """Greeting, EHLO, sequencing, limits of the default configuration."""

    def test_greeting_and_ehlo_capabilities(self):
        c = self.conn(greet=False)
        code, text = c.reply()
        self.assertEqual((code, text), (220, [HOST + " ESMTP Petrel"]))
        code, text = c.ehlo()
        self.assertEqual(code, 250)
        self.assertEqual(text, EHLO_25)
        code, text = c.cmd("HELO client.example")
        self.assertEqual((code, text), (250, [HOST]))
        self.assertEqual(c.cmd("QUIT"), (221, ["2.0.0 Bye"]))
        self.assertTrue(c.closed())
        self.wait_log(r"connect from localhost\[127\.0\.0\.1\]")
        self.wait_log(r"disconnect from localhost\[127\.0\.0\.1\] ehlo=1 "
                      r"helo=1 quit=1 commands=3|disconnect from localhost"
                      r"\[127\.0\.0\.1\] helo=1 ehlo=1 quit=1 commands=3")

    def test_plain_message_with_dsn(self):
        s = smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                         local_hostname="client.example", timeout=15)
        self.addCleanup(s.close)
        s.ehlo()
        self.assertTrue(s.has_extn("dsn"))
        code, _ = s.mail("alice@example.test",
                         ["RET=HDRS", "ENVID=env+2Bid", "BODY=8BITMIME"])
        self.assertEqual(code, 250)
        for r in (USER, "other@remote.example"):
            code, _ = s.rcpt(r, ["NOTIFY=SUCCESS,FAILURE",
                                 "ORCPT=rfc822;orig+2B1@example.test"])
            self.assertEqual(code, 250)
        # smtplib dot-stuffs: ".leading dot" travels as "..leading dot".
        body = b"first line\r\n.leading dot\r\n\r\nlast\r\n"
        code, text = s.data(b"Subject: plain\r\n\r\n" + body)
        qid = self.queued_id(code, [text.decode()])
        s.quit()
        env = self.envelope(qid)
        self.assertIn("sender: <alice@example.test>", env)
        self.assertIn("recipient: <%s>" % USER, env)
        self.assertIn("recipient: <other@remote.example>", env)
        self.assertIn("dsn_envid: env+id", env)
        self.assertIn("dsn_ret: HDRS", env)
        self.assertIn("body_type: 8BITMIME", env)
        self.assertEqual(env.count("orcpt: rfc822;orig+1@example.test"), 2)
        self.assertEqual(env.count("notify: SUCCESS,FAILURE"), 2)
        self.assertIn("protocol: ESMTP\n", env)
        self.assertIn("helo_name: client.example", env)
        self.assertIn("client_address: 127.0.0.1", env)
        hdrs = self.headers(qid)
        self.assertTrue(hdrs.startswith(
            "*** HEADERS ***\nReceived: from client.example (localhost "
            "[127.0.0.1])\n\tby %s (Petrel) with ESMTP id %s;\n\t"
            % (HOST, qid)), hdrs)
        self.assertIn("Subject: plain\n", hdrs)
        self.assertEqual(self.body(qid), b"first line\n.leading dot\n\nlast\n")
        self.wait_log(r"(?m)%s: client=localhost\[127\.0\.0\.1\]$" % qid)

    def test_single_recipient_received_for(self):
        c = self.conn()
        self.start_txn(c)
        code, text = self.send_message(c, b"Subject: x\r\n\r\nhi\r\n.\r\n")
        qid = self.queued_id(code, text)
        hdrs = self.headers(qid)
        self.assertIn("\tby %s (Petrel) with ESMTP id %s\n\tfor <%s>; "
                      % (HOST, qid, USER), hdrs)

    def test_starttls_verified(self):
        s = smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                         local_hostname="client.example", timeout=15)
        self.addCleanup(s.close)
        s._host = "localhost"           # the name to verify
        s.ehlo()
        self.assertTrue(s.has_extn("starttls"))
        code, _ = s.starttls(context=self.tls_context())
        self.assertEqual(code, 220)
        self.assertIn(s.sock.version(), ("TLSv1.2", "TLSv1.3"))
        s.ehlo()
        self.assertFalse(s.has_extn("starttls"))
        self.assertFalse(s.has_extn("auth"))     # port 25: AUTH is off
        self.assertEqual(s.mail("a@example.test")[0], 250)
        self.assertEqual(s.rcpt(USER)[0], 250)
        code, text = s.data(b"Subject: tls\r\n\r\nsecret\r\n")
        qid = self.queued_id(code, [text.decode()])
        s.quit()
        hdrs = self.headers(qid)
        self.assertRegex(hdrs, r"\t\(using TLSv1\.[23] with cipher \S+ "
                         r"\(\d+/\d+ bits\)\)\n\tby %s \(Petrel\) with ESMTPS"
                         % HOST)
        self.wait_log(r"TLS connection established from "
                      r"localhost\[127\.0\.0\.1\]: TLSv1\.[23] with cipher")

    def test_starttls_forgets_state(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        self.assertEqual(c.cmd("STARTTLS")[0], 220)
        c.starttls(self.tls_context())
        # RFC 3207: the EHLO before TLS is forgotten.
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 503)
        code, text = c.ehlo()
        self.assertEqual(code, 250)
        self.assertNotIn("STARTTLS", text)
        self.assertEqual(c.cmd("STARTTLS")[0], 554)

    def test_starttls_with_pipelined_plaintext_refused(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        c.send(b"STARTTLS\r\nMAIL FROM:<injected@example.test>\r\n")
        code, text = c.reply()
        self.assertEqual(code, 503, text)
        self.assertIn("5.5.0", text[0])
        self.assertTrue(c.closed())
        self.wait_log(r"improper command pipelining after STARTTLS from "
                      r"localhost\[127\.0\.0\.1\]")

    def test_implicit_tls_auth_plain(self):
        s = smtplib.SMTP_SSL("127.0.0.1", self.sb.port("smtps"),
                             local_hostname="client.example", timeout=15,
                             context=self.tls_context())
        self.addCleanup(s.close)
        # SMTP_SSL checks the host name given; connect by address but
        # verify "localhost".
        s.ehlo()
        self.assertEqual(s.esmtp_features.get("auth", "").split(),
                         ["PLAIN", "LOGIN"])
        s.login(USER, PASSWORD)
        self.assertEqual(s.mail("a@example.test")[0], 250)
        self.assertEqual(s.rcpt("x@remote.example")[0], 250)
        code, text = s.data(b"Subject: 465\r\n\r\nimplicit\r\n")
        qid = self.queued_id(code, [text.decode()])
        s.quit()
        self.wait_log(r"%s: client=localhost\[127\.0\.0\.1\], "
                      r"sasl_method=PLAIN, sasl_username=demo@example\.test"
                      % qid)
        hdrs = self.headers(qid)
        self.assertIn("\t(Authenticated sender: %s)\n" % USER, hdrs)
        self.assertIn("with ESMTPSA id %s" % qid, hdrs)
        env = self.envelope(qid)
        self.assertIn("sasl_method: PLAIN", env)
        self.assertIn("sasl_username: %s" % USER, env)

    def submission(self):
        """A submission connection after STARTTLS and EHLO."""
        c = self.conn("submission")
        code, text = c.ehlo()
        self.assertIn("STARTTLS", text)
        self.assertNotIn("AUTH PLAIN LOGIN", text)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 530)
        self.assertEqual(c.cmd("AUTH PLAIN AGRlbW8AeA==")[0], 530)
        self.assertEqual(c.cmd("STARTTLS")[0], 220)
        c.starttls(self.tls_context())
        code, text = c.ehlo()
        self.assertIn("AUTH PLAIN LOGIN", text)
        return c

    @staticmethod
    def b64(text):
        import base64
        return base64.b64encode(text.encode()).decode()

    def test_auth_plain_and_login_good(self):
        c = self.submission()
        code, text = c.cmd("AUTH PLAIN " + self.b64("\0%s\0%s"
                                                    % (USER, PASSWORD)))
        self.assertEqual((code, text), (235, ["2.7.0 Authentication "
                                              "successful"]))
        self.assertEqual(c.cmd("AUTH PLAIN")[0], 503)   # already done
        c2 = self.submission()
        self.assertEqual(c2.cmd("AUTH LOGIN"), (334, ["VXNlcm5hbWU6"]))
        self.assertEqual(c2.cmd(self.b64(USER)), (334, ["UGFzc3dvcmQ6"]))
        self.assertEqual(c2.cmd(self.b64(PASSWORD))[0], 235)
        c3 = self.submission()      # PLAIN without initial response
        self.assertEqual(c3.cmd("AUTH PLAIN"), (334, [""]))
        self.assertEqual(c3.cmd(self.b64("\0%s\0%s" % (USER, PASSWORD)))[0],
                         235)

    def test_auth_bad_password_delay_and_limit(self):
        c = self.submission()
        start = time.monotonic()
        code, text = c.cmd("AUTH PLAIN " + self.b64("\0%s\0wrong" % USER))
        self.assertEqual(code, 535, text)
        self.assertIn("5.7.8", text[0])
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        code, text = c.cmd("AUTH LOGIN")
        self.assertEqual(code, 334)
        self.assertEqual(c.cmd("*")[0], 501)            # cancelled
        self.assertEqual(c.cmd("AUTH LOGIN " + self.b64(USER))[0], 334)
        self.assertEqual(c.cmd(self.b64("nope"))[0], 535)
        self.assertEqual(c.cmd("AUTH CRAM-MD5")[0], 504)
        code, text = c.cmd("AUTH PLAIN " + self.b64("\0nobody@x.test\0x"))
        self.assertEqual(code, 535)
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertTrue(c.closed())
        self.wait_log(r"warning: localhost\[127\.0\.0\.1\]: SASL PLAIN "
                      r"authentication failed")

    def test_submission_requires_auth(self):
        c = self.submission()
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        code, text = c.cmd("RCPT TO:<x@remote.example>")
        self.assertGreaterEqual(code, 500, text)
        self.wait_log(r"NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]"
                      r": 5\d\d .*; from=<a@example\.test> "
                      r"to=<x@remote\.example> proto=ESMTPS "
                      r"helo=<client\.example>")

    def test_pipelining_one_write(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        c.send(b"MAIL FROM:<p@example.test>\r\nRCPT TO:<demo@example.test>"
               b"\r\nRCPT TO:<bad address>\r\nRCPT TO:<second@remote.example>"
               b"\r\nDATA\r\n")
        replies = [c.reply()[0] for _ in range(5)]
        self.assertEqual(replies, [250, 250, 501, 250, 354])
        c.send(b"Subject: p\r\n\r\npipelined\r\n.\r\nRSET\r\nQUIT\r\n")
        code, text = c.reply()
        qid = self.queued_id(code, text)
        self.assertEqual([c.reply()[0] for _ in range(2)], [250, 221])
        self.assertTrue(c.closed())
        self.assertEqual(self.body(qid), b"pipelined\n")
        self.assertIn("recipient: <second@remote.example>", self.envelope(qid))

    def test_pipelining_sync_points(self):
        # RFC 2920: NOOP (like EHLO and DATA) must end a group.
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        c.send(b"RSET\r\nNOOP\r\nMAIL FROM:<a@example.test>\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.reply()[0], 503)
        self.assertTrue(c.closed())
        c = self.conn()
        c.send(b"EHLO client.example\r\nMAIL FROM:<a@example.test>\r\n")
        self.assertEqual(c.reply()[0], 503)
        self.assertTrue(c.closed())

    def test_bdat_chunks(self):
        c = self.conn()
        self.start_txn(c)
        chunks = [b"Subject: bdat\r\n\r\nline one\r\n.line",
                  b" two\r", b"\nlast line\r\n"]
        data = b"".join(b"BDAT %d\r\n%s" % (len(x), x) for x in chunks)
        c.send(data + b"BDAT 0 LAST\r\n")
        for x in chunks:
            self.assertEqual(c.reply(), (250, ["2.0.0 Ok: %d bytes"
                                               % len(x)]))
        qid = self.queued_id(*c.reply())
        self.assertEqual(self.body(qid), b"line one\n.line two\nlast line\n")
        # BDAT with LAST on a data chunk, and DATA after BDAT.
        self.start_txn(c)
        msg = b"Subject: b2\r\n\r\nDATA\r\nQUIT\r\n"
        c.send(b"BDAT 3\r\nSub")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 503)
        c.send(b"BDAT %d LAST\r\n%s" % (len(msg) - 3, msg[3:]))
        qid = self.queued_id(*c.reply())
        self.assertEqual(self.body(qid), b"DATA\nQUIT\n")

    def test_bdat_refused_chunk_is_skipped(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        # No MAIL: 503, and the chunk's bytes are not taken as commands.
        c.send(b"BDAT 6\r\nQUIT\r\n")
        self.assertEqual(c.reply()[0], 503)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        c.send(b"BDAT 6 LAST\r\nRSET\r\n")
        self.assertEqual(c.reply()[0], 554)     # no recipients
        self.assertEqual(c.cmd("NOOP")[0], 250)
        c.send(b"BDAT x\r\n")
        self.assertEqual(c.reply()[0], 501)
        self.assertTrue(c.closed())

    def test_8bitmime_and_smtputf8(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        sender = "j\u00f6rg@b\u00fccher.example".encode()
        code, text = c.cmd(b"MAIL FROM:<" + sender + b">")
        self.assertEqual(code, 553, text)
        self.assertIn("5.6.7", text[0])
        self.assertEqual(c.cmd(b"MAIL FROM:<" + sender + b"> SMTPUTF8 "
                               b"BODY=8BITMIME")[0], 250)
        rcpt = "\u00fcser@b\u00fccher.example"
        self.assertEqual(c.cmd(("RCPT TO:<%s>" % rcpt).encode())[0], 250)
        body = "Gr\u00fc\u00dfe \u2603\r\n".encode()
        code, text = self.send_message(c, b"Subject: 8bit\r\n\r\n" + body
                                       + b".\r\n")
        qid = self.queued_id(code, text)
        env = self.envelope(qid)
        self.assertIn("smtputf8: yes", env)
        self.assertIn("body_type: 8BITMIME", env)
        self.assertIn("protocol: UTF8SMTP", env)
        self.assertEqual(self.body(qid), body.replace(b"\r\n", b"\n"))

    def test_size_declared_too_large(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        code, text = c.cmd("MAIL FROM:<a@example.test> SIZE=10240001")
        self.assertEqual(code, 552, text)
        self.assertIn("5.3.4", text[0])
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test> SIZE=10240000")
                         [0], 250)

    def test_out_of_order_commands(self):
        c = self.conn()
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 503)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 503)
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertEqual(c.cmd("AUTH PLAIN")[0], 503)    # not enabled here
        self.assertEqual(c.ehlo()[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 503)
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 503)
        self.assertEqual(c.cmd("DATA")[0], 554)          # no recipients
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 503)
        # EHLO ends the transaction (RFC 5321 section 4.1.4).
        self.assertEqual(c.ehlo()[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 503)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        self.assertEqual(c.cmd("HELO client.example")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 503)
        # RSET too.
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 503)
        self.assertEqual(c.cmd("VRFY demo"), (252, [
            "2.5.2 Cannot VRFY user; try RCPT to attempt delivery"]))
        self.assertEqual(c.cmd("EXPN list")[0], 502)
        self.assertEqual(c.cmd("HELP")[0], 214)
        self.assertEqual(c.cmd("NOOP"), (250, ["2.0.0 Ok"]))

    def test_long_lines(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        code, text = c.cmd(b"NOOP " + b"x" * 5000)
        self.assertEqual((code, text), (500, ["5.5.2 Error: line too long"]))
        self.assertEqual(c.cmd(b"MAIL FROM:<" + b"a" * 3000
                               + b"@example.test>")[0], 500)
        self.assertEqual(c.cmd("NOOP")[0], 250)     # rest was discarded
        self.wait_log(r"line too long .* from localhost\[127\.0\.0\.1\]")

    def test_garbage_binary_and_nul(self):
        c = self.conn()
        for junk in (b"\x00\x01\x02\xff\xfe", b"EHLO\x00evil", b"\x80" * 40,
                     b"MAIL FROM:<a\x00b@example.test>", b"", b"   ",
                     b"\x1b[31mred"):
            code, text = c.cmd(junk)
            self.assertGreaterEqual(code, 500, (junk, text))
            self.assertLess(code, 600)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        c2 = self.conn()
        self.assertEqual(c2.cmd("GET / HTTP/1.1")[0], 521)
        self.assertTrue(c2.closed())
        self.wait_log(r"warning: non-SMTP command from localhost"
                      r"\[127\.0\.0\.1\]: GET / HTTP/1\.1")

    def test_unpipelined_client_sending_ahead(self):
        c = self.conn()
        self.assertEqual(c.cmd("HELO client.example")[0], 250)
        c.send(b"MAIL FROM:<a@example.test>\r\nRCPT TO:<demo@example.test>"
               b"\r\n")
        code, text = c.reply()
        self.assertEqual(code, 503, text)
        self.assertEqual(text, ["5.5.0 Error: improper use of SMTP command "
                                "pipelining"])
        self.assertTrue(c.closed())
        self.wait_log(r"improper command pipelining after MAIL from "
                      r"localhost\[127\.0\.0\.1\]")

    def test_data_sent_before_354(self):
        c = self.conn()
        self.start_txn(c)
        before = self.queue_ids()
        c.send(b"DATA\r\nSubject: early\r\n\r\nx\r\n.\r\n")
        self.assertEqual(c.reply()[0], 503)
        self.assertTrue(c.closed())
        self.assertEqual(self.queue_ids() - before, set())

    def test_smuggling_rejected(self):
        for fake in SMUGGLE:
            with self.subTest(fake=fake):
                c = self.conn()
                self.start_txn(c)
                before = self.queue_ids()
                code, text = self.send_message(
                    c, b"Subject: smuggle\r\n\r\nreal body" + fake + SPOOF
                    + b"\r\n.\r\n")
                # Exactly one reply for the one message, then QUIT.
                self.assertEqual(c.cmd("QUIT")[0], 221)
                new = self.queue_ids() - before
                if b"\n" in fake.replace(b"\r\n", b"") or \
                        b"\r" in fake.replace(b"\r\n", b""):
                    self.assertEqual((code, text[0][:5]), (550, "5.5.2"))
                    self.assertEqual(new, set())
                else:
                    qid = self.queued_id(code, text)
                    self.assertEqual(new, {qid})
                    self.assertIn(b"spoofed\n", self.body(qid))
                    self.assertIn(b"MAIL FROM:<evil@x.example>",
                                  self.body(qid))

    def test_swaks_plain(self):
        if not shutil.which("swaks"):
            self.skipTest("swaks is not installed")
        r = run(["swaks", "--server", "127.0.0.1", "--port",
                 str(self.sb.port("smtp")), "--from", "swaks@example.test",
                 "--to", USER, "--helo", "swaks.example",
                 "--body", "swaks body\n", "--header", "Subject: swaks"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        m = re.search(r"<[~-]  250 2\.0\.0 Ok: queued as (\S+)", r.stdout)
        self.assertTrue(m, r.stdout)
        qid = m.group(1)
        self.assertIn("sender: <swaks@example.test>", self.envelope(qid))
        self.assertIn(b"swaks body\n", self.body(qid))

    def test_swaks_tls_auth(self):
        if not shutil.which("swaks"):
            self.skipTest("swaks is not installed")
        r = run(["swaks", "--server", "127.0.0.1", "--port",
                 str(self.sb.port("submission")), "--tls",
                 "--tls-verify", "--tls-ca-path", self.sb.info["cert"],
                 "--tls-sni", "localhost",
                 "--auth", "LOGIN", "--auth-user", USER,
                 "--auth-password", PASSWORD, "--from", USER,
                 "--to", "friend@remote.example", "--helo", "swaks.example"])
        if r.returncode != 0 and "--tls-verify" in r.stdout + r.stderr:
            self.skipTest("this swaks cannot verify certificates")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        m = re.search(r"<[~-]  250 2\.0\.0 Ok: queued as (\S+)", r.stdout)
        self.assertTrue(m, r.stdout)
        env = self.envelope(m.group(1))
        self.assertIn("recipient: <friend@remote.example>", env)
        self.assertIn("protocol: ESMTPSA", env)

    def test_lost_connection_in_data_leaves_nothing(self):
        c = self.conn()
        self.start_txn(c)
        before = self.queue_ids()
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Subject: cut\r\n\r\nhalf a message")
        c.close()
        self.wait_log(r"lost connection after DATA from "
                      r"localhost\[127\.0\.0\.1\]")
        time.sleep(0.5)
        self.assertEqual(self.queue_ids() - before, set())

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_smtpd_runs_as_mail_owner(self):
        import pwd
        c = self.conn()
        pid = self.server_pid(c)
        uid = str(pwd.getpwnam("petrel").pw_uid)
        self.assertEqual(proc_status(pid)["Uid"].split(), [uid] * 4)
        self.assertEqual(proc_status(self.sb.master_pid())["Uid"].split()[0],
                         "0")
        anvils = [p for p in children_of(self.sb.master_pid())
                  if self.comm(p) == "anvil"]
        for p in anvils:
            self.assertEqual(proc_status(p)["Uid"].split(), [uid] * 4)


class TestLimits(SmtpdCase):
    config = {
        "smtpd_recipient_limit": "3",
        "message_size_limit": "100000",
        "smtpd_client_connection_count_limit": "2",
        "smtpd_client_event_limit_exceptions": "",
        "smtpd_hard_error_limit": "5",
        "smtpd_soft_error_limit": "2",
        "smtpd_error_sleep_time": "1s",
    }

    def test_too_many_recipients(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        for i in range(3):
            self.assertEqual(c.cmd("RCPT TO:<r%d@remote.example>" % i)[0], 250)
        code, text = c.cmd("RCPT TO:<r3@remote.example>")
        self.assertEqual((code, text), (452, ["4.5.3 Error: too many "
                                              "recipients"]))
        # As many again are no errors; the two after that are (of 5).
        for i in range(4, 8):
            self.assertEqual(c.cmd("RCPT TO:<r%d@remote.example>" % i)[0],
                             452)
        qid = self.queued_id(*self.send_message(c, b"Subject: 3\r\n\r\n.\r\n"))
        env = self.envelope(qid)
        self.assertEqual(env.count("recipient: <"), 3)
        self.wait_log(r"NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]"
                      r": 452 4\.5\.3 Error: too many recipients; "
                      r"from=<a@example\.test> to=<r3@remote\.example>")

    def test_actual_size_too_large(self):
        c = self.conn()
        self.start_txn(c)
        before = self.queue_ids()
        big = (b"x" * 998 + b"\r\n") * 150
        code, text = self.send_message(c, b"Subject: big\r\n\r\n" + big
                                       + b".\r\n")
        self.assertEqual(code, 552, text)
        self.assertIn("5.3.4", text[0])
        self.assertEqual(self.queue_ids() - before, set())
        self.assertEqual(c.cmd("NOOP")[0], 250)      # still in step
        code, text = c.cmd("MAIL FROM:<a@example.test> SIZE=100001")
        self.assertEqual(code, 552)

    def test_connection_count_limit(self):
        c1 = self.conn_when_counted_free()
        c2 = self.conn()
        c3 = self.conn(greet=False)
        code, text = c3.reply()
        self.assertEqual(code, 421, text)
        self.assertIn("4.7.0", text[0])
        self.assertTrue(c3.closed())
        self.wait_log(r"warning: Connection concurrency limit exceeded: 3 "
                      r"from localhost\[127\.0\.0\.1\]")
        self.assertEqual(c1.cmd("QUIT")[0], 221)
        c1.close()
        time.sleep(0.3)
        c4 = self.conn()
        self.assertEqual(c4.cmd("NOOP")[0], 250)
        self.assertEqual(c2.cmd("NOOP")[0], 250)

    def test_connection_count_survives_killed_smtpd(self):
        c1 = self.conn_when_counted_free()
        os.kill(self.server_pid(c1), signal.SIGKILL)
        self.assertTrue(c1.closed())
        c2 = self.conn_when_counted_free()
        c3 = self.conn_when_counted_free()  # the killed one stops counting
        self.assertEqual(c3.cmd("NOOP")[0], 250)
        self.assertEqual(c2.cmd("NOOP")[0], 250)

    def test_error_limits(self):
        c = self.conn()
        start = time.monotonic()
        for _ in range(5):
            self.assertEqual(c.cmd("BOGUS")[0], 500)
        self.assertGreaterEqual(time.monotonic() - start, 2.5)
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertIn("too many errors", text[0])
        self.assertTrue(c.closed())
        self.wait_log(r"too many errors after UNKNOWN from localhost")


class TestTimers(SmtpdCase):
    config = {
        "smtpd_timeout": "2s",
        "smtpd_session_time_limit": "5s",
        "smtpd_greet_pause": "1s",
    }

    def test_talk_before_greeting(self):
        c = self.conn(greet=False)
        c.send(b"EHLO early.example\r\n")
        code, text = c.reply()
        self.assertEqual(code, 554, text)
        self.assertIn("5.5.1", text[0])
        self.assertTrue(c.closed())
        self.wait_log(r"reject: talking before the greeting from "
                      r"localhost\[127\.0\.0\.1\]")

    def test_idle_timeout(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        time.sleep(2.5)
        code, text = c.reply()
        self.assertEqual((code, text), (421, ["4.4.2 %s Error: timeout "
                                              "exceeded" % HOST]))
        self.assertTrue(c.closed())
        self.wait_log(r"timeout after EHLO from localhost\[127\.0\.0\.1\]")

    def test_session_time_limit(self):
        c = self.conn()
        start = time.monotonic()
        code = 250
        while code == 250 and time.monotonic() - start < 10:
            time.sleep(0.5)
            code, text = c.cmd("NOOP")
        self.assertEqual(code, 421, text)
        self.assertIn("session time limit exceeded", text[0])
        self.assertLess(time.monotonic() - start, 8)


class TestNormalize(SmtpdCase):
    config = {"smtpd_forbid_bare_newline": "normalize"}

    def test_smuggling_normalized_stays_one_message(self):
        for fake in SMUGGLE:
            with self.subTest(fake=fake):
                c = self.conn()
                self.start_txn(c)
                before = self.queue_ids()
                code, text = self.send_message(
                    c, b"Subject: n\r\n\r\nreal body" + fake + SPOOF
                    + b"\r\n.\r\n")
                qid = self.queued_id(code, text)
                self.assertEqual(c.cmd("QUIT")[0], 221)
                self.assertEqual(self.queue_ids() - before, {qid})
                body = self.body(qid)
                self.assertIn(b"MAIL FROM:<evil@x.example>", body)
                self.assertIn(b"spoofed\n", body)
                self.assertNotIn(b"\r", body)
                self.assertIn("sender: <sender@example.test>",
                              self.envelope(qid))


class TestAuthPolicy(SmtpdCase):
    """AUTH on port 25 after auth_plaintext_loopback = no and a reload."""

    config = {"smtpd_sasl_auth_enable": "yes"}

    def test_auth_needs_tls_without_loopback_exception(self):
        c = self.conn()
        self.assertIn("AUTH PLAIN LOGIN", c.ehlo()[1])   # loopback: allowed
        c.close()
        self.set_conf({"auth_plaintext_loopback": "no"})
        self.sb.reload()
        deadline = time.monotonic() + 10
        while True:
            c = self.conn()
            code, text = c.ehlo()
            if "AUTH PLAIN LOGIN" not in text:
                break
            c.close()
            self.assertLess(time.monotonic(), deadline, "no reload")
            time.sleep(0.2)
        code, text = c.cmd("AUTH PLAIN " + TestSession.b64(
            "\0%s\0%s" % (USER, PASSWORD)))
        self.assertEqual(code, 538, text)
        self.assertIn("5.7.11", text[0])
        self.assertEqual(c.cmd("STARTTLS")[0], 220)
        c.starttls(self.tls_context())
        self.assertIn("AUTH PLAIN LOGIN", c.ehlo()[1])
        self.assertEqual(c.cmd("AUTH PLAIN " + TestSession.b64(
            "\0%s\0%s" % (USER, PASSWORD)))[0], 235)


class TestRelay(SmtpdCase):
    """A client outside mynetworks (127.0.0.2) may not relay."""

    config = {"mynetworks": "127.0.0.1/32"}

    def test_relay_refused_outside_mynetworks(self):
        c = self.conn(source="127.0.0.2")
        self.assertEqual(c.ehlo()[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        code, text = c.cmd("RCPT TO:<x@remote.example>")
        self.assertEqual(code, 554, text)
        self.assertRegex(text[0], r"^5\.7\.1 <x@remote\.example>: Relay "
                         r"access denied")
        code, text = c.cmd("RCPT TO:<nobody@example.test>")
        self.assertEqual(code, 550, text)
        self.assertIn("5.1.1", text[0])
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 250)
        qid = self.queued_id(*self.send_message(
            c, b"Subject: local\r\n\r\nfor a local user\r\n.\r\n"))
        self.assertEqual(self.envelope(qid).count("recipient: <"), 1)
        self.assertIn("client_address: 127.0.0.2", self.envelope(qid))
        self.wait_log(r"NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.2\]"
                      r": 554 5\.7\.1 <x@remote\.example>: Relay access "
                      r"denied; from=<a@example\.test> "
                      r"to=<x@remote\.example> proto=ESMTP "
                      r"helo=<client\.example>")

    def test_relay_allowed_inside_mynetworks(self):
        c = self.conn()
        self.start_txn(c, rcpts=["x@remote.example"])


class TestImmediateReject(SmtpdCase):
    """smtpd_delay_reject = no: each restriction list decides at once."""

    config = {
        "smtpd_delay_reject": "no",
        "smtpd_sasl_auth_enable": "yes",
        "smtpd_client_restrictions": "permit_sasl_authenticated, reject",
        "smtpd_helo_restrictions": "reject_invalid_helo_hostname",
    }

    def test_client_refused_until_auth(self):
        c = self.conn()
        self.assertEqual(c.ehlo()[0], 250)
        code, text = c.cmd("MAIL FROM:<a@example.test>")
        self.assertGreaterEqual(code, 500, text)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 503)
        self.wait_log(r"NOQUEUE: reject: CONNECT from localhost"
                      r"\[127\.0\.0\.1\]: 5\d\d ")
        code, text = c.cmd("AUTH PLAIN " + TestSession.b64(
            "\0%s\0%s" % (USER, PASSWORD)))
        self.assertEqual(code, 235, text)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER)[0], 250)

    def test_helo_refused_at_once(self):
        c = self.conn()
        code, text = c.cmd("EHLO bad_name!")
        self.assertGreaterEqual(code, 500, text)
        self.assertEqual(c.cmd("MAIL FROM:<a@example.test>")[0], 503)
        self.assertEqual(c.ehlo()[0], 250)


class TestCrash(unittest.TestCase):
    """SIGKILL in the middle: nothing half-done, nothing accepted lost."""

    def setUp(self):
        try:
            prog("smtpd")
            prog("cleanup")
        except FileNotFoundError as e:
            self.skipTest(str(e))
        self.sb = Sandbox(delivery=False)
        self.addCleanup(self.sb.cleanup)
        self.sb.start()
        self.helper = SmtpdCase("run")
        self.helper.sb = self.sb
        wait_for(lambda: SmtpdCase.port_open(self.sb.port("smtp")),
                 what="smtpd listening")

    def connect(self):
        c = Conn(self.sb.port("smtp"))
        self.addCleanup(c.close)
        self.assertEqual(c.reply()[0], 220)
        return c

    def test_sigkill_smtpd_during_data(self):
        c = self.connect()
        self.helper.start_txn(c)
        before = self.helper.queue_ids()
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Subject: doomed\r\n\r\n" + b"x" * 10000 + b"\r\n")
        time.sleep(0.3)
        os.kill(self.helper.server_pid(c), signal.SIGKILL)
        c.send(b".\r\n")
        with self.assertRaises((EOFError, OSError)):
            c.reply()
        incoming = self.helper.queue_dir()
        wait_for(lambda: not [f for f in os.listdir(incoming)
                              if f not in before],
                 what="no new file in incoming/")
        self.assertEqual(self.helper.queue_ids() - before, set())

    def test_sigkill_cleanup_during_data(self):
        c = self.connect()
        self.helper.start_txn(c)
        before = self.helper.queue_ids()
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(b"Subject: doomed too\r\n\r\n" + b"y" * 10000 + b"\r\n")
        time.sleep(0.3)
        master = self.sb.master_pid()
        cleanups = [p for p in children_of(master)
                    if SmtpdCase.comm(p) == "cleanup"]
        self.assertTrue(cleanups)
        for pid in cleanups:
            os.kill(pid, signal.SIGKILL)
        c.send(b"z" * 200000 + b"\r\n.\r\n")
        code, text = c.reply()
        self.assertEqual(code, 451, text)
        self.assertEqual(self.helper.queue_ids() - before, set())
        self.assertEqual(c.cmd("QUIT")[0], 221)

    def test_accepted_message_survives_sigkill_of_everything(self):
        c = self.connect()
        self.helper.start_txn(c)
        qid = self.helper.queued_id(*self.helper.send_message(
            c, b"Subject: durable\r\n\r\nkeep me\r\n.\r\n"))
        c.close()
        master = self.sb.master_pid()
        victims = [master] + children_of(master)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_for(lambda: not any(pid_alive(p) for p in victims),
                 what="every process gone")
        self.sb.started = False
        self.sb.start()
        self.assertEqual(self.helper.body(qid), b"keep me\n")


if __name__ == "__main__":
    unittest.main()
