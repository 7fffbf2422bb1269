"""imapd(8): IMAP with real clients against a petrel-setup sandbox.

Python's imaplib (and raw sockets for what imaplib will not send) covers
login (plaintext on loopback, STARTTLS verified against the sandbox
certificate, implicit TLS), LOGINDISABLED, the folder commands with
special-use attributes, SELECT, FETCH, STORE (checked in the Maildir
file names), SEARCH, COPY/MOVE/APPEND with UIDPLUS codes, EXPUNGE, two
sessions seeing each other's changes, IDLE seeing a delivery, UIDs
across a restart, and malformed input.  mutt (batch, under a pty) reads
a message and mbsync syncs INBOX to a local Maildir, when installed.
Messages are put into the demo Maildir with build/tests/maildir_put,
the maildir(3h) delivery code.  As root, the uids of both halves are
checked in /proc.
"""

import base64
import imaplib
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import (IS_ROOT, Sandbox, argv_of, children_of,
                         proc_status, prog, run, wait_for)

USER = "demo@example.test"
PASSWORD = "secret-Pw1"
SPECIAL = {"Drafts": "\\Drafts", "Sent": "\\Sent", "Trash": "\\Trash",
           "Junk": "\\Junk", "Archive": "\\Archive"}


def message(n, subject=None, body=None, sender="sender@example.org"):
    subject = subject or "test %d" % n
    body = body or "Line one of message %d.\nsecond line\n" % n
    return ("From: Sender <%s>\nTo: %s\nSubject: %s\n"
            "Date: Mon, 2 Jan 2023 03:04:05 +0000\n"
            "Message-ID: <%d.test@example.org>\n\n%s"
            % (sender, USER, subject, n, body)).encode()


MULTIPART = (b"From: a@example.org\nTo: b@example.org\nSubject: parts\n"
             b"MIME-Version: 1.0\n"
             b"Content-Type: multipart/mixed; boundary=XX\n\n"
             b"preamble\n--XX\nContent-Type: text/plain; charset=utf-8\n\n"
             b"hello text part\n--XX\nContent-Type: application/octet-stream"
             b"\nContent-Transfer-Encoding: base64\n\naGVsbG8gYmluYXJ5\n"
             b"--XX--\n")


def have(program):
    return shutil.which(program) is not None


class Raw:
    """An IMAP connection on a bare socket, for what imaplib won't do."""

    def __init__(self, port, tls_context=None, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=20)
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(
                self.sock, server_hostname="localhost")
        self.f = self.sock.makefile("rb")
        self.n = 0

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        """One response line with its literals inlined."""
        out = b""
        while True:
            line = self.f.readline()
            out += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if not m:
                return out
            out += self.f.read(int(m.group(1)))

    def until(self, tag):
        """Lines up to and including the tagged one."""
        lines = []
        while True:
            line = self.line()
            if line == b"":
                raise EOFError("connection closed; got %r" % lines)
            lines.append(line)
            if line.startswith(tag.encode() + b" "):
                return lines

    def cmd(self, text):
        self.n += 1
        tag = "r%d" % self.n
        self.send(tag.encode() + b" " + text.encode() + b"\r\n")
        lines = self.until(tag)
        return lines[:-1], lines[-1]

    def login(self):
        self.line()
        return self.cmd('LOGIN %s "%s"' % (USER, PASSWORD))

    def close(self):
        for x in (self.f, self.sock):
            try:
                x.close()
            except OSError:
                pass


