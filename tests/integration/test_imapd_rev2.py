"""imapd(8): IMAP4rev2, UTF8=ACCEPT, SEARCHRES, MULTIAPPEND and BINARY.

Raw-socket sessions against a petrel-setup sandbox check the bytes on
the wire: ENABLE IMAP4rev2 (no RECENT, no \\Recent, SEARCH answered with
ESEARCH, LIST in SELECT, \\NonExistent), ENABLE UTF8=ACCEPT (UTF-8
mailbox names both ways, APPEND UTF8 (~{n}) only after the ENABLE),
SEARCH RETURN (SAVE) with "$" in FETCH, STORE, COPY,
MOVE, UID EXPUNGE, SEARCH and UID FETCH (CHANGEDSINCE m VANISHED) and
its reset rules, what RFC 9051 removed (STATUS RECENT, SEARCH
RECENT/NEW/OLD, LSUB: BAD after ENABLE IMAP4rev2, kept for IMAP4rev1),
the untagged LIST with OLDNAME after RENAME (rev2 only), UTF8=ONLY not
advertised, atomic MULTIAPPEND (a failing or
too large later message stores nothing) and literal8 APPEND with NUL
octets, checked in the Maildir.
"""

import imaplib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import Sandbox, prog, run  # noqa: E402
from test_imapd import ImapBase, message  # noqa: E402

APPEND_LIMIT = 3000


