"""imapd(8): APPEND stores LF line ends, and gives back what was sent.

Delivery writes messages with LF line ends; APPEND must do the same, so
a message is never stored two ways.  Each test appends (imaplib where it
can, a raw socket where imaplib would rewrite the line ends: it turns a
lone CR or LF into CR LF itself) and checks the file in the Maildir (no
CR of a CR LF left, ",S=" the file size, ",W=" the size with CR LF) and
what FETCH gives back: BODY[] exactly the octets appended, RFC822.SIZE
and BINARY.SIZE[] their count.  Covered: a plain CR LF message, the same
message delivered and appended (same file, same FETCH), a 3 MB literal
with a CR LF astride the 64 KiB pieces the server converts, a lone CR
and a lone LF, literal8 with NUL and 8-bit octets, and MULTIAPPEND.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_imapd import ImapBase, message  # noqa: E402

CRLF_MSG = message(1).replace(b"\n", b"\r\n")
PIECE = 65536                   # imapd_cmd_append.c APPEND_PIECE


def sizes(name):
    """The ,S= and ,W= values of a Maildir file name."""
    s = re.search(r",S=(\d+)", name)
    w = re.search(r",W=(\d+)", name)
    return (int(s.group(1)) if s else None, int(w.group(1)) if w else None)


class TestAppendLineEnds(ImapBase):

    def only_file(self, folder="INBOX"):
        files = self.files(folder)
        self.assertEqual(len(files), 1, files)
        path = os.path.join(self.folder(folder), files[0])
        with open(path, "rb") as f:
            return files[0], f.read()

    def check_file(self, sent, stored_want, fetched_len):
        name, data = self.only_file()
        self.assertEqual(data, stored_want)
        self.assertEqual(sizes(name), (len(data), fetched_len))

    def fetch_uid(self, m, uid):
        """BODY[] and RFC822.SIZE of one message, via imaplib."""
        typ, data = m.uid("FETCH", str(uid), "(BODY.PEEK[])")
        self.assertEqual(typ, "OK", data)
        body = data[0][1]
        typ, data = m.uid("FETCH", str(uid), "(RFC822.SIZE)")
        self.assertEqual(typ, "OK", data)
        size = int(re.search(rb"RFC822\.SIZE (\d+)", data[0]).group(1))
        return body, size

    def append(self, m, data, folder="INBOX"):
        typ, resp = m.append(folder, None, None, data)
        self.assertEqual(typ, "OK", resp)
        return int(re.search(rb"APPENDUID \d+ (\d+)", resp[0]).group(1))

    def test_crlf_message(self):
        m = self.login()
        uid = self.append(m, CRLF_MSG)
        self.check_file(CRLF_MSG, CRLF_MSG.replace(b"\r\n", b"\n"),
                        len(CRLF_MSG))
        _, data = self.only_file()
        self.assertNotIn(b"\r", data)
        self.ok(m.select("INBOX"))
        body, size = self.fetch_uid(m, uid)
        self.assertEqual(body, CRLF_MSG)
        self.assertEqual(size, len(CRLF_MSG))
        typ, data = m.uid("FETCH", str(uid), "(BINARY.SIZE[])")
        self.assertEqual(typ, "OK", data)
        self.assertIn(b"BINARY.SIZE[] %d" % len(CRLF_MSG), data[0])
        # No CR CR LF anywhere in what FETCH sends.
        typ, data = m.uid("FETCH", str(uid), "(BODY.PEEK[TEXT])")
        self.assertNotIn(b"\r\r", data[0][1])

    def test_same_as_delivery(self):
        """Delivered (LF) and appended (CR LF): one file, one FETCH."""
        self.put(message(1))
        delivered = self.only_file()
        self.empty(self.maildir)
        m = self.login()
        self.append(m, CRLF_MSG)
        appended = self.only_file()
        self.assertEqual(appended[1], delivered[1])
        self.assertEqual(sizes(appended[0]), sizes(delivered[0]))

    def test_large_literal(self):
        """3 MB, a CR LF astride the server's 64 KiB conversion pieces."""
        head = message(7, body="-").replace(b"\n", b"\r\n")
        pad = (PIECE - 1 - len(head)) % 80
        lines = [b"p" * pad] + [b"x" * 78] * (3 * 1024 * 1024 // 80)
        big = head + b"\r\n".join(lines) + b"\r\n"
        self.assertEqual(big[PIECE - 1:PIECE + 1], b"\r\n")
        m = self.login()
        uid = self.append(m, big)
        self.check_file(big, big.replace(b"\r\n", b"\n"), len(big))
        self.ok(m.select("INBOX"))
        body, size = self.fetch_uid(m, uid)
        self.assertEqual(size, len(big))
        self.assertEqual(body, big)

    def test_lone_cr_and_lf(self):
        sent = (b"Subject: lone\r\nX-CR: a\rb\r\n\r\n"
                b"cr\rhere\r\nlf\nhere\r\nend\r")
        stored = (b"Subject: lone\nX-CR: a\rb\n\n"
                  b"cr\rhere\nlf\nhere\nend\r")
        # Readers send a lone LF as CR LF, a lone CR as it is.
        fetched = (b"Subject: lone\r\nX-CR: a\rb\r\n\r\n"
                   b"cr\rhere\r\nlf\r\nhere\r\nend\r")
        r = self.raw()
        self.assertIn(b"OK", r.login()[1])
        r.send(b"r9 APPEND INBOX {%d+}\r\n%s\r\n" % (len(sent), sent))
        tagged = r.until("r9")[-1]
        self.assertIn(b"OK [APPENDUID", tagged)
        self.check_file(sent, stored, len(fetched))
        r.cmd("SELECT INBOX")
        lines, _ = r.cmd("FETCH 1 (RFC822.SIZE)")
        self.assertIn(b"RFC822.SIZE %d" % len(fetched), lines[0])
        lines, _ = r.cmd("FETCH 1 (BODY.PEEK[])")
        self.assertTrue(lines[0].endswith(b"{%d}\r\n%s)\r\n"
                                          % (len(fetched), fetched)),
                        lines[0])

    def test_literal8_nul(self):
        sent = b"Subject: bin\r\n\r\nzero\x00byte\r\n\xff\xfe\x80\r\n"
        r = self.raw()
        self.assertIn(b"OK", r.login()[1])
        r.send(b"r9 APPEND INBOX ~{%d}\r\n" % len(sent))
        self.assertTrue(r.line().startswith(b"+ "))
        r.send(sent + b"\r\n")
        tagged = r.until("r9")[-1]
        self.assertIn(b"OK [APPENDUID", tagged)
        self.check_file(sent, sent.replace(b"\r\n", b"\n"), len(sent))
        r.cmd("SELECT INBOX")
        lines, _ = r.cmd("FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])")
        self.assertIn(b"BINARY.SIZE[] %d" % len(sent), lines[0])
        self.assertIn(b"~{%d}\r\n%s" % (len(sent), sent), lines[0])
        lines, _ = r.cmd("FETCH 1 (RFC822.SIZE)")
        self.assertIn(b"RFC822.SIZE %d" % len(sent), lines[0])

    def test_multiappend(self):
        msgs = [message(i).replace(b"\n", b"\r\n") for i in (1, 2)]
        r = self.raw()
        self.assertIn(b"OK", r.login()[1])
        data = b"r9 APPEND INBOX"
        for m in msgs:
            data += b" {%d+}\r\n%s" % (len(m), m)
        r.send(data + b"\r\n")
        self.assertIn(b"OK [APPENDUID", r.until("r9")[-1])
        files = self.files()
        self.assertEqual(len(files), 2)
        want = sorted(m.replace(b"\r\n", b"\n") for m in msgs)
        got = []
        for name in files:
            with open(os.path.join(self.maildir, name), "rb") as f:
                got.append(f.read())
        self.assertEqual(sorted(got), want)
        r.cmd("SELECT INBOX")
        lines, _ = r.cmd("FETCH 1:2 (RFC822.SIZE)")
        self.assertEqual(sorted(int(re.search(rb"SIZE (\d+)", x).group(1))
                                for x in lines),
                         sorted(len(m) for m in msgs))


if __name__ == "__main__":
    unittest.main()
