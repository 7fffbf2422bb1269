"""imapd(8): the per-folder cache (maildir_cache(3h), petrel-cache).

FETCH results must be byte for byte the same with the cache off
(imapd_cache_max_size = 0), on a cold cache and on a warm one; a
corrupt index or record is rebuilt (log line) and results stay right;
a message file rewritten behind imapd's back (same name, new content)
is parsed again, never served stale; expunged messages leave the
index.  Messages are put with build/tests/maildir_put.
"""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import Sandbox, prog, run, wait_for
from test_imapd import Raw, USER, PASSWORD

CACHE_FILES = ("petrel-cache", "petrel-cache.index")

ITEMS = ("(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE "
         "BODY.PEEK[HEADER.FIELDS (From Subject Date Message-ID)])")
ITEMS_HDR = "(BODY.PEEK[HEADER] RFC822.HEADER BODY.PEEK[HEADER.FIELDS " \
    "(Received DKIM-Signature To)] BODY.PEEK[HEADER.FIELDS.NOT (Subject)])"


def messages():
    """A mix: plain, multipart, trace fields, CRLF, odd headers."""
    trace = "".join("Received: from relay%d.example.net by mx.example.test;"
                    " Mon, 2 Jan 2023 03:04:0%d +0000\n" % (i, i % 10)
                    for i in range(5))
    out = [
        b"From: Sender <s@example.org>\nTo: demo@example.test\n"
        b"Subject: plain one\nDate: Mon, 2 Jan 2023 03:04:05 +0000\n"
        b"Message-ID: <1@example.org>\n\nbody one\n",
        (trace + "DKIM-Signature: v=1; a=rsa-sha256; d=example.org;\n"
         " b=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
         "From: =?utf-8?q?J=C3=B6rg?= <j@example.org>\n"
         "To: undisclosed-recipients:;\nCc: a@b.example, \"Q, R\" <q@r>\n"
         "Subject: trace fields\nMIME-Version: 1.0\n"
         "Content-Type: multipart/mixed; boundary=XX\n\n"
         "preamble\n--XX\nContent-Type: text/plain; charset=utf-8\n\n"
         "hello\n--XX\nContent-Type: message/rfc822\n\n"
         "From: inner@example.org\nSubject: inner\n\ninner body\n"
         "--XX--\n").encode(),
        b"From: crlf@example.org\r\nSubject: crlf\r\n\r\nline\r\n",
        b"Subject: no body, no blank line\nFrom: x@example.org\n",
        b"From: big@example.org\nSubject: big header\nX-Long: "
        + b"x" * 20000 + b"\n\nbody\n",
        b"From: a@example.org\nSubject: second copy\n"
        b"Subject: repeated\nReply-To: r@example.org\n\n.\n",
    ]
    return out


