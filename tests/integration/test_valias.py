"""Virtual alias expansion in cleanup(8), end to end: smtplib sends to a
sandbox whose virtual_alias_maps is a texthash: table, and the queue file
(read with petrel-cat, in whichever queue directory it is) must list the
expanded recipients, each with the original address as its DSN ORCPT.

Covered: one alias to a local virtual user and a remote address; an
address without an alias (written as it is, no ORCPT); a client ORCPT
that is kept; extension propagation; a loop (a -> b -> a) and an
expansion over virtual_alias_expansion_limit (1000), which both end in a
4xx reply at the end of DATA (cleanup answers 451 4.6.0, which smtpd
logs and turns into its usual 451 4.3.0), a log line, and no queue file;
a table that cannot be read (451 4.3.0, message deferred by the client).

The sandbox runs without qmgr, so accepted mail stays in the queue.
smtpd does not consult virtual_alias_maps, so the test sets
smtpd_reject_unlisted_recipient = no (127.0.0.1 is in mynetworks).

Run from the repository root:

    PETREL_BUILD=build python3 -m unittest tests/integration/test_valias.py -v
"""

import os
import re
import smtplib
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import Sandbox, prog, run, wait_for  # noqa: E402

QUEUES = ("incoming", "active", "deferred", "hold", "corrupt")
QUEUED = re.compile(rb"queued as ([0-9A-Za-z]+)")


