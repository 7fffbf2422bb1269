"""imapd(8) QRESYNC (RFC 7162) over raw sockets, against a sandbox.

ENABLE QRESYNC (and the CONDSTORE it implies), SELECT with QRESYNC
parameters after another session expunged messages and changed flags
(the exact VANISHED (EARLIER) set and FETCH lines), UID FETCH with
CHANGEDSINCE and VANISHED, unsolicited VANISHED instead of EXPUNGE in a
second session during IDLE and NOOP and after EXPUNGE, MOVE and CLOSE,
the CLOSED response code, a stale UIDVALIDITY, a MODSEQ older than the
folder's expunge history (the history is cut in the UID list file, as
the bounded history does), malformed QRESYNC parameters and QRESYNC
without ENABLE.  Messages are put into the Maildir with
build/tests/maildir_put.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_imapd import ImapBase, message  # noqa: E402


def number(lines, pattern):
    """The first integer matched by pattern in a list of lines."""
    for line in lines:
        m = re.search(pattern, line)
        if m:
            return int(m.group(1))
    raise AssertionError("%r not in %r" % (pattern, lines))


def uidset(uids):
    """A sorted compact UID set, "2:4,7", as the server writes it."""
    out, run = [], []
    for u in sorted(uids):
        if run and u == run[-1] + 1:
            run.append(u)
            continue
        if run:
            out.append(run)
        run = [u]
    if run:
        out.append(run)
    return ",".join(str(r[0]) if len(r) == 1 else "%d:%d" % (r[0], r[-1])
                    for r in out).encode()


class QresyncBase(ImapBase):

    def session(self, enable=True):
        r = self.raw()
        r.login()
        if enable:
            untagged, tagged = r.cmd("ENABLE QRESYNC")
            self.assertIn(b" OK", tagged)
            self.assertEqual(untagged, [b"* ENABLED QRESYNC\r\n"])
        return r

    def state(self, r, mailbox="INBOX"):
        """SELECT; (uidvalidity, highestmodseq, [uids])."""
        untagged, tagged = r.cmd("SELECT " + mailbox)
        self.assertIn(b"OK [READ-WRITE]", tagged)
        uv = number(untagged, rb"\[UIDVALIDITY (\d+)\]")
        hms = number(untagged, rb"\[HIGHESTMODSEQ (\d+)\]")
        untagged, _ = r.cmd("UID FETCH 1:* (UID)")
        uids = [int(re.search(rb"UID (\d+)", x).group(1))
                for x in untagged if b"FETCH" in x]
        return uv, hms, uids

    def ok(self, reply):
        untagged, tagged = reply
        self.assertRegex(tagged, rb"^r\d+ OK", (untagged, tagged))
        return untagged

    def bad(self, reply):
        untagged, tagged = reply
        self.assertRegex(tagged, rb"^r\d+ BAD", (untagged, tagged))
        return untagged


class TestQresync(QresyncBase):

    def test_enable_and_capability(self):
        r = self.session(enable=False)
        untagged = self.ok(r.cmd("CAPABILITY"))
        self.assertIn(b" QRESYNC", untagged[0])
        self.assertEqual(self.ok(r.cmd("ENABLE QRESYNC CONDSTORE")),
                         [b"* ENABLED QRESYNC CONDSTORE\r\n"])
        self.assertEqual(self.ok(r.cmd("ENABLE QRESYNC")),
                         [b"* ENABLED\r\n"])
        self.put(message(1))
        uv, hms, uids = self.state(r)
        self.assertGreaterEqual(hms, 1)
        # CONDSTORE is on: FETCH FLAGS carries MODSEQ, and with
        # QRESYNC every FETCH response has the UID.
        untagged = self.ok(r.cmd("FETCH 1 (FLAGS)"))
        self.assertRegex(untagged[0], rb"^\* 1 FETCH \(UID %d FLAGS "
                         rb"\(\\Recent\) MODSEQ \(\d+\)\)\r\n$" % uids[0])

    def test_new_folder_highestmodseq(self):
        r = self.session()
        self.ok(r.cmd("CREATE Empty%d" % os.getpid()))
        untagged = self.ok(r.cmd("SELECT Empty%d" % os.getpid()))
        self.assertEqual(number(untagged, rb"\[HIGHESTMODSEQ (\d+)\]"), 1)
        untagged = self.ok(r.cmd("STATUS INBOX (HIGHESTMODSEQ)"))
        self.assertRegex(untagged[0], rb"HIGHESTMODSEQ [1-9]")

    def test_select_after_changes(self):
        for i in range(5):
            self.put(message(i + 1))
        a = self.session()
        uv, hms0, uids = self.state(a)
        self.assertEqual(len(uids), 5)
        u1, u2, u3, u4, u5 = uids
        self.ok(a.cmd("LOGOUT"))
        # Another client (no QRESYNC) changes flags and expunges.
        b = self.session(enable=False)
        self.state(b)
        self.ok(b.cmd("UID STORE %d +FLAGS (\\Flagged)" % u3))
        self.ok(b.cmd("UID STORE %d,%d +FLAGS (\\Deleted)" % (u2, u4)))
        untagged = self.ok(b.cmd("EXPUNGE"))
        self.assertEqual(untagged, [b"* 4 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n"])
        # The first client comes back.
        c = self.session()
        untagged = self.ok(c.cmd("SELECT INBOX (QRESYNC (%d %d %d:%d))"
                                 % (uv, hms0, u1, u5)))
        vanished = [x for x in untagged if b"VANISHED" in x]
        self.assertEqual(vanished, [b"* VANISHED (EARLIER) " +
                                    uidset([u2, u4]) + b"\r\n"])
        fetches = [x for x in untagged if b"FETCH" in x]
        self.assertEqual(len(fetches), 1, untagged)
        self.assertRegex(fetches[0], rb"^\* 2 FETCH \(UID %d FLAGS "
                         rb"\(\\Flagged\) MODSEQ \((\d+)\)\)\r\n$" % u3)
        m3 = int(re.search(rb"MODSEQ \((\d+)\)", fetches[0]).group(1))
        self.assertGreater(m3, hms0)
        # Responses come in this order: HIGHESTMODSEQ, VANISHED, FETCH.
        order = [i for i, x in enumerate(untagged)
                 if b"HIGHESTMODSEQ" in x or b"VANISHED" in x
                 or b"FETCH" in x]
        self.assertEqual([untagged[i][:12] for i in order],
                         [b"* OK [HIGHES", b"* VANISHED (", b"* 2 FETCH (U"])
        # Known UIDs limit VANISHED (EARLIER).
        untagged = self.ok(c.cmd("SELECT INBOX (QRESYNC (%d %d %d:%d))"
                                 % (uv, hms0, u3, u5)))
        self.assertEqual(untagged[0], b"* OK [CLOSED] Previous mailbox "
                         b"closed.\r\n")
        self.assertIn(b"* VANISHED (EARLIER) %d\r\n" % u4, untagged)
        # Without known UIDs: all that left since.
        untagged = self.ok(c.cmd("EXAMINE INBOX (QRESYNC (%d %d))"
                                 % (uv, hms0)))
        self.assertIn(b"* VANISHED (EARLIER) " + uidset([u2, u4]) +
                      b"\r\n", untagged)
        # Up to date: nothing.
        _, hms1, _ = self.state(c)
        untagged = self.ok(c.cmd("SELECT INBOX (QRESYNC (%d %d))"
                                 % (uv, hms1)))
        self.assertEqual([x for x in untagged
                          if b"VANISHED" in x or b"FETCH" in x], [])

    def test_stale_uidvalidity(self):
        self.put(message(1))
        self.put(message(2))
        r = self.session()
        uv, hms, uids = self.state(r)
        s = self.session(enable=False)
        self.state(s)
        self.ok(s.cmd("UID STORE %d +FLAGS (\\Deleted)" % uids[0]))
        self.ok(s.cmd("EXPUNGE"))
        untagged = self.ok(r.cmd("SELECT INBOX (QRESYNC (%d 1 1:%d))"
                                 % (uv + 1, uids[-1])))
        self.assertFalse([x for x in untagged
                          if b"VANISHED" in x or b"FETCH" in x], untagged)
        self.assertIn(b"* 1 EXISTS\r\n", untagged)

    def test_uid_fetch_vanished(self):
        for i in range(4):
            self.put(message(i + 1))
        r = self.session()
        uv, hms, uids = self.state(r)
        s = self.session(enable=False)
        self.state(s)
        self.ok(s.cmd("UID STORE %d +FLAGS (\\Deleted)" % uids[1]))
        self.ok(s.cmd("EXPUNGE"))
        self.ok(s.cmd("UID STORE %d +FLAGS (\\Seen)" % uids[3]))
        # Not told yet: the UID is still in the session's view, so
        # VANISHED (EARLIER) leaves it out; the unsolicited VANISHED
        # after the FETCH reports it.
        untagged = self.ok(r.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d "
                                 "VANISHED)" % hms))
        self.assertFalse([x for x in untagged if b"(EARLIER)" in x])
        self.assertIn(b"* VANISHED %d\r\n" % uids[1], untagged)
        untagged = self.ok(r.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d "
                                 "VANISHED)" % hms))
        self.assertEqual(untagged[0], b"* VANISHED (EARLIER) %d\r\n"
                         % uids[1])
        self.assertEqual(len(untagged), 2, untagged)
        self.assertRegex(untagged[1], rb"^\* 3 FETCH \(UID %d FLAGS "
                         rb"\(\\Seen \\Recent\) MODSEQ \(\d+\)\)"
                         % uids[3])
        # The set limits it.
        untagged = self.ok(r.cmd("UID FETCH %d:%d (FLAGS) (CHANGEDSINCE %d "
                                 "VANISHED)" % (uids[2], uids[3], hms)))
        self.assertFalse([x for x in untagged if b"VANISHED" in x])

    def test_unsolicited_idle_and_noop(self):
        for i in range(3):
            self.put(message(i + 1))
        r = self.session()
        uv, hms, uids = self.state(r)
        s = self.session(enable=False)
        self.state(s)
        self.ok(s.cmd("UID STORE %d +FLAGS (\\Deleted)" % uids[0]))
        r.send(b"i IDLE\r\n")
        line = r.line()
        self.assertRegex(line, rb"^\* 1 FETCH \(UID %d FLAGS \(\\Deleted "
                         rb"\\Recent\) MODSEQ \(\d+\)\)\r\n$" % uids[0])
        self.assertTrue(r.line().startswith(b"+ "))
        self.ok(s.cmd("EXPUNGE"))
        self.assertEqual(r.line(), b"* VANISHED %d\r\n" % uids[0])
        r.send(b"DONE\r\n")
        self.assertTrue(r.line().startswith(b"i OK"))
        # NOOP
        self.ok(s.cmd("UID STORE %d,%d +FLAGS (\\Deleted)"
                      % (uids[1], uids[2])))
        self.ok(s.cmd("EXPUNGE"))
        untagged = self.ok(r.cmd("NOOP"))
        self.assertIn(b"* VANISHED %s\r\n" % uidset(uids[1:]), untagged)
        self.assertFalse([x for x in untagged if b"EXPUNGE" in x])

    def test_expunge_move_close(self):
        for i in range(5):
            self.put(message(i + 1))
        r = self.session()
        uv, hms, uids = self.state(r)
        self.ok(r.cmd("UID STORE %d,%d +FLAGS.SILENT (\\Deleted)"
                      % (uids[0], uids[2])))
        untagged = self.ok(r.cmd("EXPUNGE"))
        self.assertEqual(untagged, [b"* VANISHED %d,%d\r\n"
                                    % (uids[0], uids[2])])
        untagged = self.ok(r.cmd("UID MOVE %d Trash" % uids[1]))
        self.assertIn(b"* VANISHED %d\r\n" % uids[1], untagged)
        self.assertFalse([x for x in untagged if b"EXPUNGE" in x])
        self.ok(r.cmd("UID STORE %d,%d +FLAGS.SILENT (\\Deleted)"
                      % (uids[3], uids[4])))
        self.assertEqual(self.ok(r.cmd("UID EXPUNGE %d" % uids[4])),
                         [b"* VANISHED %d\r\n" % uids[4]])
        self.assertEqual(self.ok(r.cmd("CLOSE")), [])
        # After CLOSE nothing is selected: no CLOSED.
        untagged = self.ok(r.cmd("SELECT INBOX (QRESYNC (%d %d))"
                                 % (uv, hms)))
        self.assertNotIn(b"CLOSED", b"".join(untagged))
        self.assertIn(b"* VANISHED (EARLIER) " + uidset(uids) + b"\r\n",
                      untagged)
        self.assertIn(b"* 0 EXISTS\r\n", untagged)
        untagged = self.ok(r.cmd("EXAMINE Trash"))
        self.assertEqual(untagged[0], b"* OK [CLOSED] Previous mailbox "
                         b"closed.\r\n")

    def test_older_than_history(self):
        name = "Floor%d" % os.getpid()
        r = self.session()
        self.ok(r.cmd("CREATE " + name))
        for i in range(6):
            self.put(message(i + 1), folder=name)
        uv, hms0, uids = self.state(r, name)
        self.assertEqual(uids, [1, 2, 3, 4, 5, 6])
        self.ok(r.cmd("UID STORE 1 +FLAGS.SILENT (\\Deleted)"))
        self.ok(r.cmd("EXPUNGE"))
        _, hms1, _ = self.state(r, name)
        self.ok(r.cmd("UID STORE 4,6 +FLAGS.SILENT (\\Deleted)"))
        self.ok(r.cmd("EXPUNGE"))
        self.ok(r.cmd("UNSELECT"))
        # With the history: exactly what left after hms1.
        untagged = self.ok(r.cmd("EXAMINE %s (QRESYNC (%d %d))"
                                 % (name, uv, hms1)))
        self.assertIn(b"* VANISHED (EARLIER) 4,6\r\n", untagged)
        self.ok(r.cmd("UNSELECT"))
        # Cut the history as the bounded history does: the floor rises
        # to HIGHESTMODSEQ, the "E" lines go.
        path = os.path.join(self.folder(name), "petrel-uidlist")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        head = lines[0].split(b" ")
        self.assertEqual(head[0], b"V3")
        msgs = {int(x.split(b" ")[0]): x for x in lines[1:]
                if x and not x.startswith(b"E ")}
        # The expunges are in the change log (maildir(3h), CHANGE LOG):
        # fold it into the list as Petrel itself would.
        with open(path + ".log", "rb") as f:
            log = f.read().split(b"\n")
        self.assertTrue(log[0].startswith(b"L2 "))
        for x in log[1:]:
            if x.startswith(b"M "):
                msgs[int(x.split(b" ")[1])] = x[2:]
            elif x.startswith(b"X "):
                for rng in x[2:].split(b","):
                    lo, _, hi = rng.partition(b":")
                    for uid in range(int(lo), int(hi or lo) + 1):
                        msgs.pop(uid, None)
            elif x.startswith(b"C "):
                head[2], head[3] = x.split(b" ")[1:3]
        os.unlink(path + ".log")
        body = [msgs[k] for k in sorted(msgs)]
        head[4] = b"%d" % len(body)
        head[5] = head[3]
        head[6] = b"0"
        st = os.stat(path)
        tmp = path + ".test"
        with open(tmp, "wb") as f:
            f.write(b" ".join(head) + b"\n" + b"".join(
                x + b"\n" for x in body))
        os.chown(tmp, st.st_uid, st.st_gid)
        os.rename(tmp, path)
        # Older than the floor: every UID below UIDNEXT not there.
        untagged = self.ok(r.cmd("EXAMINE %s (QRESYNC (%d %d))"
                                 % (name, uv, hms1)))
        self.assertIn(b"* VANISHED (EARLIER) 1,4,6\r\n", untagged)
        self.ok(r.cmd("UNSELECT"))
        # ... within the known UIDs.
        untagged = self.ok(r.cmd("EXAMINE %s (QRESYNC (%d %d 2:5))"
                                 % (name, uv, hms1)))
        self.assertIn(b"* VANISHED (EARLIER) 4\r\n", untagged)
        self.ok(r.cmd("UNSELECT"))
        # Sequence match data: the client's seq 1, 2 were UIDs 2, 3, as
        # now, so nothing up to UID 3 left.
        untagged = self.ok(r.cmd("EXAMINE %s (QRESYNC (%d %d (1:2 2:3)))"
                                 % (name, uv, hms1)))
        self.assertIn(b"* VANISHED (EARLIER) 4,6\r\n", untagged)
        self.ok(r.cmd("UNSELECT"))
        # A pair that does not match any more helps nothing.
        untagged = self.ok(r.cmd("EXAMINE %s (QRESYNC (%d %d (3 4)))"
                                 % (name, uv, hms1)))
        self.assertIn(b"* VANISHED (EARLIER) 1,4,6\r\n", untagged)

    def test_malformed(self):
        self.put(message(1))
        cases = [
            "SELECT INBOX (QRESYNC)",
            "SELECT INBOX (QRESYNC ())",
            "SELECT INBOX (QRESYNC (1))",
            "SELECT INBOX (QRESYNC (0 1))",
            "SELECT INBOX (QRESYNC (1 0))",
            "SELECT INBOX (QRESYNC (x 1))",
            "SELECT INBOX (QRESYNC (1 -1))",
            "SELECT INBOX (QRESYNC (4294967296 1))",
            "SELECT INBOX (QRESYNC (1 9223372036854775808))",
            "SELECT INBOX (QRESYNC (1 2 *))",
            "SELECT INBOX (QRESYNC (1 2 1:*))",
            "SELECT INBOX (QRESYNC (1 2 1:5 (1:2)))",
            "SELECT INBOX (QRESYNC (1 2 1:5 (1:2 3)))",
            "SELECT INBOX (QRESYNC (1 2 1:5 (1 2) x))",
            "SELECT INBOX (QRESYNC (1 2 1:5  (1 2)))",
            "SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))",
            "SELECT INBOX (QRESYNC (1 2)",
            "SELECT INBOX QRESYNC (1 2)",
            "UID FETCH 1:* (FLAGS) (VANISHED)",
            "UID FETCH 1:* (FLAGS) (VANISHED CHANGEDSINCE)",
            "FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
            "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED VANISHED)",
        ]
        # A session ends after imapd_error_limit invalid commands: a
        # new one for every few cases.
        for k, c in enumerate(cases):
            if k % 5 == 0:
                r = self.session()
                uv, hms, uids = self.state(r)
            untagged, tagged = r.cmd(c)
            self.assertRegex(tagged, rb"^r\d+ BAD ", (c, tagged))
            # The mailbox stays selected and the session goes on.
            untagged = self.ok(r.cmd("UID FETCH 1:* (FLAGS)"))
            self.assertEqual(len(untagged), 1, (c, untagged))
        self.assertIn(b"OK [READ-WRITE]", r.cmd(
            "SELECT INBOX (QRESYNC (%d %d 1:%d (1 %d)))"
            % (uv, hms, uids[0], uids[0]))[1])

    def test_without_enable(self):
        self.put(message(1))
        r = self.session(enable=False)
        self.bad(r.cmd("SELECT INBOX (QRESYNC (1 2))"))
        self.bad(r.cmd("EXAMINE INBOX (QRESYNC (1 2 1:3))"))
        uv, hms, uids = self.state(r)
        self.bad(r.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"))
        # Still plain EXPUNGE, no UID in FETCH, no CLOSED.
        self.ok(r.cmd("UID STORE %d +FLAGS.SILENT (\\Deleted)" % uids[0]))
        self.assertEqual(self.ok(r.cmd("EXPUNGE")), [b"* 1 EXPUNGE\r\n"])
        untagged = self.ok(r.cmd("SELECT Trash"))
        self.assertNotIn(b"CLOSED", b"".join(untagged))


if __name__ == "__main__":
    unittest.main()