class ImapBase(unittest.TestCase):
    """One sandbox for the class; each test starts with an empty INBOX."""

    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox()
        cls.maildir = os.path.join(cls.sb.dir, "mail", "example.test",
                                   "demo", "Maildir")
        cls.sb.start()
        cls.port = cls.sb.port("imap")
        cls.port_tls = cls.sb.port("imaps")
        cls.cert = cls.sb.info["cert"]

    @classmethod
    def tearDownClass(cls):
        cls.sb.cleanup()

    def setUp(self):
        self.empty(self.maildir)

    @staticmethod
    def empty(maildir):
        for sub in ("new", "cur"):
            d = os.path.join(maildir, sub)
            if os.path.isdir(d):
                for name in os.listdir(d):
                    os.unlink(os.path.join(d, name))

    def folder(self, name):
        return self.maildir if name == "INBOX" else \
            os.path.join(self.maildir, "." + name)

    def put(self, data, folder="INBOX"):
        """Deliver data; the file's path."""
        md = self.folder(folder)
        r = subprocess.run([prog("maildir_put"), md], input=data,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return os.path.join(md, r.stdout.decode().strip())

    def files(self, folder="INBOX"):
        md = self.folder(folder)
        out = []
        for sub in ("new", "cur"):
            out += [sub + "/" + n for n in
                    os.listdir(os.path.join(md, sub))]
        return sorted(out)

    def ctx(self):
        return ssl.create_default_context(cafile=self.cert)

    def connect(self, host="127.0.0.1"):
        m = imaplib.IMAP4(host, self.port, timeout=20)
        self.addCleanup(self.close_quietly, m)
        return m

    def login(self):
        m = self.connect()
        m.login(USER, PASSWORD)
        return m

    def select(self, name="INBOX"):
        m = self.login()
        typ, data = m.select(name)
        self.assertEqual(typ, "OK", data)
        return m

    @staticmethod
    def close_quietly(m):
        try:
            m.shutdown()
        except Exception:
            pass

    def raw(self, port=None, tls=False):
        r = Raw(port or self.port, self.ctx() if tls else None)
        self.addCleanup(r.close)
        return r

    def ok(self, result):
        typ, data = result
        self.assertEqual(typ, "OK", data)
        return data


class TestLogin(ImapBase):

    def test_greeting_and_capability(self):
        r = self.raw()
        greeting = r.line()
        self.assertRegex(greeting, rb"^\* OK \[CAPABILITY IMAP4rev1 .*\] ")
        for c in (b"STARTTLS", b"AUTH=PLAIN", b"LITERAL+", b"SASL-IR",
                  b"ID", b"IDLE", b"ENABLE"):
            self.assertIn(b" " + c, greeting)
        self.assertNotIn(b"LOGINDISABLED", greeting)
        m = self.connect()
        typ, data = m.login(USER, PASSWORD)
        self.assertEqual(typ, "OK")
        self.assertIn(b"[CAPABILITY IMAP4rev1", data[0])
        caps = self.ok(m.capability())[0].split()
        for c in (b"NAMESPACE", b"UIDPLUS", b"MOVE", b"UNSELECT",
                  b"CHILDREN", b"SPECIAL-USE", b"IDLE", b"CONDSTORE",
                  b"ESEARCH", b"LIST-EXTENDED", b"LIST-STATUS",
                  b"IMAP4rev2", b"MULTIAPPEND", b"BINARY", b"SEARCHRES",
                  b"UTF8=ACCEPT", b"STATUS=SIZE"):
            self.assertIn(c, caps)
        for c in (b"STARTTLS", b"LOGINDISABLED", b"AUTH=PLAIN"):
            self.assertNotIn(c, caps)
        self.ok(m.noop())
        self.assertEqual(m.logout()[0], "BYE")

    def test_bad_password(self):
        r = self.raw()
        r.line()
        _, tagged = r.cmd('LOGIN %s "wrong"' % USER)
        self.assertRegex(tagged, rb"^r1 NO \[AUTHENTICATIONFAILED\]")
        _, tagged = r.cmd('LOGIN %s "%s"' % (USER, PASSWORD))
        self.assertRegex(tagged, rb"^r2 OK \[CAPABILITY ")
        _, tagged = r.cmd("NOOP")
        self.assertTrue(tagged.startswith(b"r3 OK"), tagged)

    def test_failure_limit(self):
        r = self.raw()
        r.line()
        for i in range(3):
            _, tagged = r.cmd('LOGIN nobody@example.test "x%d"' % i)
            self.assertIn(b"NO [AUTHENTICATIONFAILED]", tagged)
        self.assertTrue(r.line().startswith(b"* BYE"))
        self.assertEqual(r.line(), b"")

    def test_authenticate_plain(self):
        ir = base64.b64encode(b"\0" + USER.encode() + b"\0" +
                              PASSWORD.encode()).decode()
        r = self.raw()
        r.line()
        _, tagged = r.cmd("AUTHENTICATE PLAIN " + ir)
        self.assertRegex(tagged, rb"^r1 OK \[CAPABILITY ")
        m = self.connect()
        typ, _ = m.authenticate(
            "PLAIN", lambda _: b"\0" + USER.encode() + b"\0" +
            PASSWORD.encode())
        self.assertEqual(typ, "OK")
        r = self.raw()
        r.line()
        r.send(b"a AUTHENTICATE PLAIN\r\n")
        self.assertEqual(r.line(), b"+ \r\n")
        r.send(b"*\r\n")
        self.assertTrue(r.line().startswith(b"a BAD"))
        _, tagged = r.cmd("AUTHENTICATE PLAIN " + base64.b64encode(
            b"\0" + USER.encode() + b"\0nope").decode())
        self.assertIn(b"NO [AUTHENTICATIONFAILED]", tagged)

    def test_starttls(self):
        m = imaplib.IMAP4("localhost", self.port, timeout=20)
        self.addCleanup(self.close_quietly, m)
        self.assertIn("STARTTLS", m.capabilities)
        self.ok(m.starttls(ssl_context=self.ctx()))
        caps = self.ok(m.capability())[0].split()
        self.assertNotIn(b"STARTTLS", caps)
        self.assertIn(b"AUTH=PLAIN", caps)
        self.ok(m.login(USER, PASSWORD))
        self.ok(m.select("INBOX"))
        m.logout()

    def test_starttls_refuses_pipelined_plaintext(self):
        r = self.raw()
        r.line()
        r.send(b"a STARTTLS\r\nb NOOP\r\n")
        self.assertTrue(r.line().startswith(b"* BYE"))

    def test_imaps(self):
        m = imaplib.IMAP4_SSL("localhost", self.port_tls,
                              ssl_context=self.ctx(), timeout=20)
        self.addCleanup(self.close_quietly, m)
        self.assertNotIn("STARTTLS", m.capabilities)
        self.ok(m.login(USER, PASSWORD))
        self.put(message(1))
        self.assertEqual(self.ok(m.select("INBOX")), [b"1"])
        data = self.ok(m.fetch("1", "(BODY[])"))
        self.assertIn(b"Line one of message 1.\r\n", data[0][1])
        m.logout()

    def test_pipelined_login(self):
        r = self.raw()
        r.line()
        r.send(('a LOGIN %s "%s"\r\nb SELECT INBOX\r\nc LOGOUT\r\n'
                % (USER, PASSWORD)).encode())
        self.assertTrue(r.until("a")[-1].startswith(b"a OK [CAPABILITY"))
        self.assertIn(b"b OK [READ-WRITE]", r.until("b")[-1])
        self.assertTrue(r.until("c")[-1].startswith(b"c OK"))

    def test_id_and_wrong_state(self):
        r = self.raw()
        r.line()
        untagged, tagged = r.cmd('ID ("name" "test")')
        self.assertTrue(untagged[0].startswith(b'* ID ("name" "Petrel")'))
        for c in ("SELECT INBOX", "FETCH 1 FLAGS", "LIST \"\" *"):
            _, tagged = r.cmd(c)
            self.assertTrue(tagged.startswith(b"r%d BAD" % r.n), tagged)
        _, tagged = r.cmd('LOGIN %s "%s"' % (USER, PASSWORD))
        self.assertIn(b"OK", tagged)
        for c in ("LOGIN a b", "STARTTLS", "FETCH 1 FLAGS", "CLOSE"):
            _, tagged = r.cmd(c)
            self.assertTrue(tagged.startswith(b"r%d BAD" % r.n), tagged)

    def test_privileges(self):
        if not IS_ROOT:
            self.skipTest("needs root")
        import grp
        import pwd
        with open(os.path.join(self.sb.etc, "passwd")) as f:
            vuid, vgid = map(int, f.read().split(":")[2:4])
        m = imaplib.IMAP4_SSL("localhost", self.port_tls,
                              ssl_context=self.ctx(), timeout=20)
        self.addCleanup(self.close_quietly, m)
        self.ok(m.login(USER, PASSWORD))
        self.ok(m.select("INBOX"))
        login = session = None
        for k in children_of(self.sb.master_pid()):
            cmd = argv_of(k)
            if not cmd:
                continue
            if cmd[0].endswith(b"/imapd_session"):
                # The session half: a program of its own, no OpenSSL.
                with open("/proc/%d/maps" % k) as f:
                    self.assertNotIn("libcrypto", f.read())
            elif not cmd[0].endswith(b"/imapd"):
                continue
            st = proc_status(k)
            if cmd[0].endswith(b"_session") and \
                    st["Uid"].split()[0] != "0":
                session = st
            elif b"imapd_tls_wrappermode=yes" in cmd and \
                    st["State"][0] != "Z":
                if login is None or st["Uid"].split()[0] != "0":
                    login = st
        nobody = pwd.getpwnam("nobody")
        try:
            drop = grp.getgrnam("petreldrop").gr_gid
        except KeyError:
            drop = pwd.getpwnam("petrel").pw_gid
        self.assertIsNotNone(login)
        self.assertIsNotNone(session)
        self.assertEqual(login["Uid"].split(), [str(nobody.pw_uid)] * 4)
        self.assertIn(str(drop), login["Groups"].split())
        self.assertEqual(session["Uid"].split(), [str(vuid)] * 4)
        self.assertEqual(session["Gid"].split(), [str(vgid)] * 4)
        m.logout()


class TestFolders(ImapBase):

    def test_list_special_use(self):
        m = self.login()
        data = self.ok(m.list())
        found = {}
        for line in data:
            mm = re.match(rb'\(([^)]*)\) "/" (.*)$', line)
            self.assertIsNotNone(mm, line)
            found[mm.group(2).strip(b'"').decode()] = \
                mm.group(1).decode().split()
        self.assertIn("INBOX", found)
        for name, attr in SPECIAL.items():
            self.assertIn(attr, found[name])
            self.assertTrue(os.path.isdir(self.folder(name)))
        self.assertEqual(self.ok(m.list('""', '""')),
                         [b'(\\Noselect) "/" ""'])
        typ, data = m._simple_command("LIST", "(SPECIAL-USE)", '""', "*")
        self.assertEqual(typ, "OK")
        lines = m._untagged_response(typ, data, "LIST")[1]
        self.assertEqual(len(lines), 5, lines)
        typ, data = m._simple_command("LIST", '""', "%", "RETURN",
                                      "(SUBSCRIBED STATUS (MESSAGES))")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Subscribed",
                      b" ".join(m.untagged_responses.get("LIST", [])))
        self.assertTrue(m.untagged_responses.get("STATUS"))
        lsub = self.ok(m.lsub())
        self.assertEqual(len(lsub), 6, lsub)

    def test_create_delete_rename(self):
        m = self.login()
        self.ok(m.create("Projects/2024"))
        self.assertEqual(m.create("Projects/2024")[0], "NO")
        data = self.ok(m.list('""', "Projects*"))
        self.assertIn(b'(\\Noselect \\HasChildren) "/" Projects', data)
        self.assertIn(b'(\\HasNoChildren) "/" Projects/2024', data)
        self.ok(m.rename("Projects/2024", "Projects/2025"))
        self.assertTrue(os.path.isdir(self.folder("Projects.2025")))
        self.ok(m.subscribe("Projects/2025"))
        self.assertIn(b'"/" Projects/2025',
                      b" ".join(self.ok(m.lsub('""', "Projects/*"))))
        self.ok(m.unsubscribe("Projects/2025"))
        self.ok(m.delete("Projects/2025"))
        self.assertFalse(os.path.exists(self.folder("Projects.2025")))
        typ, data = m.delete("Projects/2025")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NONEXISTENT]", data[0])
        self.assertEqual(m.delete("INBOX")[0], "NO")
        self.ok(m.create("&AMk-t&AOk-"))       # "Été", modified UTF-7
        self.assertTrue(os.path.isdir(self.folder("\u00c9t\u00e9")))
        self.assertIn(b"&AMk-t&AOk-", b" ".join(self.ok(m.list())))
        self.ok(m.delete("&AMk-t&AOk-"))

    def test_status(self):
        self.put(message(1))
        self.put(message(2))
        m = self.login()
        data = self.ok(m.status("INBOX", "(MESSAGES UNSEEN UIDNEXT "
                                "UIDVALIDITY RECENT)"))
        self.assertRegex(data[0], rb"INBOX \(MESSAGES 2 RECENT 2 UIDNEXT "
                         rb"\d+ UIDVALIDITY \d+ UNSEEN 2\)")
        typ, data = m.status("NoSuch", "(MESSAGES)")
        self.assertEqual(typ, "NO")