class ValiasTest(unittest.TestCase):

    sb = None

    @classmethod
    def setUpClass(cls):
        for p in ("smtpd", "cleanup", "petrel-cat"):
            try:
                prog(p)
            except FileNotFoundError as e:
                raise unittest.SkipTest(str(e))
        cls.sb = Sandbox(delivery=False)
        try:
            cls.table = os.path.join(cls.sb.etc, "virtual")
            lines = [
                "alias@example.test demo@example.test, friend@remote.test",
                "loop-a@example.test loop-b@example.test",
                "loop-b@example.test loop-a@example.test",
                "self@example.test self@example.test, demo@example.test",
                "tagged@example.test demo@example.test",
                "nested@example.test alias@example.test, other@remote.test",
                "big@example.test "
                + ", ".join("u%d@remote.test" % i for i in range(1001)),
            ]
            with open(cls.table, "w") as f:
                f.write("\n".join(lines) + "\n")
            settings = {
                "virtual_alias_maps": "texthash:" + cls.table,
                "smtpd_reject_unlisted_recipient": "no",
            }
            r = run([prog("petrel-conf"), "-c", cls.sb.etc, "-e"]
                    + ["%s=%s" % kv for kv in settings.items()])
            if r.returncode != 0:
                raise AssertionError("petrel-conf -e: " + r.stderr)
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

    @staticmethod
    def port_open(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return True
        except OSError:
            return False

    # Helpers.

    def queue_files(self):
        names = []
        for q in QUEUES:
            path = os.path.join(self.sb.dir, "queue", q)
            for root, _dirs, files in os.walk(path):
                names += [f for f in files if not f.startswith("t.")]
        return names

    def send(self, rcpts, rcpt_options=()):
        """Send one message; return (code, text) of the end of DATA."""
        s = smtplib.SMTP("127.0.0.1", self.sb.port("smtp"), timeout=30)
        self.addCleanup(s.close)
        s.ehlo("client.example")
        code, text = s.mail("sender@example.org")
        self.assertEqual(code, 250, text)
        for r in rcpts:
            code, text = s.rcpt(r, rcpt_options)
            self.assertEqual(code, 250, text)
        code, text = s.data(b"Subject: valias\r\n\r\nhello\r\n")
        s.quit()
        return code, text

    def queued(self, rcpts, rcpt_options=()):
        code, text = self.send(rcpts, rcpt_options)
        self.assertEqual(code, 250, text)
        m = QUEUED.search(text)
        self.assertTrue(m, text)
        return m.group(1).decode()

    def envelope(self, qid):
        r = run([prog("petrel-cat"), "-c", self.sb.etc, "-e", qid])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def recipients(self, qid):
        """[(address, orcpt-or-None)] from the envelope petrel-cat shows:
        "recipient: <addr>" then indented "orcpt: type;value"."""
        out = []
        for line in self.envelope(qid).splitlines():
            m = re.match(r"^recipient: <(.*)>$", line)
            if m:
                out.append([m.group(1), None])
                continue
            m = re.match(r"^\s+orcpt: (.*)$", line)
            if m and out:
                out[-1][1] = m.group(1)
        return [tuple(r) for r in out]

    # Tests.

    def test_alias_expanded_with_orcpt(self):
        qid = self.queued(["alias@example.test"])
        env = self.envelope(qid)
        self.assertEqual(
            self.recipients(qid),
            [("demo@example.test", "rfc822;alias@example.test"),
             ("friend@remote.test", "rfc822;alias@example.test")], env)
        self.assertNotIn("recipient: <alias@example.test>", env)

    def test_plain_recipient_untouched(self):
        qid = self.queued(["demo@example.test"])
        self.assertEqual(self.recipients(qid),
                         [("demo@example.test", None)])

    def test_client_orcpt_kept(self):
        qid = self.queued(["alias@example.test"],
                          ["ORCPT=rfc822;given@example.org"])
        self.assertEqual(
            self.recipients(qid),
            [("demo@example.test", "rfc822;given@example.org"),
             ("friend@remote.test", "rfc822;given@example.org")])

    def test_nested_self_and_extension(self):
        qid = self.queued(["nested@example.test", "self@example.test",
                           "tagged+box@example.test"])
        self.assertEqual(
            self.recipients(qid),
            [("demo@example.test", "rfc822;nested@example.test"),
             ("friend@remote.test", "rfc822;nested@example.test"),
             ("other@remote.test", "rfc822;nested@example.test"),
             ("self@example.test", "rfc822;self@example.test"),
             ("demo@example.test", "rfc822;self@example.test"),
             ("demo+box@example.test", "rfc822;tagged+box@example.test")])

    def test_loop_deferred(self):
        before = set(self.queue_files())
        code, text = self.send(["loop-a@example.test"])
        self.assertEqual(code, 451, text)
        self.sb.wait_log(r"virtual alias expansion of "
                         r"<loop-a@example.test>: alias loop")
        # cleanup's reply, as smtpd logs it (the client sees 451 4.3.0).
        self.sb.wait_log(r"smtpd\[\d+\]: \w+: .*451 4\.6\.0 virtual alias"
                         r" table expansion limit exceeded")
        wait_for(lambda: set(self.queue_files()) <= before,
                 what="no new queue file")

    def test_expansion_limit(self):
        before = set(self.queue_files())
        code, text = self.send(["demo@example.test", "big@example.test"])
        self.assertEqual(code, 451, text)
        self.sb.wait_log(r"<big@example.test>: more than 1000 addresses")
        wait_for(lambda: set(self.queue_files()) <= before,
                 what="no new queue file")


class ValiasBrokenTableTest(unittest.TestCase):
    """A virtual_alias_maps table that does not open: every message is
    refused with a temporary error, none is queued."""

    def setUp(self):
        for p in ("smtpd", "cleanup"):
            try:
                prog(p)
            except FileNotFoundError as e:
                self.skipTest(str(e))
        self.sb = Sandbox(delivery=False)
        self.addCleanup(self.sb.cleanup)

    def test_tempfail(self):
        missing = os.path.join(self.sb.etc, "no-such-virtual")
        r = run([prog("petrel-conf"), "-c", self.sb.etc, "-e",
                 "virtual_alias_maps=texthash:" + missing])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.sb.start()
        wait_for(lambda: ValiasTest.port_open(self.sb.port("smtp")),
                 what="smtpd listening")
        s = smtplib.SMTP("127.0.0.1", self.sb.port("smtp"), timeout=30)
        self.addCleanup(s.close)
        s.ehlo("client.example")
        s.mail("sender@example.org")
        code, text = s.rcpt("demo@example.test")
        self.assertEqual(code, 250, text)
        code, text = s.data(b"Subject: x\r\n\r\nbody\r\n")
        self.assertEqual(code, 451, text)
        self.assertIn(b"4.3.0", text)
        self.sb.wait_log(r"virtual_alias_maps: .*no-such-virtual")
        incoming = os.path.join(self.sb.dir, "queue", "incoming")
        self.assertEqual([f for f in os.listdir(incoming)], [])


if __name__ == "__main__":
    unittest.main()