class TestImapdCache(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox()
        cls.maildir = os.path.join(cls.sb.dir, "mail", "example.test",
                                   "demo", "Maildir")
        cls.sb.start()
        cls.port = cls.sb.port("imap")

    @classmethod
    def tearDownClass(cls):
        cls.sb.cleanup()

    def setUp(self):
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            if os.path.isdir(d):
                for name in os.listdir(d):
                    os.unlink(os.path.join(d, name))
        self.drop_cache()

    def drop_cache(self):
        for f in CACHE_FILES:
            try:
                os.unlink(os.path.join(self.maildir, f))
            except FileNotFoundError:
                pass

    def put(self, data):
        r = subprocess.run([prog("maildir_put"), self.maildir], input=data,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return os.path.join(self.maildir, r.stdout.decode().strip())

    def fetch(self, items=ITEMS, uids="1:*"):
        """All untagged FETCH lines of one session, as bytes."""
        r = Raw(self.port)
        try:
            _, tagged = r.login()
            self.assertIn(b"OK", tagged)
            _, tagged = r.cmd("EXAMINE INBOX")
            self.assertIn(b"OK", tagged)
            lines, tagged = r.cmd("UID FETCH %s %s" % (uids, items))
            self.assertIn(b" OK", tagged)
            r.cmd("LOGOUT")
        finally:
            r.close()
        return b"".join(lines)

    def reconf(self, setting):
        r = run([prog("petrel-conf"), "-c", self.sb.etc, "-e", setting])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sb.petrel("reload")
        self.assertEqual(r.returncode, 0, r.stderr)

    def cache_exists(self):
        return all(os.path.exists(os.path.join(self.maildir, f))
                   for f in CACHE_FILES)

    def test_identical_with_and_without_cache(self):
        for m in messages():
            self.put(m)
        cold = self.fetch()
        self.assertTrue(self.cache_exists())
        warm = self.fetch()
        self.assertEqual(cold, warm)
        self.assertIn(b"ENVELOPE (", warm)
        self.assertIn(b'"trace fields"', warm)
        hdr_cold = self.fetch(ITEMS_HDR)
        hdr_warm = self.fetch(ITEMS_HDR)
        self.assertEqual(hdr_cold, hdr_warm)
        self.reconf("imapd_cache_max_size=0")
        try:
            def uncached():
                self.drop_cache()
                out = self.fetch()
                return out if not os.path.exists(
                    os.path.join(self.maildir, "petrel-cache")) else None
            off = wait_for(uncached, 15, what="the reload")
            self.assertEqual(off, cold)
            self.assertEqual(self.fetch(ITEMS_HDR), hdr_cold)
        finally:
            self.reconf("imapd_cache_max_size=268435456")
            wait_for(lambda: self.fetch() and self.cache_exists(), 15,
                     what="the reload")

    def corrupt_and_check(self, name, offset):
        path = os.path.join(self.maildir, name)
        with open(path, "r+b") as f:
            f.seek(offset)
            b = f.read(1)
            f.seek(offset)
            f.write(bytes([b[0] ^ 0x5a]))

    def test_corrupt_index_is_rebuilt(self):
        for m in messages():
            self.put(m)
        good = self.fetch()
        before = self.sb.log().count("rebuilding")
        self.corrupt_and_check("petrel-cache.index", 20)
        self.assertEqual(self.fetch(), good)
        wait_for(lambda: self.sb.log().count("rebuilding") > before, 10,
                 what="the rebuild log line")
        self.assertRegex(self.sb.log(), r"petrel-cache: .*rebuilding")
        self.assertEqual(self.fetch(), good)
        # A flipped byte inside a record: a miss, never wrong data.
        size = os.path.getsize(os.path.join(self.maildir, "petrel-cache"))
        for off in range(24, size, max(1, size // 15)):
            self.corrupt_and_check("petrel-cache", off)
            self.assertEqual(self.fetch(), good)
        # Garbage for both files.
        for f in CACHE_FILES:
            with open(os.path.join(self.maildir, f), "wb") as fh:
                fh.write(b"PCINDEX1" + b"\xff" * 100)
        self.assertEqual(self.fetch(), good)

    def test_changed_behind_back(self):
        path = self.put(b"From: a@example.org\nSubject: old subject\n\nx\n")
        self.assertIn(b'"old subject"', self.fetch())
        self.assertIn(b'"old subject"', self.fetch())
        st = os.stat(path)
        with open(path, "wb") as f:
            f.write(b"From: a@example.org\nSubject: new subject!\n\nx\n")
        # Even within the same second, the mtime's nanoseconds differ;
        # make sure of it for file systems with coarse timestamps.
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
        out = self.fetch()
        self.assertIn(b'"new subject!"', out)
        self.assertNotIn(b"old subject", out)

    def test_warm_fetch_reads_the_cache(self):
        # Same size and mtime, other bytes: only a cache hit can still
        # show the old subject, which proves that the warm path does
        # not read the file (and why the key has the mtime).
        path = self.put(b"From: a@example.org\nSubject: subject AAA\n\nx\n")
        self.assertIn(b'"subject AAA"', self.fetch())
        st = os.stat(path)
        with open(path, "wb") as f:
            f.write(b"From: a@example.org\nSubject: subject BBB\n\nx\n")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertIn(b'"subject AAA"', self.fetch())
        # SEARCH on header fields uses the cache too; BODY never does.
        self.assertRegex(self.search('SUBJECT "subject AAA"'),
                         rb"^\* SEARCH \d+\r\n$")
        self.assertEqual(self.search('SUBJECT "subject BBB"'),
                         b"* SEARCH\r\n")
        self.assertRegex(self.search('TEXT "subject BBB"'),
                         rb"^\* SEARCH \d+\r\n$")
        # BODY[] is never taken from the cache.
        self.assertIn(b"BBB", self.fetch("(BODY.PEEK[])"))

    def search(self, criteria):
        r = Raw(self.port)
        try:
            r.login()
            r.cmd("EXAMINE INBOX")
            lines, tagged = r.cmd("UID SEARCH " + criteria)
            self.assertIn(b" OK", tagged)
        finally:
            r.close()
        return b"".join(lines)

    def test_search_same_with_cache(self):
        for m in messages():
            self.put(m)
        keys = ['FROM "example.org"', 'SUBJECT "trace"', 'CC "Q, R"',
                'HEADER Received relay3', 'SENTSINCE 1-Jan-2023',
                'OR SUBJECT crlf TO demo', 'NOT HEADER X-Long ""',
                'BODY hello']
        cold = [self.search(k) for k in keys]
        self.assertTrue(self.cache_exists())
        warm = [self.search(k) for k in keys]
        self.assertEqual(cold, warm)
        self.assertRegex(cold[1], rb"^\* SEARCH \d+\r\n$")
        self.assertEqual(cold[3], cold[1])
        self.assertEqual(len(cold[0].split()), 2 + 6)

    def test_expunged_leave_the_index(self):
        paths = [self.put(m) for m in messages()[:3]]
        self.fetch()
        size_before = os.path.getsize(
            os.path.join(self.maildir, "petrel-cache.index"))
        os.unlink(paths[0])
        os.unlink(paths[1])
        self.put(b"From: n@example.org\nSubject: newer\n\nx\n")
        out = self.fetch()
        self.assertIn(b'"newer"', out)
        idx = os.path.join(self.maildir, "petrel-cache.index")
        # 48-byte header and 16 bytes per cached message: 2 remain.
        self.assertEqual(os.path.getsize(idx), 48 + 2 * 16)
        self.assertEqual(size_before, 48 + 3 * 16)


if __name__ == "__main__":
    unittest.main()