class TestRev2(ImapBase):

    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox()
        cls.maildir = os.path.join(cls.sb.dir, "mail", "example.test",
                                   "demo", "Maildir")
        r = run([prog("petrel-conf"), "-c", cls.sb.etc, "-e",
                 "imapd_append_size_limit=%d" % APPEND_LIMIT])
        assert r.returncode == 0, r.stderr
        cls.sb.start()
        cls.port = cls.sb.port("imap")
        cls.port_tls = cls.sb.port("imaps")
        cls.cert = cls.sb.info["cert"]

    def session(self, enable=None, select=None):
        r = self.raw()
        _, tagged = r.login()
        self.assertIn(b"OK", tagged)
        if enable:
            lines, tagged = r.cmd("ENABLE " + enable)
            self.assertIn(b"OK", tagged)
            self.assertTrue(lines[0].startswith(b"* ENABLED"), lines)
        if select:
            lines, tagged = r.cmd("SELECT " + select)
            self.assertIn(b"OK [READ-WRITE]", tagged)
        return r

    def inbox_count(self, folder="INBOX"):
        return len(self.files(folder))

    def test_capability_and_enable(self):
        r = self.raw()
        self.assertIn(b" IMAP4rev2 ", r.line())
        r.cmd('LOGIN %s "%s"' % ("demo@example.test", "secret-Pw1"))
        lines, _ = r.cmd("CAPABILITY")
        for c in (b"IMAP4rev1", b"IMAP4rev2", b"UTF8=ACCEPT", b"SEARCHRES",
                  b"MULTIAPPEND", b"BINARY", b"STATUS=SIZE"):
            self.assertIn(b" " + c, lines[0])
        lines, tagged = r.cmd("ENABLE IMAP4rev2 UTF8=ACCEPT X-UNKNOWN")
        self.assertEqual(lines, [b"* ENABLED IMAP4rev2 UTF8=ACCEPT\r\n"])
        lines, _ = r.cmd("ENABLE IMAP4rev2")
        self.assertEqual(lines, [b"* ENABLED\r\n"])

    def test_rev1_unchanged(self):
        self.put(message(1))
        r = self.session()
        lines, _ = r.cmd("SELECT INBOX")
        self.assertIn(b"* 1 RECENT\r\n", lines)
        lines, _ = r.cmd("FETCH 1 FLAGS")
        self.assertIn(b"\\Recent", lines[0])
        lines, _ = r.cmd("SEARCH ALL")
        self.assertEqual(lines, [b"* SEARCH 1\r\n"])

    def test_rev2_select_search(self):
        self.put(message(1))
        self.put(message(2))
        r = self.session("IMAP4rev2")
        lines, tagged = r.cmd("SELECT INBOX")
        self.assertIn(b"* 2 EXISTS\r\n", lines)
        self.assertIn(b'* LIST () "/" INBOX\r\n', lines)
        self.assertFalse([x for x in lines if b"RECENT" in x], lines)
        lines, _ = r.cmd("FETCH 1:2 FLAGS")
        self.assertFalse([x for x in lines if b"\\Recent" in x], lines)
        lines, tagged = r.cmd("SEARCH ALL")
        self.assertEqual(lines, [b'* ESEARCH (TAG "r%d") ALL 1:2\r\n' % r.n])
        lines, _ = r.cmd("UID SEARCH SUBJECT \"test 2\"")
        self.assertRegex(lines[0], rb'^\* ESEARCH \(TAG "r\d+"\) UID ALL \d+')
        lines, _ = r.cmd("SEARCH RETURN () ALL")
        self.assertEqual(lines, [b'* ESEARCH (TAG "r%d") ALL 1:2\r\n' % r.n])
        lines, tagged = r.cmd("SEARCH NEW")
        self.assertEqual(lines, [])
        self.assertTrue(tagged.startswith(b"r%d BAD" % r.n), tagged)
        self.put(message(3))
        lines, _ = r.cmd("NOOP")
        self.assertEqual(lines, [b"* 3 EXISTS\r\n"])
        lines, _ = r.cmd("STATUS INBOX (MESSAGES SIZE DELETED)")
        self.assertRegex(lines[0],
                         rb"^\* STATUS INBOX \(MESSAGES 3 DELETED 0 "
                         rb"SIZE \d+\)\r\n")

    def test_rev2_list_nonexistent(self):
        r = self.session("IMAP4rev2")
        self.assertIn(b"OK", r.cmd("CREATE a/b/c")[1])
        lines, _ = r.cmd('LIST "" a/%')
        self.assertEqual(lines, [b'* LIST (\\NonExistent \\HasChildren) '
                                 b'"/" a/b\r\n'])
        r2 = self.session()
        lines, _ = r2.cmd('LIST "" a/%')
        self.assertEqual(lines, [b'* LIST (\\Noselect \\HasChildren) '
                                 b'"/" a/b\r\n'])
        self.assertIn(b"OK", r.cmd("DELETE a/b/c")[1])

    def test_utf8_names(self):
        r = self.session()
        # A raw UTF-8 name before the ENABLE is no valid name: NO.
        _, tagged = r.cmd('CREATE "Entw\u00fcrfe"'.encode().decode("latin-1"))
        self.assertTrue(tagged.startswith(b"r2 NO") or
                        tagged.startswith(b"r2 BAD"), tagged)
        _, tagged = r.cmd("CREATE Entw&APw-rfe")
        self.assertIn(b"OK", tagged)
        lines, _ = r.cmd('LIST "" Entw*')
        self.assertEqual(lines, [b'* LIST (\\HasNoChildren) "/" '
                                 b'Entw&APw-rfe\r\n'])
        r.n += 1
        r.send(b'r%d ENABLE UTF8=ACCEPT\r\n' % r.n)
        r.until("r%d" % r.n)
        r.n += 1
        r.send(b'r%d LIST "" "Entw*"\r\n' % r.n)
        lines = r.until("r%d" % r.n)
        self.assertEqual(lines[0], b'* LIST (\\HasNoChildren) "/" '
                         b'"Entw\xc3\xbcrfe"\r\n')
        r.n += 1
        r.send(b'r%d STATUS "Entw\xc3\xbcrfe" (MESSAGES)\r\n' % r.n)
        lines = r.until("r%d" % r.n)
        self.assertEqual(lines[0], b'* STATUS "Entw\xc3\xbcrfe" '
                         b'(MESSAGES 0)\r\n')
        body = message(7, subject="gr\u00fc\u00dfe").decode() \
            .encode("utf-8").replace(b"\n", b"\r\n")
        r.n += 1
        r.send(b'r%d APPEND "Entw\xc3\xbcrfe" UTF8 (~{%d+}\r\n%s)\r\n'
               % (r.n, len(body), body))
        lines = r.until("r%d" % r.n)
        self.assertIn(b"OK [APPENDUID", lines[-1])
        r.n += 1
        r.send(b'r%d STATUS "Entw\xc3\xbcrfe" (MESSAGES)\r\n' % r.n)
        lines = r.until("r%d" % r.n)
        self.assertEqual(lines[0], b'* STATUS "Entw\xc3\xbcrfe" '
                         b'(MESSAGES 1)\r\n')
        r.n += 1
        r.send(b'r%d SELECT "Entw\xc3\xbcrfe"\r\n' % r.n)
        r.until("r%d" % r.n)
        r.n += 1
        r.send(b'r%d SEARCH CHARSET UTF-8 SUBJECT "gr\xc3\xbc\xc3\x9fe"\r\n'
               % r.n)
        lines = r.until("r%d" % r.n)
        self.assertEqual(lines[0], b"* SEARCH 1\r\n")
        r.cmd("CLOSE")
        r.cmd("DELETE Entw&APw-rfe")

    def test_utf8_append_needs_enable(self):
        r = self.session()
        _, tagged = r.cmd("APPEND INBOX UTF8 (~{1+}\r\nx)")
        self.assertTrue(tagged.startswith(b"r2 BAD"), tagged)
        self.assertEqual(self.inbox_count(), 0)

    def test_searchres(self):
        for i in range(1, 6):
            self.put(message(i, subject="odd" if i % 2 else "even"))
        r = self.session(select="INBOX")
        # Which sequence numbers are "odd" depends on the order the
        # Maildir names sort in, not on the order of put(): ask first.
        lines, _ = r.cmd("SEARCH SUBJECT odd")
        odd = lines[0].split()[2:]
        self.assertEqual(len(odd), 3, lines)
        # "$" before any SAVE: the empty set.
        lines, tagged = r.cmd("FETCH $ (UID)")
        self.assertEqual(lines, [])
        self.assertIn(b"OK", tagged)
        lines, tagged = r.cmd("SEARCH RETURN (SAVE) SUBJECT odd")
        self.assertEqual(lines, [])
        self.assertIn(b"OK", tagged)
        lines, _ = r.cmd("FETCH $ (FLAGS)")
        self.assertEqual([x.split()[1] for x in lines], odd)
        lines, _ = r.cmd("UID SEARCH UID $")
        self.assertEqual(len(lines[0].split()), 5)
        lines, _ = r.cmd("SEARCH $ SEEN")
        self.assertEqual(lines, [b"* SEARCH\r\n"])
        lines, _ = r.cmd("STORE $ +FLAGS.SILENT (\\Flagged)")
        lines, _ = r.cmd("SEARCH FLAGGED")
        self.assertEqual(lines, [b"* SEARCH " + b" ".join(odd) + b"\r\n"])
        _, tagged = r.cmd("COPY $ Trash")
        self.assertIn(b"[COPYUID", tagged)
        self.assertEqual(self.inbox_count("Trash"), 3)
        # MIN and MAX only: those two are saved.
        lines, _ = r.cmd("SEARCH RETURN (SAVE MIN MAX) SUBJECT odd")
        self.assertEqual(lines, [b'* ESEARCH (TAG "r%d") MIN %s MAX %s\r\n'
                                 % (r.n, odd[0], odd[-1])])
        lines, _ = r.cmd("FETCH $ (UID)")
        self.assertEqual([x.split()[1] for x in lines], [odd[0], odd[-1]])
        _, tagged = r.cmd("MOVE $ Trash")
        self.assertIn(b"OK", tagged)
        self.assertEqual(self.inbox_count(), 3)
        # A failed SEARCH with SAVE empties the result.
        r.cmd("SEARCH RETURN (SAVE) ALL")
        _, tagged = r.cmd("SEARCH RETURN (SAVE) CHARSET X-NONE ALL")
        self.assertIn(b"NO [BADCHARSET", tagged)
        lines, _ = r.cmd("FETCH $ (UID)")
        self.assertEqual(lines, [])
        # SELECT resets it too.
        r.cmd("SEARCH RETURN (SAVE) ALL")
        r.cmd("SELECT INBOX")
        lines, _ = r.cmd("FETCH $ (UID)")
        self.assertEqual(lines, [])
        # "$" is not a number.
        _, tagged = r.cmd("FETCH 1:$ (UID)")
        self.assertIn(b" BAD ", tagged)
        for n in os.listdir(os.path.join(self.folder("Trash"), "cur")):
            os.unlink(os.path.join(self.folder("Trash"), "cur", n))

    def test_multiappend(self):
        r = self.session()
        msgs = [message(i).replace(b"\n", b"\r\n") for i in (1, 2, 3)]
        data = b"r9 APPEND INBOX"
        for m in msgs:
            data += b" (\\Seen) {%d+}\r\n%s" % (len(m), m)
        r.send(data + b"\r\n")
        tagged = r.until("r9")[-1]
        self.assertRegex(tagged, rb"^r9 OK \[APPENDUID \d+ (\d+):(\d+)\]")
        self.assertEqual(self.inbox_count(), 3)
        # The third message is empty: none of the three is kept.
        r.send(b"r10 APPEND INBOX {%d+}\r\n%s {%d+}\r\n%s {0+}\r\n\r\n"
               % (len(msgs[0]), msgs[0], len(msgs[1]), msgs[1]))
        tagged = r.until("r10")[-1]
        self.assertTrue(tagged.startswith(b"r10 NO"), tagged)
        self.assertEqual(self.inbox_count(), 3)
        lines, _ = r.cmd("STATUS INBOX (MESSAGES)")
        self.assertIn(b"MESSAGES 3", lines[0])

    def test_multiappend_toobig(self):
        r = self.session()
        small = message(1).replace(b"\n", b"\r\n")
        big = b"X" * (APPEND_LIMIT + 1)
        r.send(b"r9 APPEND INBOX {%d+}\r\n%s {%d+}\r\n%s {%d}\r\n"
               % (len(small), small, len(small), small, len(big)))
        tagged = r.until("r9")[-1]
        self.assertTrue(tagged.startswith(b"r9 NO [TOOBIG]"), tagged)
        self.assertEqual(self.inbox_count(), 0)
        lines, tagged = r.cmd("NOOP")
        self.assertIn(b"OK", tagged)
        # The same as non-synchronizing literals: skipped, nothing kept.
        r.send(b"r10 APPEND INBOX {%d+}\r\n%s {%d+}\r\n%s {%d+}\r\n%s\r\n"
               % (len(small), small, len(small), small, len(big), big))
        tagged = r.until("r10")[-1]
        self.assertTrue(tagged.startswith(b"r10 NO [TOOBIG]") or
                        tagged.startswith(b"r10 BAD"), tagged)
        self.assertEqual(self.inbox_count(), 0)
        lines, tagged = r.cmd("NOOP")
        self.assertIn(b"OK", tagged)

    def test_binary_append(self):
        r = self.session()
        m = b"Subject: bin\r\n\r\nzero\x00byte\r\n"
        r.send(b"r9 APPEND INBOX ~{%d}\r\n" % len(m))
        self.assertTrue(r.line().startswith(b"+ "))
        r.send(m + b"\r\n")
        tagged = r.until("r9")[-1]
        self.assertIn(b"OK [APPENDUID", tagged)
        files = self.files()
        self.assertEqual(len(files), 1)
        with open(os.path.join(self.maildir, files[0]), "rb") as f:
            self.assertIn(b"zero\x00byte", f.read())
        # NUL in a plain literal: BAD, nothing stored.
        r.send(b"r10 APPEND INBOX {%d+}\r\n%s\r\n" % (len(m), m))
        tagged = r.until("r10")[-1]
        self.assertTrue(tagged.startswith(b"r10 BAD"), tagged)
        self.assertEqual(len(self.files()), 1)
        # literal8 where a string is not a message: BAD.
        r.send(b"r11 SELECT ~{5+}\r\nINBOX\r\n")
        tagged = r.until("r11")[-1]
        self.assertTrue(tagged.startswith(b"r11 BAD"), tagged)
        # A malformed literal8 announcement.
        r.send(b"r12 APPEND INBOX ~{x}\r\n")
        tagged = r.until("r12")[-1]
        self.assertTrue(tagged.startswith(b"r12 BAD"), tagged)
        r.cmd("SELECT INBOX")
        lines, _ = r.cmd("FETCH 1 BINARY.PEEK[]")
        self.assertIn(b"zero\x00byte", b"".join(lines))

    # RFC 9051 removed \Recent: STATUS RECENT, SEARCH RECENT/NEW/OLD
    # and LSUB are not in its grammar.  After ENABLE IMAP4rev2 they are
    # BAD; an IMAP4rev1 client keeps them.

    REMOVED_SEARCHES = ("RECENT", "NEW", "OLD", "NOT NEW",
                        "OR SEEN OLD", "(ALL RECENT)")

    def test_rev2_removed_syntax(self):
        self.put(message(1))
        m = self.login()
        self.ok(m.enable("IMAP4rev2"))
        self.ok(m.select("INBOX"))
        for items in ("(RECENT)", "(MESSAGES RECENT)"):
            with self.assertRaisesRegex(imaplib.IMAP4.error, "IMAP4rev2"):
                m.status("INBOX", items)
        data = self.ok(m.status("INBOX", "(MESSAGES UNSEEN)"))
        self.assertIn(b"MESSAGES 1", data[0])
        for key in self.REMOVED_SEARCHES:
            with self.assertRaisesRegex(imaplib.IMAP4.error, "IMAP4rev2"):
                m.search(None, key)
        with self.assertRaisesRegex(imaplib.IMAP4.error, "LIST"):
            m.lsub()
        with self.assertRaises(imaplib.IMAP4.error):
            m.list('""', '"*" RETURN (STATUS (RECENT))')
        # LIST (SUBSCRIBED) is what replaces LSUB.
        m.untagged_responses.pop("LIST", None)    # SELECT's
        typ, data = m.list('(SUBSCRIBED) ""', "*")
        self.assertEqual(typ, "OK", data)
        self.assertTrue([x for x in data if x.endswith(b" INBOX")], data)
        self.assertTrue(all(b"\\Subscribed" in x for x in data), data)
        # The session is fine afterwards.
        self.ok(m.noop())

    def test_rev1_keeps_removed_syntax(self):
        self.put(message(1))
        m = self.login()
        data = self.ok(m.status("INBOX", "(MESSAGES RECENT)"))
        self.assertRegex(data[0], rb"MESSAGES 1 RECENT 1\)")
        self.ok(m.select("INBOX"))
        for key in self.REMOVED_SEARCHES:
            data = self.ok(m.search(None, key))
            want = b"" if key in ("OLD", "OR SEEN OLD", "NOT NEW") \
                else b"1"
            self.assertEqual(data, [want], key)
        data = self.ok(m.lsub('""', "*"))
        self.assertTrue([x for x in data if x.endswith(b" INBOX")], data)
        # RENAME: no untagged LIST, no OLDNAME for a rev1 client.
        self.ok(m.create("Rev1Old"))
        self.ok(m.rename("Rev1Old", "Rev1New"))
        self.assertNotIn("LIST", m.untagged_responses)
        data = self.ok(m.list('""', "Rev1*"))
        self.assertEqual(data, [b'(\\HasNoChildren) "/" Rev1New'])
        self.ok(m.delete("Rev1New"))

    def test_rev2_rename_oldname(self):
        r = self.session("IMAP4rev2")
        for name in ("RenA", "RenA/b", "RenA/b/c", "RenAB"):
            self.assertIn(b"OK", r.cmd("CREATE " + name)[1])
        lines, tagged = r.cmd("RENAME RenA RenZ")
        self.assertIn(b"OK", tagged)
        self.assertEqual(lines, [
            b'* LIST (\\HasChildren) "/" RenZ ("OLDNAME" (RenA))\r\n',
            b'* LIST (\\HasChildren) "/" RenZ/b ("OLDNAME" (RenA/b))\r\n',
            b'* LIST (\\HasNoChildren) "/" RenZ/b/c '
            b'("OLDNAME" (RenA/b/c))\r\n'])
        # A UTF-8 name (rev2 implies UTF-8) both ways.
        lines, tagged = r.cmd('RENAME RenAB "Ren\u00e9"')
        self.assertIn(b"OK", tagged)
        self.assertEqual(lines, [b'* LIST (\\HasNoChildren) "/" '
                                 b'"Ren\xc3\xa9" ("OLDNAME" (RenAB))\r\n'])
        # Only in the RENAME context: LIST itself never says OLDNAME.
        lines, _ = r.cmd('LIST "" Ren*')
        self.assertEqual(len(lines), 4, lines)
        self.assertFalse([x for x in lines if b"OLDNAME" in x], lines)
        lines, _ = r.cmd('LIST (SUBSCRIBED) "" * RETURN (CHILDREN)')
        self.assertFalse([x for x in lines if b"OLDNAME" in x], lines)
        # INBOX stays where it is: RENAME INBOX names no old name.
        self.put(message(1))
        lines, tagged = r.cmd("RENAME INBOX RenInbox")
        self.assertIn(b"OK", tagged)
        self.assertEqual(lines, [])
        # A failed RENAME sends nothing either.
        lines, tagged = r.cmd("RENAME Nothing Else")
        self.assertIn(b"NO [NONEXISTENT]", tagged)
        self.assertEqual(lines, [])
        for name in ("RenZ/b/c", "RenZ/b", "RenZ", '"Ren\u00e9"',
                     "RenInbox"):
            for sub in ("cur", "new"):
                d = os.path.join(self.folder(name.strip('"')), sub)
                for n in os.listdir(d) if os.path.isdir(d) else []:
                    os.unlink(os.path.join(d, n))
            self.assertIn(b"OK", r.cmd("DELETE " + name)[1])

    def test_searchres_everywhere(self):
        """"$" wherever a sequence set may stand, QRESYNC included."""
        for i in range(1, 6):
            self.put(message(i, subject="odd" if i % 2 else "even"))
        m = self.login()
        self.ok(m.enable("QRESYNC"))
        self.ok(m.select("INBOX"))
        typ, data = m.uid("SEARCH", "SUBJECT", "odd")
        self.assertEqual(typ, "OK", data)
        odd = data[0].split()
        self.assertEqual(len(odd), 3, data)
        all_uids = self.ok(m.uid("SEARCH", "ALL"))[0].split()
        even = [u for u in all_uids if u not in odd]
        typ, data = m._simple_command("UID", "SEARCH", "RETURN", "(SAVE)",
                                      "SUBJECT", "odd")
        self.assertEqual(typ, "OK", data)
        # Modseq before the changes below.
        data = self.ok(m.uid("FETCH", b",".join(all_uids).decode(),
                             "(MODSEQ)"))
        base = max(int(re.search(rb"MODSEQ \((\d+)\)", x).group(1))
                   for x in data)
        # UID STORE and UID FETCH with "$".
        self.ok(m.uid("STORE", "$", "+FLAGS.SILENT", "(\\Flagged)"))
        data = self.ok(m.uid("FETCH", "$", "(FLAGS)"))
        self.assertEqual(sorted(re.search(rb"UID (\d+)", x).group(1)
                                for x in data), sorted(odd))
        # Expunge one saved and one unsaved message.
        self.ok(m.uid("STORE", "%s,%s" % (odd[0].decode(),
                                          even[0].decode()),
                      "+FLAGS.SILENT", "(\\Deleted)"))
        self.ok(m._simple_command("UID", "EXPUNGE", "$"))
        self.assertEqual(m.untagged_responses.pop("VANISHED"), [odd[0]])
        self.assertEqual(len(self.files()), 4)
        data = self.ok(m.uid("SEARCH", "DELETED"))
        self.assertEqual(data, [even[0]])
        self.ok(m.uid("STORE", even[0].decode(), "-FLAGS.SILENT",
                      "(\\Deleted)"))
        # UID FETCH $ (CHANGEDSINCE m VANISHED): the changed saved
        # messages, OK; the expunged one left "$", so nothing vanished.
        tag = m._new_tag()
        m.send(tag + b" UID FETCH $ (FLAGS) (CHANGEDSINCE %d VANISHED)"
               b"\r\n" % base)
        typ, data = m._command_complete("FETCH", tag)
        self.assertEqual(typ, "OK", data)
        fetched = m.untagged_responses.pop("FETCH", [])
        self.assertEqual(sorted(re.search(rb"UID (\d+)", x).group(1)
                                for x in fetched), sorted(odd[1:]))
        self.assertTrue(all(b"\\Flagged" in x for x in fetched))
        self.assertNotIn("VANISHED", m.untagged_responses)
        # The same over all UIDs names the expunged one.
        tag = m._new_tag()
        m.send(tag + b" UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)"
               b"\r\n" % base)
        typ, data = m._command_complete("FETCH", tag)
        self.assertEqual(typ, "OK", data)
        self.assertEqual(m.untagged_responses.pop("VANISHED", []),
                         [b"(EARLIER) " + odd[0]])
        m.untagged_responses.pop("FETCH", None)
        # COPY, MOVE and SEARCH with "$".
        typ, data = m.uid("COPY", "$", "Trash")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(len(self.files("Trash")), 2)
        data = self.ok(m.uid("SEARCH", "$", "FLAGGED"))
        self.assertEqual(sorted(data[0].split()), sorted(odd[1:]))
        typ, data = m.uid("MOVE", "$", "Trash")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(len(self.files()), 2)
        self.assertEqual(len(self.files("Trash")), 4)
        for sub in ("cur", "new"):
            d = os.path.join(self.folder("Trash"), sub)
            for n in os.listdir(d):
                os.unlink(os.path.join(d, n))

    def test_no_utf8_only(self):
        """UTF8=ONLY is not advertised (see imapd(8) NOT SUPPORTED)."""
        m = self.login()
        caps = self.ok(m.capability())[0].split()
        self.assertIn(b"UTF8=ACCEPT", caps)
        self.assertNotIn(b"UTF8=ONLY", caps)
        # A client that never enables UTF-8 is served in full.
        self.ok(m.create("Entw&APw-rfe"))
        data = self.ok(m.list('""', "Entw*"))
        self.assertEqual(data, [b'(\\HasNoChildren) "/" Entw&APw-rfe'])
        self.ok(m.delete("Entw&APw-rfe"))


if __name__ == "__main__":
    unittest.main()
