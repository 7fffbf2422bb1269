"""imapd(8): the per-folder cache (maildir_cache(3h), petrel-cache).

FETCH results must be byte for byte the same with the cache off
(imapd_cache_max_size = 0), on a cold cache and on a warm one; a
corrupt index or record is rebuilt (log line) and results stay right;
a message file rewritten behind imapd's back (same name, new content)
is parsed again, never served stale; expunged messages leave the
index.  A session never waits for the cache lock and never warns when
another session holds it; SEARCH on header fields gives the same
results with and without the cache, and learns the fields it read;
the cache of a folder stays small (only what was asked for).
Messages are put with build/tests/maildir_put.
"""

import os
import re
import socket
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
        self.sb.reload()

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
        # Maildir files never change once delivered, so a record is
        # trusted by unique name and size without a stat(2) per message
        # (maildir_cache(3h)); the content itself always comes from
        # the file.
        path = self.put(b"From: a@example.org\nSubject: old subject\n\nx\n")
        self.assertIn(b'"old subject"', self.fetch())
        self.assertIn(b'"old subject"', self.fetch())
        with open(path, "wb") as f:
            f.write(b"From: a@example.org\nSubject: new subject!\n\nx\n")
        self.assertIn(b"new subject!", self.fetch("(BODY.PEEK[])"))
        # The same content under a new unique name is a new message,
        # parsed from its file.
        self.put(b"From: a@example.org\nSubject: other one\n\nx\n")
        self.assertIn(b'"other one"', self.fetch("(ENVELOPE)"))

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

    def search_utf8(self, key, value):
        """UID SEARCH CHARSET UTF-8 key {literal}: the untagged lines."""
        r = Raw(self.port)
        try:
            r.login()
            r.cmd("EXAMINE INBOX")
            r.send(b"s1 UID SEARCH CHARSET UTF-8 " + key.encode()
                   + b" {%d}\r\n" % len(value))
            self.assertTrue(r.line().startswith(b"+"))
            r.send(value + b"\r\n")
            lines = r.until("s1")
            self.assertIn(b" OK", lines[-1])
        finally:
            r.close()
        return b"".join(lines[:-1])

    def imapd_warnings(self, since):
        return [l for l in self.sb.log()[since:].splitlines()
                if re.search(r"imapd.*(warning|error|fatal|panic)", l)]

    def test_lock_held_never_blocks_or_warns(self):
        for m in messages():
            self.put(m)
        lock = os.path.join(self.maildir, "petrel-cache.lock")
        # Held by a live process (this one), as another session would.
        with open(lock, "w") as f:
            f.write("%d %s\n" % (os.getpid(), socket.gethostname()))
        mark = len(self.sb.log())
        try:
            r = Raw(self.port)
            try:
                r.login()
                r.cmd("EXAMINE INBOX")
                for cmd in ("UID FETCH 1:* " + ITEMS,
                            "UID FETCH 1:* (BODY.PEEK[HEADER])",
                            'UID SEARCH HEADER X-Nothing "zz"',
                            'UID SEARCH SUBJECT "trace"',
                            "UID FETCH 1:* (BODY.PEEK[])"):
                    t = time.monotonic()
                    _, tagged = r.cmd(cmd)
                    took = time.monotonic() - t
                    self.assertIn(b" OK", tagged, cmd)
                    self.assertLess(took, 0.8, cmd)  # was a 1 s wait
                t = time.monotonic()
                r.cmd("LOGOUT")
                self.assertLess(time.monotonic() - t, 0.8)
            finally:
                r.close()
            self.assertFalse(os.path.exists(
                os.path.join(self.maildir, "petrel-cache.index")))
            self.assertTrue(os.path.exists(lock))   # never taken over
        finally:
            os.unlink(lock)
        time.sleep(0.2)
        self.assertEqual(self.imapd_warnings(mark), [])
        # Free again: the next session writes.
        self.fetch()
        self.assertTrue(self.cache_exists())

    def test_header_search_same_without_cache(self):
        subjects = [
            b"Subject: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= meeting\n",
            b"Subject: =?ISO-8859-1?B?SvZyZw==?= lower\n",
            b"Subject: folded\n  over two lines ALPHA\n",
            b"Subject: first\nSubject: second BETA\n",
            b"Subject: \xc3\x84rger UTF-8 raw\n",
            b"",
            b'Subject: a "quoted" back\\slash GAMMA\n',
            b"Subject:\n",
            b"Subject: nul \x00 inside DELTA\n",
            b"Subject: long " + b"w" * 1500 + b" EPSILON\n",
            b"Subject: \t  spaces around  \t\n",
        ]
        for i, subj in enumerate(subjects):
            self.put(b"From: =?utf-8?q?Zo=C3=AB?= <zoe%d@example.org>\n"
                     b"To: demo@example.test\nCc: \"Cc Person\" <cc@x.test>\n"
                     b"Bcc: hidden@example.net\nX-Tag: tag%d value\n"
                     % (i, i % 3) + subj
                     + b"Date: Mon, %d Jan 2023 03:04:05 +0000\n\nbody %d\n"
                     % (i + 1, i))
        keys = ['SUBJECT "meeting"', 'SUBJECT "j\xf6rg m\xfcller"',
                'SUBJECT "LINES alpha"', 'SUBJECT beta', 'SUBJECT first',
                'FROM "zo\xeb"', 'FROM ZOE3', 'TO DEMO@', 'CC "cc person"',
                'BCC hidden', 'HEADER X-Tag TAG1', 'HEADER X-Tag ""',
                'HEADER Subject ""', 'NOT HEADER Subject ""',
                'OR SUBJECT beta FROM zoe0', 'SENTSINCE 4-Jan-2023',
                'HEADER X-Absent x', 'SUBJECT ""', 'SUBJECT "\\"quoted\\""',
                'SUBJECT "back\\\\slash"', 'SUBJECT gamma', 'SUBJECT delta',
                'SUBJECT epsilon', 'SUBJECT "www w"', 'SUBJECT "spaces around"',
                'HEADER Subject "nul"']
        utf8 = [("SUBJECT", "jörg".encode()), ("SUBJECT", "ÄRGER".encode()),
                ("FROM", "ZOË".encode())]

        def run_all():
            out = [self.search(k) for k in keys]
            out += [self.search_utf8(k, v) for k, v in utf8]
            return out

        self.reconf("imapd_cache_max_size=0")
        try:
            def uncached():
                self.drop_cache()
                out = run_all()
                return out if not os.path.exists(
                    os.path.join(self.maildir, "petrel-cache")) else None
            none = wait_for(uncached, 15, what="the reload")
        finally:
            self.reconf("imapd_cache_max_size=268435456")
            wait_for(lambda: self.fetch() and self.cache_exists(), 15,
                     what="the reload")
        self.drop_cache()
        cold = run_all()                 # reads the files, learns
        self.assertTrue(self.cache_exists())
        warm = run_all()                 # from the cache
        self.drop_cache()
        self.fetch("(ENVELOPE)")         # records without the fields
        merged = run_all()
        again = run_all()
        for k, a, b, c, d, e in zip(keys + utf8, none, cold, warm, merged,
                                    again):
            self.assertEqual(a, b, k)
            self.assertEqual(a, c, k)
            self.assertEqual(a, d, k)
            self.assertEqual(a, e, k)
        self.assertRegex(none[0], rb"^\* SEARCH \d+\r\n$")
        self.assertRegex(none[keys.index('SUBJECT "j\xf6rg m\xfcller"')],
                         rb"^\* SEARCH \d+\r\n$")
        self.assertEqual(len(none[len(keys)].split()), 2 + 2)  # jörg
        self.assertEqual(len(none[keys.index('HEADER X-Tag ""')].split()),
                         2 + len(subjects))
        self.assertEqual(len(none[keys.index('SUBJECT beta')].split()),
                         2 + 1)
        for k in ('SUBJECT gamma', 'SUBJECT "\\"quoted\\""',
                  'SUBJECT "back\\\\slash"', 'SUBJECT epsilon',
                  'SUBJECT "spaces around"'):
            self.assertRegex(none[keys.index(k)], rb"^\* SEARCH \d+\r\n$", k)
        self.assertEqual(len(none[keys.index('HEADER Subject ""')].split()),
                         2 + len(subjects) - 1)

    def test_search_learns_the_fields(self):
        # After an ENVELOPE-only FETCH the record lacks X-Tag: the
        # first SEARCH reads the file and records the field, the
        # second one is answered from the record (a file changed with
        # the same size and mtime still shows the old value).
        path = self.put(b"From: a@example.org\nX-Tag: AAA\nSubject: s\n\nx\n")
        self.fetch("(ENVELOPE)")
        self.assertRegex(self.search("HEADER X-Tag aaa"),
                         rb"^\* SEARCH \d+\r\n$")
        st = os.stat(path)
        with open(path, "wb") as f:
            f.write(b"From: a@example.org\nX-Tag: BBB\nSubject: s\n\nx\n")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertRegex(self.search("HEADER X-Tag aaa"),
                         rb"^\* SEARCH \d+\r\n$")
        self.assertEqual(self.search("HEADER X-Tag bbb"), b"* SEARCH\r\n")
        # The ENVELOPE learnt before is still there.
        self.assertIn(b'"s"', self.fetch("(ENVELOPE)"))

    def test_search_subject_from_envelope(self):
        # A record with the ENVELOPE answers SUBJECT without a read of
        # the file (the one Subject field is the ENVELOPE's) ...
        path = self.put(b"From: a@example.org\nSubject: One AAA\n\nx\n")
        self.fetch("(ENVELOPE)")
        st = os.stat(path)
        with open(path, "wb") as f:
            f.write(b"From: a@example.org\nSubject: One BBB\n\nx\n")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertRegex(self.search("SUBJECT aaa"), rb"^\* SEARCH \d+\r\n$")
        self.assertEqual(self.search("SUBJECT bbb"), b"* SEARCH\r\n")
        # ... but not with two Subject fields: then the file is read.
        path = self.put(b"Subject: Two CCC\nSubject: Two DDD\n\nx\n")
        self.fetch("(ENVELOPE)")
        st = os.stat(path)
        with open(path, "wb") as f:
            f.write(b"Subject: Two CCC\nSubject: Two EEE\n\nx\n")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertRegex(self.search("SUBJECT ccc"), rb"^\* SEARCH \d+\r\n$")
        self.assertRegex(self.search("SUBJECT eee"), rb"^\* SEARCH \d+\r\n$")

    def test_cache_size_is_bounded(self):
        # 200 messages with long headers (lists, trace, signatures) and
        # bodies: the cache of a message list and a subject search
        # holds the envelope, the size and the Subject line only.
        n = 200
        for i in range(n):
            hdr = "".join("Received: from r%d.example.net (r%d [192.0.2.%d])"
                          " by mx.example.test; Mon, 2 Jan 2023 03:04:05 "
                          "+0000\n" % (j, j, j) for j in range(6))
            hdr += "".join("List-%s: <https://lists.example.org/%s/%d>\n"
                           % (k, k.lower(), i) for k in
                           ("Id", "Help", "Unsubscribe", "Subscribe", "Post",
                            "Owner", "Archive"))
            hdr += "".join("X-Spam-Report-%d: %s\n" % (j, "*" * 70)
                           for j in range(8))
            hdr += ("DKIM-Signature: v=1; a=rsa-sha256; b=%s\n" % ("Q" * 300))
            self.put((hdr + "From: Some Sender <sender%d@example.org>\n"
                      "To: demo@example.test\nSubject: message number %d\n"
                      "Date: Mon, 2 Jan 2023 03:04:05 +0000\n"
                      "Message-ID: <%d@example.org>\nMIME-Version: 1.0\n"
                      "Content-Type: text/plain\n\n" % (i, i, i)
                      + "body line\n" * 300).encode())
        self.fetch("(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)")
        self.assertEqual(len(self.search('SUBJECT "number 42"').split()),
                         2 + 1)
        size = os.path.getsize(os.path.join(self.maildir, "petrel-cache"))
        # Each message: about 350 bytes of ENVELOPE, 44 of fixed record
        # fields, its unique name and a 30-byte Subject line.
        self.assertLess(size, n * 700, size)
        before = size
        self.search('SUBJECT "number 42"')      # nothing new to learn
        self.fetch("(ENVELOPE)")
        self.assertEqual(os.path.getsize(
            os.path.join(self.maildir, "petrel-cache")), before)

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