class TestMessages(ImapBase):

    def test_select_responses(self):
        self.put(message(1))
        m = self.login()
        typ, data = m.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"1"]))
        r = m.untagged_responses
        self.assertIn(b"\\Seen", r["FLAGS"][0])
        self.assertIn(b"\\*", r["PERMANENTFLAGS"][0])
        self.assertEqual(r["RECENT"], [b"1"])
        self.assertTrue(r["UIDVALIDITY"][0].isdigit())
        self.assertTrue(r["UIDNEXT"][0].isdigit())
        self.assertTrue(r["HIGHESTMODSEQ"][0].isdigit())
        self.assertEqual(r["READ-WRITE"], [b""])
        typ, data = m.select("INBOX", readonly=True)
        self.assertEqual(typ, "OK")
        self.assertIn("READ-ONLY", m.untagged_responses)
        typ, data = m.store("1", "+FLAGS", "\\Seen")
        self.assertEqual(typ, "NO")
        typ, data = m.select("NoSuch")
        self.assertEqual(typ, "NO")
        self.assertEqual(m.state, "AUTH")

    def test_fetch_items(self):
        path = self.put(MULTIPART)
        with open(path, "rb") as f:
            content = f.read().replace(b"\n", b"\r\n")
        m = self.select()
        data = self.ok(m.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE UID "
                               "ENVELOPE BODYSTRUCTURE "
                               "BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
        head = data[0][0]
        self.assertIn(b"RFC822.SIZE %d" % len(content), head)
        self.assertRegex(head, rb'INTERNALDATE "\d\d-\w\w\w-\d{4} '
                         rb'\d\d:\d\d:\d\d [+-]\d{4}"')
        self.assertIn(b'ENVELOPE (NIL "parts" (', head)
        self.assertIn(b'BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" '
                      b'"utf-8")', head)
        self.assertIn(b'"MIXED" ("BOUNDARY" "XX")', head)
        self.assertEqual(data[0][1], b"Subject: parts\r\n\r\n")
        self.assertNotIn(b"\\Seen", head)
        self.assertTrue(path.endswith("W=%d" % len(content)))
        data = self.ok(m.fetch("1", "(BODY[])"))
        self.assertEqual(data[0][1], content)
        self.assertIn(b"\\Seen", data[0][0] + data[1])
        self.assertRegex(self.files()[0], r"^cur/.*:2,S$")
        data = self.ok(m.fetch("1", "(BODY[2] BODY[1]<0.5> BINARY[2])"))
        got = b"".join(x[1] for x in data if isinstance(x, tuple))
        self.assertIn(b"aGVsbG8gYmluYXJ5", got)
        self.assertIn(b"hello", got)
        self.assertIn(b"hello binary", got)
        with self.assertRaisesRegex(imaplib.IMAP4.error, "BAD"):
            m.fetch("5", "FLAGS")
        data = self.ok(m.uid("FETCH", "1:*", "(FLAGS)"))
        self.assertRegex(data[0], rb"UID \d+")

    def test_store_and_file_names(self):
        self.put(message(1))
        m = self.select()
        data = self.ok(m.store("1", "+FLAGS", "(\\Flagged \\Deleted)"))
        self.assertIn(b"\\Flagged", data[0])
        self.assertRegex(self.files()[0], r"^cur/.*:2,FT$")
        self.ok(m.store("1", "-FLAGS", "(\\Deleted)"))
        self.assertRegex(self.files()[0], r"^cur/.*:2,F$")
        self.ok(m.store("1", "+FLAGS", "(Important $Forwarded)"))
        self.assertRegex(self.files()[0], r"^cur/.*:2,FPa$")
        data = self.ok(m.fetch("1", "FLAGS"))
        self.assertIn(b"Important", data[0])
        self.assertIn(b"$Forwarded", data[0])
        data = self.ok(m.store("1", "FLAGS.SILENT", "(\\Seen)"))
        self.assertEqual(data, [None])
        self.assertRegex(self.files()[0], r"^cur/.*:2,S$")
        data = self.ok(m.store("1", "+FLAGS", "(\\Answered)"))
        self.assertIn(b"\\Answered \\Seen", data[0])

    def test_search(self):
        self.put(message(1, subject="apple pie"))
        self.put(message(2, subject="banana", sender="bob@example.net"))
        self.put(message(3, subject="cherry", body="find the needle here\n"))
        m = self.select()
        # Messages put with the same internal date get UIDs in the order
        # of their names, which need not be the order of put(): map
        # subjects to sequence numbers first.
        data = self.ok(m.fetch("1:3", "(BODY.PEEK[HEADER.FIELDS "
                               "(SUBJECT)])"))
        seq = {}
        for item in data:
            if isinstance(item, tuple):
                num = item[0].split()[0]
                seq[item[1].split(b":", 1)[1].split()[0]] = num
        a, b, c = seq[b"apple"], seq[b"banana"], seq[b"cherry"]

        def nums(*xs):
            return [b" ".join(sorted(xs, key=int))]
        self.ok(m.store(b.decode(), "+FLAGS", "\\Seen"))
        self.assertEqual(self.ok(m.search(None, "ALL")), [b"1 2 3"])
        self.assertEqual(self.ok(m.search(None, "SUBJECT", "apple")),
                         nums(a))
        self.assertEqual(self.ok(m.search(None, "FROM", "bob")), nums(b))
        self.assertEqual(self.ok(m.search(None, "UNSEEN")), nums(a, c))
        self.assertEqual(self.ok(m.search(None, "BODY", "needle")),
                         nums(c))
        self.assertEqual(self.ok(m.search(None, "OR", "SEEN", "SUBJECT",
                                          "cherry")), nums(b, c))
        self.assertEqual(self.ok(m.search("UTF-8", "NOT", "SEEN")),
                         nums(a, c))
        uids = self.ok(m.uid("SEARCH", "ALL"))[0].split()
        self.assertEqual(len(uids), 3)
        typ, data = m.search("KOI8-R", "ALL")
        self.assertEqual(typ, "NO")
        typ, data = m._simple_command("SEARCH", "RETURN", "(MIN MAX COUNT)",
                                      "ALL")
        self.assertEqual(typ, "OK")
        self.assertRegex(m.untagged_responses["ESEARCH"][0],
                         rb'\(TAG "\w+"\) MIN 1 MAX 3 COUNT 3')

    def test_copy_move(self):
        self.put(message(1))
        self.put(message(2))
        m = self.select()
        typ, data = m.copy("1:2", "Archive")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0], rb"^\[COPYUID \d+ \d+:\d+ \d+:\d+\]")
        self.assertEqual(len(self.files("Archive")), 2)
        typ, data = m.copy("1", "NoSuch")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", data[0])
        typ, data = m._simple_command("MOVE", "1", "Trash")
        self.assertEqual(typ, "OK")
        self.assertRegex(b" ".join(m.untagged_responses.get("OK", [])),
                         rb"\[COPYUID \d+ \d+ \d+\]")
        self.assertEqual(m.untagged_responses.get("EXPUNGE"), [b"1"])
        self.assertEqual(len(self.files("Trash")), 1)
        self.assertEqual(len(self.files()), 1)
        self.empty(self.folder("Archive"))
        self.empty(self.folder("Trash"))

    def test_append(self):
        m = self.select()
        typ, data = m.append("INBOX", "(\\Seen \\Flagged)",
                             imaplib.Time2Internaldate(1700000000),
                             message(7).replace(b"\n", b"\r\n"))
        self.assertEqual(typ, "OK")
        mm = re.match(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
        self.assertIsNotNone(mm, data)
        files = self.files()
        self.assertEqual(len(files), 1)
        self.assertRegex(files[0], r"^cur/1700000000\..*:2,FS$")
        self.assertEqual(m.untagged_responses.get("EXISTS")[-1], b"1")
        uid = self.ok(m.uid("SEARCH", "ALL"))[0]
        self.assertEqual(uid, mm.group(2))
        typ, data = m.append("NoSuch", None, None, b"x\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", data[0])

    def test_append_too_big(self):
        r = self.raw()
        r.login()
        _, tagged = r.cmd("APPEND INBOX {200000000}")
        self.assertTrue(tagged.startswith(b"r2 NO [TOOBIG]"), tagged)
        _, tagged = r.cmd("NOOP")
        self.assertTrue(tagged.startswith(b"r3 OK"), tagged)

    def test_expunge(self):
        p1 = self.put(message(1))
        self.put(message(2))
        m = self.select()
        self.ok(m.store("1", "+FLAGS", "\\Deleted"))
        typ, data = m.expunge()
        self.assertEqual((typ, data), ("OK", [b"1"]))
        self.assertEqual(len(self.files()), 1)
        self.assertFalse(os.path.exists(p1))
        self.ok(m.store("1", "+FLAGS", "\\Deleted"))
        uid = self.ok(m.fetch("1", "UID"))[0].split()[-1].strip(b")")
        self.ok(m.uid("EXPUNGE", (int(uid) + 1000).__str__()))
        self.assertEqual(len(self.files()), 1)
        self.ok(m.uid("EXPUNGE", uid.decode()))
        self.assertEqual(self.files(), [])
        self.ok(m.close())


class TestCondstore(ImapBase):

    def test_condstore(self):
        self.put(message(1))
        self.put(message(2))
        r = self.raw()
        r.login()
        untagged, tagged = r.cmd("ENABLE CONDSTORE")
        self.assertEqual(untagged, [b"* ENABLED CONDSTORE\r\n"])
        untagged, _ = r.cmd("SELECT INBOX")
        hms = [int(m.group(1)) for m in (re.search(
            rb"HIGHESTMODSEQ (\d+)", x) for x in untagged) if m]
        self.assertEqual(len(hms), 1)
        self.assertGreater(hms[0], 0)
        untagged, _ = r.cmd("FETCH 1:2 (MODSEQ)")
        mods = [int(re.search(rb"MODSEQ \((\d+)\)", x).group(1))
                for x in untagged]
        self.assertEqual(len(mods), 2)
        untagged, tagged = r.cmd("STORE 1 +FLAGS (\\Flagged)")
        self.assertRegex(untagged[0], rb"^\* 1 FETCH \(FLAGS \(\\Flagged "
                         rb"\\Recent\) MODSEQ \(\d+\)\)")
        new = int(re.search(rb"MODSEQ \((\d+)\)", untagged[0]).group(1))
        self.assertGreater(new, max(mods))
        untagged, tagged = r.cmd("STORE 1,2 (UNCHANGEDSINCE %d) "
                                 "+FLAGS.SILENT (\\Seen)" % mods[1])
        self.assertRegex(tagged, rb"OK \[MODIFIED 1\]")
        untagged, _ = r.cmd("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % new)
        self.assertEqual(len(untagged), 1, untagged)
        self.assertIn(b"* 2 FETCH", untagged[0])
        untagged, _ = r.cmd("SEARCH MODSEQ %d" % new)
        self.assertRegex(untagged[0], rb"^\* SEARCH 1 2 \(MODSEQ \d+\)")
        untagged, _ = r.cmd("STATUS Trash (HIGHESTMODSEQ MESSAGES)")
        self.assertRegex(untagged[0], rb"HIGHESTMODSEQ [1-9]")

    def test_list_extended(self):
        m = self.login()
        self.ok(m.create("Lists/sub"))
        self.ok(m.subscribe("Lists/sub"))
        typ, data = m._simple_command("LIST", "(SUBSCRIBED RECURSIVEMATCH)",
                                      '""', "%")
        self.assertEqual(typ, "OK")
        lines = m.untagged_responses.pop("LIST")
        self.assertIn(b'(\\NonExistent \\HasChildren) "/" Lists '
                      b'("CHILDINFO" ("SUBSCRIBED"))', lines)
        self.assertIn(b'(\\Subscribed \\HasNoChildren) "/" INBOX', lines)
        typ, data = m._simple_command("LIST", '""', '("Lists/*" "Sent")',
                                      "RETURN", "(CHILDREN)")
        lines = m.untagged_responses.pop("LIST")
        self.assertEqual(len(lines), 2, lines)
        self.ok(m.unsubscribe("Lists/sub"))
        self.ok(m.delete("Lists/sub"))


class TestMore(ImapBase):

    def test_sections(self):
        self.put(MULTIPART)
        m = self.login()
        self.ok(m.select("INBOX", readonly=True))
        data = self.ok(m.fetch("1", "(RFC822.HEADER BODY[TEXT] "
                               "BODY[1.MIME] BINARY.SIZE[2] BODY[2]<4.6>)"))
        got = {}
        for item in data:
            if isinstance(item, tuple):
                name = re.search(rb"([^\s(]+) \{\d+\}$", item[0]).group(1)
                got[name] = item[1]
        self.assertTrue(got[b"RFC822.HEADER"].startswith(b"From: a@"))
        self.assertTrue(got[b"RFC822.HEADER"].endswith(b"\r\n\r\n"))
        self.assertTrue(got[b"BODY[TEXT]"].startswith(b"preamble\r\n"))
        self.assertIn(b"Content-Type: text/plain", got[b"BODY[1.MIME]"])
        self.assertEqual(got[b"BODY[2]<4>"], b"bG8gYm")
        self.assertIn(b"BINARY.SIZE[2] 12", b" ".join(
            x[0] if isinstance(x, tuple) else x for x in data))
        # EXAMINE: read-only, nothing set \Seen, nothing moved to cur/.
        self.assertFalse(any(f.startswith("cur/") for f in self.files()))
        self.ok(m.fetch("1", "(BODY[])"))
        self.assertNotIn(b"\\Seen", b" ".join(
            x[0] if isinstance(x, tuple) else x
            for x in self.ok(m.fetch("1", "FLAGS"))))
        self.ok(m._simple_command("UNSELECT"))
        with self.assertRaisesRegex(imaplib.IMAP4.error, "BAD"):
            m.fetch("1", "FLAGS")

    def test_namespace_and_rename_inbox(self):
        self.put(message(1))
        m = self.login()
        data = self.ok(m.namespace())
        self.assertEqual(data, [b'(("" "/")) NIL NIL'])
        self.ok(m.rename("INBOX", "Old"))
        self.assertEqual(len(self.files("Old")), 1)
        self.assertEqual(self.files(), [])
        self.assertEqual(self.ok(m.select("Old")), [b"1"])
        self.ok(m.close())
        self.ok(m.delete("Old"))

    def test_folder_names(self):
        m = self.login()
        for name in ("v1.2", "a%b", "Dots.and/levels"):
            self.ok(m.create('"%s"' % name))
        names = b" ".join(self.ok(m.list()))
        for name in (b' v1.2', b' "a%b"', b' Dots.and/levels'):
            self.assertIn(name, names)
        self.assertTrue(os.path.isdir(self.folder("v1%2E2")))
        for name in ("v1.2", "a%b", "Dots.and/levels"):
            self.ok(m.delete('"%s"' % name))
        typ, data = m.create('"bad/../name"')
        self.assertEqual(typ, "NO")


class TestConcurrency(ImapBase):

    def test_two_sessions(self):
        self.put(message(1))
        self.put(message(2))
        a = self.select()
        b = self.select()
        self.ok(a.store("1", "+FLAGS", "\\Flagged"))
        self.ok(b.noop())
        self.assertIn(b"\\Flagged", b" ".join(
            b.untagged_responses.get("FETCH", [])))
        b.untagged_responses.clear()
        self.ok(a.store("1", "+FLAGS", "\\Deleted"))
        self.ok(a.expunge())
        # No EXPUNGE during FETCH without UID (RFC 3501 section 7.4.1).
        b.fetch("1:2", "(FLAGS)")
        self.assertNotIn("EXPUNGE", b.untagged_responses)
        typ, data = b.fetch("1", "(BODY.PEEK[])")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[EXPUNGEISSUED]", data[-1])
        self.assertNotIn("EXPUNGE", b.untagged_responses)
        self.ok(b.noop())
        self.assertEqual(b.untagged_responses.get("EXPUNGE"), [b"1"])
        self.put(message(3))
        self.ok(b.noop())
        self.assertEqual(b.untagged_responses.get("EXISTS"), [b"2"])
        self.ok(b.uid("FETCH", "1:*", "(FLAGS)"))

    def test_idle_sees_delivery(self):
        r = self.raw()
        r.login()
        r.cmd("SELECT INBOX")
        r.send(b"i IDLE\r\n")
        line = r.line()
        self.assertTrue(line.startswith(b"+ "), line)
        t = time.monotonic()
        self.put(message(1))
        self.assertEqual(r.line(), b"* 1 EXISTS\r\n")
        self.assertLess(time.monotonic() - t, 5)
        self.assertEqual(r.line(), b"* 1 RECENT\r\n")
        r.send(b"DONE\r\n")
        self.assertTrue(r.line().startswith(b"i OK"))
        b = self.select()
        self.ok(b.store("1", "+FLAGS", "\\Deleted"))
        r.send(b"j IDLE\r\n")
        self.assertEqual(r.line(),
                         b"* 1 FETCH (FLAGS (\\Deleted \\Recent))\r\n")
        self.assertTrue(r.line().startswith(b"+ "))
        self.ok(b.expunge())
        self.assertEqual(r.line(), b"* 1 EXPUNGE\r\n")
        r.send(b"DONE\r\n")
        self.assertTrue(r.line().startswith(b"j OK"))


class TestMalformed(ImapBase):

    def test_malformed_input(self):
        r = self.raw()
        r.login()
        r.cmd("SELECT INBOX")
        cases = [
            b"a1 FETCH 1 (FLAGS\r\n",               # unbalanced
            b"a2 FETCH 1 FLAGS)\r\n",
            b"a3 LOGIN {abc}\r\n",                  # bad literal
            b"a4 NOSUCHCOMMAND\r\n",                # unknown
            b"a5 NO\0OP\r\n",                       # NUL
            b"a6 SEARCH (((\r\n",
            b"a7 STORE 1 +FLAGS (\\Recent)\r\n",
            b"a8 FETCH 0 FLAGS\r\n",
            b"a9 SELECT {18446744073709551616}\r\n",   # literal too large
            b"a10 SELECT {99999999}\r\n",              # over the limit
            b"a11 SELECT {5\r\n",                      # broken literal
            b"a12 UID FROB 1\r\n",
        ]
        for c in cases:
            r.send(c)
            line = r.line()
            self.assertRegex(line, rb"^(a\d+|\*) (BAD|NO) ", (c, line))
        r.send(b"\r\n")
        self.assertTrue(r.line().startswith(b"* BAD"))
        r.send(b" NOOP\r\n")
        self.assertTrue(r.line().startswith(b"* BAD"))
        r.send(b"b1 NOOP " + b"x" * (10 * 1024 * 1024) + b"\r\n")
        self.assertRegex(r.line(), rb"^(b1|\*) BAD ")
        _, tagged = r.cmd("NOOP")
        self.assertTrue(tagged.startswith(b"r3 OK"), tagged)
        r.send(b"c1 LOGIN {5}\r\n")
        self.assertTrue(r.line().startswith(b"c1 BAD"))
        _, tagged = r.cmd("NOOP")
        self.assertTrue(tagged.startswith(b"r4 OK"), tagged)

    def test_error_limit(self):
        r = self.raw()
        r.line()
        for i in range(20):
            r.send(b"x%d BOGUS\r\n" % i)
        lines = [r.line() for _ in range(21)]
        self.assertTrue(lines[-1].startswith(b"* BYE"), lines[-3:])

    def test_literals(self):
        r = self.raw()
        r.line()
        r.send(b"a LOGIN {%d}\r\n" % len(USER))
        self.assertTrue(r.line().startswith(b"+ "))
        r.send(USER.encode() + b" {%d+}\r\n%s\r\n" % (len(PASSWORD),
                                                        PASSWORD.encode()))
        self.assertTrue(r.line().startswith(b"a OK"))


class TestConfig(ImapBase):
    """Tests that change main.cf."""

    def reconf(self, *settings):
        for s in settings:
            r = run([prog("petrel-conf"), "-c", self.sb.etc, "-e", s])
            self.assertEqual(r.returncode, 0, r.stderr)
        self.sb.reload()

    def test_logindisabled(self):
        self.reconf("auth_plaintext_loopback=no")
        try:
            def refused():
                m = imaplib.IMAP4("127.0.0.1", self.port, timeout=20)
                caps = m.capabilities
                m.shutdown()
                return "LOGINDISABLED" in caps
            wait_for(refused, 10, what="the reload")
            m = self.connect("localhost")
            self.assertNotIn("AUTH=PLAIN", m.capabilities)
            with self.assertRaisesRegex(imaplib.IMAP4.error,
                                        "PRIVACYREQUIRED"):
                m.login(USER, PASSWORD)
            self.ok(m.starttls(ssl_context=self.ctx()))
            self.ok(m.login(USER, PASSWORD))
            m.logout()
        finally:
            self.reconf("auth_plaintext_loopback=yes")

    def set_session_program(self, program):
        with open(os.path.join(self.sb.etc, "master.cf")) as f:
            lines = f.readlines()
        for i, l in enumerate(lines):
            if l.startswith("imapd-session "):
                lines[i] = " ".join(l.split()[:7] + [program]) + "\n"
        self.sb.write_etc("master.cf", "".join(lines))
        self.sb.reload()

    def test_master_cf_of_before_imapd_session(self):
        # An installed master.cf keeps its rows: "imapd session" (the
        # session half inside the login program) still works.
        self.set_session_program("imapd session")
        try:
            def session_cmd():
                m = self.connect()
                try:
                    self.ok(m.login(USER, PASSWORD))
                    self.ok(m.select("INBOX"))
                    for k in children_of(self.sb.master_pid()):
                        cmd = argv_of(k)
                        if b"session" in cmd[1:]:
                            return cmd
                finally:
                    m.logout()
                return None
            cmd = wait_for(session_cmd, 10, what="an imapd session")
            self.assertTrue(cmd[0].endswith(b"/imapd"), cmd)
        finally:
            self.set_session_program("imapd_session")

    def test_uids_stable_across_restart(self):
        for i in range(3):
            self.put(message(i))
        m = self.select()
        before = (m.untagged_responses["UIDVALIDITY"],
                  self.ok(m.uid("SEARCH", "ALL")))
        m.logout()
        self.sb.stop()
        self.sb.start()
        m = wait_for(lambda: self.try_select(), 15, what="restart")
        after = (m.untagged_responses["UIDVALIDITY"],
                 self.ok(m.uid("SEARCH", "ALL")))
        self.assertEqual(before, after)
        m.logout()

    def try_select(self):
        try:
            return self.select()
        except (OSError, imaplib.IMAP4.error):
            return None

    def test_long_sessions_outlive_the_watchdog(self):
        """daemon_timeout catches stuck processes, not long sessions:
        a session that keeps working (IDLE wake-ups, commands relayed
        by the TLS login half) lives longer than daemon_timeout."""
        self.reconf("daemon_timeout=3s")
        try:
            time.sleep(1.5)     # the reload replaces the processes
            plain = self.raw()
            self.assertIn(b" OK ", plain.login()[1])
            self.assertIn(b" OK ", plain.cmd("SELECT INBOX")[1])
            plain.send(b"i1 IDLE\r\n")
            self.assertTrue(plain.line().startswith(b"+ "))
            tls = self.raw(self.port_tls, tls=True)
            self.assertIn(b" OK ", tls.login()[1])
            for _ in range(7):
                self.assertIn(b" OK ", tls.cmd("NOOP")[1])
                time.sleep(1)
            plain.send(b"DONE\r\n")
            self.assertIn(b"i1 OK", plain.until("i1")[-1])
            self.assertIn(b" OK ", plain.cmd("LOGOUT")[1])
            self.assertIn(b" OK ", tls.cmd("LOGOUT")[1])
            self.assertNotIn("killed by signal 14", self.sb.log())
        finally:
            self.reconf("daemon_timeout=18000s")


class TestClients(ImapBase):
    """mutt and mbsync against the sandbox."""

    def test_mutt_reads_a_message(self):
        if not have("mutt"):
            self.skipTest("mutt is not installed")
        import pty
        self.put(message(1, subject="for mutt", body="mutt was here\n"))
        tmp = tempfile.mkdtemp(prefix="imapd-mutt-")
        self.addCleanup(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "out")
        rc = os.path.join(tmp, "muttrc")
        with open(rc, "w") as f:
            f.write('set imap_user="%s"\nset imap_pass="%s"\n'
                    'set ssl_starttls=no\nset ssl_force_tls=no\n'
                    'set imap_authenticators="login"\n'
                    'set header_cache=""\nset message_cachedir=""\n'
                    'set move=no\nset quit=yes\nset wait_key=no\n'
                    'set mbox_type=Maildir\nset folder="%s"\n'
                    'push "<pipe-message>cat > %s<enter><quit>"\n'
                    % (USER, PASSWORD, tmp, out))
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "vt100"
            os.environ["HOME"] = tmp
            os.execvp("mutt", ["mutt", "-n", "-F", rc, "-f",
                               "imap://127.0.0.1:%d/INBOX" % self.port])
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:
                    break
        finally:
            os.close(fd)
            os.waitpid(pid, 0)
        with open(out, "rb") as f:
            got = f.read()
        self.assertIn(b"Subject: for mutt", got)
        self.assertIn(b"mutt was here", got)

    def test_mbsync(self):
        if not have("mbsync"):
            self.skipTest("isync (mbsync) is not installed")
        for i in range(3):
            self.put(message(i))
        tmp = tempfile.mkdtemp(prefix="imapd-mbsync-")
        self.addCleanup(shutil.rmtree, tmp, True)
        local = os.path.join(tmp, "mail")
        os.makedirs(local)
        rc = os.path.join(tmp, "mbsyncrc")
        with open(rc, "w") as f:
            f.write("IMAPAccount petrel\nHost 127.0.0.1\nPort %d\n"
                    "User %s\nPass %s\nSSLType None\nAuthMechs LOGIN\n\n"
                    "IMAPStore remote\nAccount petrel\n\n"
                    "MaildirStore local\nPath %s/\nInbox %s/INBOX\n\n"
                    "Channel inbox\nFar :remote:\nNear :local:\n"
                    "Patterns INBOX\nCreate Near\nSync All\n"
                    "SyncState *\n" % (self.port, USER, PASSWORD, local,
                                       local))
        r = run(["mbsync", "-c", rc, "-a"], env=dict(os.environ,
                                                     HOME=tmp))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got = []
        for sub in ("new", "cur"):
            d = os.path.join(local, "INBOX", sub)
            for name in os.listdir(d):
                with open(os.path.join(d, name), "rb") as f:
                    data = f.read().replace(b"\r\n", b"\n")
                # mbsync marks what it stored with a header of its own.
                got.append(re.sub(rb"(?m)^X-TUID: .*\n", b"", data))
        self.assertEqual(sorted(got), sorted(message(i) for i in range(3)))
        # A flag set locally goes up.
        d = os.path.join(local, "INBOX", "cur")
        names = os.listdir(d)
        if not names:
            d = os.path.join(local, "INBOX", "new")
            names = os.listdir(d)
        src = os.path.join(d, names[0])
        base = names[0].split(":2,")[0]
        os.rename(src, os.path.join(local, "INBOX", "cur", base + ":2,F"))
        r = run(["mbsync", "-c", rc, "-a"], env=dict(os.environ,
                                                     HOME=tmp))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(any(re.search(r":2,.*F", n) for n in self.files()),
                        self.files())


if __name__ == "__main__":
    unittest.main()
