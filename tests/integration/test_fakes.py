"""The test fakes themselves: FakeDNS with hand-built queries (and dig when
it is installed), SmtpSink with smtplib and raw sockets."""

import os
import shutil
import smtplib
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakes import FakeDNS, SmtpSink, dns_query, make_cert  # noqa: E402

ZONES = {
    "example.org": [("MX", 10, "mx1.example.org"),
                    ("MX", 20, "mx2.example.org")],
    "mx1.example.org": [("A", "127.0.0.1"), ("AAAA", "::1")],
    "mx2.example.org": [("A", "127.0.0.2", {"ttl": 7})],
    "alias.example.org": [("CNAME", "mx1.example.org")],
    "nullmx.example.org": [("MX", 0, ".")],
    "gone.example.org": "NXDOMAIN",
    "broken.example.org": "SERVFAIL",
    "silent.example.org": "DROP",
    "txt.example.org": [("TXT", "v=spf1 -all")],
    "big.example.org": [("A", "10.0.%d.%d" % (i // 200, i % 200))
                        for i in range(60)],
}


class FakeDNSTest(unittest.TestCase):

    def setUp(self):
        self.dns = FakeDNS(dict(ZONES))
        self.addCleanup(self.dns.stop)

    def q(self, name, qtype="A", **kw):
        return dns_query(self.dns.port, name, qtype, **kw)

    def test_address(self):
        self.assertEqual(self.dns.address, "127.0.0.1@%d" % self.dns.port)

    def test_mx(self):
        r = self.q("example.org", "MX")
        self.assertEqual(r["rcode"], 0)
        self.assertTrue(r["flags"] & 0x8000)        # QR
        self.assertTrue(r["flags"] & 0x0400)        # AA
        self.assertEqual(sorted(r["values"]),
                         [(10, "mx1.example.org"), (20, "mx2.example.org")])
        self.assertEqual(r["answers"][0][2], 300)
        self.assertEqual(r["additional"], 1)        # the OPT echo

    def test_a_aaaa_ttl_case(self):
        self.assertEqual(self.q("MX1.Example.ORG.", "A")["values"],
                         ["127.0.0.1"])
        self.assertEqual(self.q("mx1.example.org", "AAAA")["values"],
                         ["::1"])
        self.assertEqual(self.q("mx2.example.org")["answers"][0][2], 7)
        self.assertEqual(self.dns.queries["mx1.example.org"], 2)

    def test_null_mx(self):
        self.assertEqual(self.q("nullmx.example.org", "MX")["values"],
                         [(0, ".")])

    def test_cname(self):
        r = self.q("alias.example.org", "A")
        self.assertEqual(r["values"], ["mx1.example.org", "127.0.0.1"])

    def test_nxdomain_servfail_nodata(self):
        for name in ("gone.example.org", "unknown.example.org"):
            r = self.q(name)
            self.assertEqual(r["rcode"], 3)
            self.assertEqual(r["authority"][0][1], "SOA")
        self.assertEqual(self.q("broken.example.org")["rcode"], 2)
        r = self.q("mx2.example.org", "AAAA")
        self.assertEqual((r["rcode"], r["answers"]), (0, []))
        self.assertEqual(r["authority"][0][1], "SOA")

    def test_drop(self):
        with self.assertRaises(socket.timeout):
            self.q("silent.example.org", timeout=0.3)

    def test_tcp_and_truncation(self):
        r = self.q("big.example.org", edns=False)
        self.assertTrue(r["flags"] & 0x0200)        # TC
        self.assertEqual(r["answers"], [])
        r = self.q("big.example.org", tcp=True)
        self.assertEqual(len(r["values"]), 60)
        self.assertEqual(self.dns.log[-1], ("big.example.org", "A", "tcp"))

    def test_compressed_query_and_garbage(self):
        # A question whose name is a pointer to a name in... itself is
        # invalid; a FORMERR comes back, not a crash.
        bad = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + \
            struct.pack("!HH", 1, 1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2)
            s.sendto(bad, ("127.0.0.1", self.dns.port))
            msg, _ = s.recvfrom(512)
        self.assertEqual(msg[3] & 0xF, 1)
        # Still serving.
        self.assertEqual(self.q("mx1.example.org")["values"], ["127.0.0.1"])

    def test_zone_change(self):
        self.dns.zones["new.example.org"] = [("A", "127.0.0.9")]
        self.assertEqual(self.q("new.example.org")["values"], ["127.0.0.9"])

    @unittest.skipUnless(shutil.which("dig"), "dig not installed")
    def test_dig(self):
        r = subprocess.run(["dig", "+short", "-p", str(self.dns.port),
                            "@127.0.0.1", "example.org", "MX"],
                           capture_output=True, text=True, timeout=10)
        self.assertIn("10 mx1.example.org.", r.stdout)


class SmtpSinkTest(unittest.TestCase):

    def sink(self, **kw):
        s = SmtpSink(**kw)
        self.addCleanup(s.stop)
        return s

    def test_smtplib(self):
        sink = self.sink()
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as c:
            code, ehlo = c.ehlo("client.example")
            self.assertEqual(code, 250)
            self.assertIn(b"PIPELINING", ehlo)
            c.sendmail("a@x.example", ["b@y.example", "c@y.example"],
                       b"Subject: t\r\n\r\n.dot\r\nline\r\n",
                       mail_options=["BODY=8BITMIME"],
                       rcpt_options=["NOTIFY=NEVER"])
        msgs = sink.wait_messages(1)
        m = msgs[0]
        self.assertEqual(m.mail_from, "a@x.example")
        self.assertEqual(m.mail_params, {"BODY": "8BITMIME", "SIZE": "26"})
        self.assertEqual(m.rcpts, ["b@y.example", "c@y.example"])
        self.assertEqual(m.rcpt_params[0], {"NOTIFY": "NEVER"})
        self.assertEqual(m.data, b"Subject: t\r\n\r\n.dot\r\nline\r\n")
        self.assertEqual(m.header("subject"), "t")
        self.assertEqual(m.helo, "client.example")
        self.assertFalse(m.tls)
        self.assertEqual(sink.connections, 1)

    def test_pipelined_raw(self):
        sink = self.sink()
        s = socket.create_connection(("127.0.0.1", sink.port), 5)
        self.addCleanup(s.close)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<r@y>\r\n"
                  b"RCPT TO:<q@y>\r\nDATA\r\n..x\r\nbody\r\n.\r\n"
                  b"MAIL FROM:<s@x>\r\nRCPT TO:<r@y>\r\nDATA\r\nb\r\n.\r\n"
                  b"QUIT\r\n")
        data = f.read()
        codes = [l[:4] for l in data.split(b"\r\n") if l]
        self.assertEqual(codes[-11:], [b"250 ", b"250 ", b"250 ", b"250 ",
                                       b"354 ", b"250 ", b"250 ", b"250 ",
                                       b"354 ", b"250 ", b"221 "])
        self.assertTrue(data.endswith(b"221 2.0.0 bye\r\n"))
        msgs = sink.wait_messages(2)
        self.assertEqual(msgs[0].mail_from, "")
        self.assertEqual(msgs[0].data, b".x\r\nbody\r\n")
        self.assertEqual(msgs[1].data, b"b\r\n")
        self.assertEqual(msgs[1].rcpts, ["r@y"])

    def test_scripted_replies(self):
        def rcpt(sess, arg):
            return "450 4.2.0 try later" if "later" in arg else None

        def data(sess, body):
            return "554 5.7.1 no\nsecond line" if b"spam" in body else None
        sink = self.sink(rcpt_reply=rcpt, data_reply=data)
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as c:
            refused = c.sendmail("a@x", ["ok@y", "later@y"], b"hi\r\n")
            self.assertEqual(refused, {"later@y": (450, b"4.2.0 try later")})
            with self.assertRaises(smtplib.SMTPDataError) as e:
                c.sendmail("a@x", ["ok@y"], b"spam\r\n")
            self.assertEqual(e.exception.smtp_code, 554)
            self.assertIn(b"second line", e.exception.smtp_error)
        self.assertEqual(len(sink.messages), 1)
        self.assertEqual(sink.messages[0].rcpts, ["ok@y"])

    def test_drop(self):
        sink = self.sink(data_reply=lambda s, a: SmtpSink.DROP)
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as c:
            with self.assertRaises(smtplib.SMTPServerDisconnected):
                c.sendmail("a@x", ["b@y"], b"x\r\n")
        self.assertEqual(sink.messages, [])

    def test_lmtp_per_recipient(self):
        def data(sess, body):
            if sess.current_rcpt.startswith("full"):
                return "452 4.2.2 mailbox full"
            return None
        sock = os.path.join(tempfile.mkdtemp(), "lmtp")
        self.addCleanup(shutil.rmtree, os.path.dirname(sock))
        sink = self.sink(lmtp=True, unix_path=sock, data_reply=data)
        c = smtplib.LMTP(sock)
        self.addCleanup(c.close)
        self.assertEqual(c.docmd("EHLO x")[0], 500)  # LMTP wants LHLO
        self.assertEqual(c.ehlo("x")[0], 250)       # smtplib sends LHLO
        c.quit()
        # smtplib reads one reply after the data; LMTP sends one per
        # recipient: talk raw.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.connect(sock)
        s.sendall(b"LHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<one@y>\r\n"
                  b"RCPT TO:<full@y>\r\nRCPT TO:<two@y>\r\nDATA\r\n")
        f = s.makefile("rb")
        while not f.readline().startswith(b"354"):
            pass
        s.sendall(b"m\r\n.\r\nQUIT\r\n")
        replies = [l[:3] for l in f.read().split(b"\r\n") if l]
        self.assertEqual(replies, [b"250", b"452", b"250", b"221"])
        m = sink.wait_messages(1)[0]
        self.assertEqual(m.rcpts, ["one@y", "two@y"])
        self.assertEqual(len(m.replies), 3)
        self.assertTrue(m.lmtp)

    def test_starttls(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        cert, key = make_cert(tmp)
        sink = self.sink(starttls=(cert, key))
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as c:
            c.ehlo("x")
            self.assertTrue(c.has_extn("starttls"))
            c.starttls(context=ctx)
            c.ehlo("y")
            self.assertFalse(c.has_extn("starttls"))
            c.sendmail("a@x", ["b@y"], b"secret\r\n")
        m = sink.wait_messages(1)[0]
        self.assertTrue(m.tls)
        self.assertEqual(m.helo, "y")

    def test_starttls_injection_discarded(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        sink = self.sink(starttls=make_cert(tmp))
        s = socket.create_connection(("127.0.0.1", sink.port), 5)
        self.addCleanup(s.close)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO x\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@x>\r\n")
        self.assertTrue(f.readline().startswith(b"220"))
        time.sleep(0.1)
        self.assertTrue(sink.sessions[0].starttls_injection)

    def test_bdat(self):
        sink = self.sink(chunking=True)
        s = socket.create_connection(("127.0.0.1", sink.port), 5)
        self.addCleanup(s.close)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
                  b"BDAT 5\r\nab\r\n.BDAT 3 LAST\r\nxyzQUIT\r\n")
        data = f.read()
        self.assertIn(b"CHUNKING", data)
        m = sink.wait_messages(1)[0]
        self.assertEqual(m.data, b"ab\r\n.xyz")

    def test_wait_timeout(self):
        sink = self.sink()
        with self.assertRaises(AssertionError):
            sink.wait_messages(1, timeout=0.2)

    def test_sequence_errors(self):
        sink = self.sink()
        s = socket.create_connection(("127.0.0.1", sink.port), 5)
        self.addCleanup(s.close)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"MAIL FROM:<a@x>\r\nHELO c\r\nDATA\r\nRCPT TO:<b@y>\r\n"
                  b"MAIL FROM:<a@x>\r\nMAIL FROM:<a@x>\r\nQUIT\r\n")
        codes = [l[:3] for l in f.read().split(b"\r\n") if l]
        self.assertEqual(codes, [b"503", b"250", b"503", b"503", b"250",
                                 b"503", b"221"])


if __name__ == "__main__":
    unittest.main()
