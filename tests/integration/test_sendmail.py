"""Local submission: sendmail(1), petrel-drop(1) and pickup(8) in a
sandbox, checked through the queue file (petrel-cat) and the maillog.

Covered: -f, -F, recipients on the command line, -t (Bcc removed),
a lone "." with and without -i / -oi, -bs driven over a pipe, -bp and
mailq, -bi, -I and newaliases (building hash: and cdb: alias maps from
an aliases(5) file, queried with petrel-map; duplicates, a syntax error
with file:line and exit 78, a missing file, an ordinary user who cannot
write the directory), -q (a flush request: deferred mail is
tried again at once), PETREL_CONFIG_DIR, refusals (no
recipients, message too big); mail submitted while Petrel is stopped
waiting in maildrop/ and entering the queue at start; a corrupt
maildrop file moved to corrupt/; a message over hopcount_limit refused
by cleanup; maildrop/ not world-writable; as root, petrel-drop installed
setgid to the drop group and run by an ordinary user, whose file in
maildrop/ then belongs to that user.

The real qmgr runs with transport_maps = HOLD_ROUTE (test_cleanup): it
defers every recipient itself, so nothing is sent anywhere and each
message waits in deferred/, where petrel-cat still finds it.

Run from the repository root:

    PETREL_BUILD=build python3 -m unittest tests/integration/test_sendmail.py -v
"""

import grp
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import IS_ROOT, SandboxTestCase, prog, run, wait_for  # noqa
from test_cleanup import HOST, HOLD_TEXT, QueueMixin  # noqa: E402

MESSAGE = b"Subject: test message\n\nFirst line.\nSecond line.\n"


class SendmailTest(QueueMixin, SandboxTestCase):

    def setUp(self):
        super().setUp()
        for p in ("sendmail", "petrel-drop", "pickup", "cleanup", "qmgr"):
            try:
                prog(p)
            except FileNotFoundError:
                self.skipTest("%s not built" % p)
        self.me = pwd.getpwuid(os.getuid())

    def start(self, **params):
        # The real qmgr, but every recipient is deferred by qmgr itself
        # (transport_maps = HOLD_ROUTE): nothing leaves the machine and
        # each message stays queued for petrel-cat to show.
        self.start_held(**params)

    def qdir(self, name):
        return os.path.join(self.sb.dir, "queue", name)

    def sendmail(self, args, data=b"", env=None, config=True, path=None):
        cmd = [path or prog("sendmail")]
        if config:
            cmd += ["-C", self.sb.etc]
        return subprocess.run(cmd + list(args), input=data,
                              capture_output=True, timeout=60, env=env)

    def submit(self, args, data=MESSAGE):
        """Submit, wait until qmgr saw it; return the queue ID."""
        before = self.sb.log().count("(queue active)")
        r = self.sendmail(args, data)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.sb.log().count("(queue active)") > before,
                 15, what="the message in the queue")
        ids = re.findall(r"qmgr\[\d+\]: (\w+): from=", self.sb.log())
        return ids[-1]

    def envelope(self, qid):
        env = self.cat(qid, "-e")
        sender = re.search(r"^sender: <(.*)>$", env, re.M).group(1)
        rcpts = re.findall(r"^recipient: <(.*)>$", env, re.M)
        return sender, rcpts

    def test_command_line_recipients_f_and_F(self):
        self.start()
        qid = self.submit(["-f", "sender@example.org", "-F", "Sam Sender",
                           "bob@example.net", "Carol <carol@example.net>,"
                           " dave"])
        sender, rcpts = self.envelope(qid)
        self.assertEqual(sender, "sender@example.org")
        self.assertEqual(rcpts, ["bob@example.net", "carol@example.net",
                                 "dave@" + HOST])
        msg = self.message(qid)
        self.assertRegex(msg, r"^Received: by %s \(Petrel, from userid %d\)"
                         r"\n\tid %s; " % (re.escape(HOST), os.getuid(), qid))
        self.assertIn("From: Sam Sender <sender@example.org>\n", msg)
        self.assertIn("To: undisclosed-recipients:;\n", msg)
        self.assertIn("Message-ID: <", msg)
        self.assertIn("\nDate: ", msg)
        self.assertTrue(msg.endswith("\n\nFirst line.\nSecond line.\n"))
        log = self.sb.log()
        self.assertRegex(log, r"pickup\[\d+\]: %s: uid=%d "
                         r"from=<sender@example.org>" % (qid, os.getuid()))
        self.assertRegex(log, r"cleanup\[\d+\]: %s: message-id=<" % qid)
        self.assertRegex(log, r"qmgr\[\d+\]: %s: from=<sender@example.org>"
                         r", size=\d+, nrcpt=3 \(queue active\)" % qid)
        self.assertEqual(self.queue("maildrop"), [])

    def test_default_sender_is_the_login_name(self):
        self.start()
        qid = self.submit(["bob@example.net"],
                          b"From: Me <me@example.org>\r\nTo: b@x\r\n\r\n"
                          b"crlf\r\n")
        sender, _ = self.envelope(qid)
        self.assertEqual(sender, "%s@%s" % (self.me.pw_name, HOST))
        msg = self.message(qid)
        self.assertIn("From: Me <me@example.org>\nTo: b@x\n", msg)
        self.assertNotIn("\r", msg)
        self.assertEqual(msg.count("From:"), 1)

    def test_t_extracts_recipients_and_removes_bcc(self):
        self.start()
        data = (b"From: a@example.org\nTo: Bob <bob@example.net>\n"
                b"Cc: carol@example.net\nBcc: hidden@example.net,\n"
                b"  also-hidden@example.net\nSubject: -t\n\nbody\n")
        qid = self.submit(["-t", "extra@example.net"], data)
        _, rcpts = self.envelope(qid)
        self.assertEqual(sorted(rcpts), sorted([
            "extra@example.net", "bob@example.net", "carol@example.net",
            "hidden@example.net", "also-hidden@example.net"]))
        msg = self.message(qid)
        self.assertNotIn("hidden", msg)
        self.assertNotIn("Bcc", msg)
        self.assertIn("To: Bob <bob@example.net>\nCc: carol@example.net\n",
                      msg)

    def test_lone_dot(self):
        self.start()
        data = b"Subject: dots\n\nbefore\n.\nafter\n"
        qid = self.submit(["bob@example.net"], data)
        msg = self.message(qid)
        self.assertTrue(msg.endswith("\n\nbefore\n"), msg)
        for flag in (["-i"], ["-oi"]):
            qid = self.submit(flag + ["bob@example.net"], data)
            msg = self.message(qid)
            self.assertTrue(msg.endswith("\n\nbefore\n.\nafter\n"), msg)

    def test_bs_dialogue(self):
        self.start()
        before = self.sb.log().count("(queue active)")
        script = (b"EHLO client.example\r\n"
                  b"RCPT TO:<bob@example.net>\r\n"
                  b"MAIL FROM:<smtp@example.org> SIZE=100\r\n"
                  b"RCPT TO:<bob@example.net>\r\n"
                  b"RCPT TO:<broken\r\n"
                  b"DATA\r\n"
                  b"Subject: via -bs\r\n\r\n..stuffed\r\nplain\r\n.\r\n"
                  b"BOGUS\r\n"
                  b"QUIT\r\n")
        r = self.sendmail(["-bs"], script)
        self.assertEqual(r.returncode, 0, r.stderr)
        codes = [line[:3] for line in r.stdout.decode().split("\r\n")
                 if line and line[3:4] == " "]
        self.assertEqual(codes, ["220", "250", "503", "250", "250", "501",
                                 "354", "250", "502", "221"])
        wait_for(lambda: self.sb.log().count("(queue active)") > before,
                 15, what="the -bs message")
        qid = re.findall(r"qmgr\[\d+\]: (\w+): from=<smtp@example.org>",
                         self.sb.log())[-1]
        msg = self.message(qid)
        self.assertTrue(msg.endswith("\n\n.stuffed\nplain\n"), msg)

    def test_mailq_newaliases_and_q(self):
        self.start()
        tmp = os.path.join(self.sb.tmp, "names")
        os.mkdir(tmp)
        for name in ("mailq", "newaliases"):
            os.symlink(prog("sendmail"), os.path.join(tmp, name))
        self.sb.stop()
        r = self.sendmail(["-f", "q@example.org", "bob@example.net"],
                          MESSAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.sendmail(["-bp"]).stdout.decode()
        self.assertIn("q@example.org", out)
        self.assertIn("bob@example.net", out)
        self.assertIn("-- 1 Kbytes in 1 Request.", out)
        r = self.sendmail([], path=os.path.join(tmp, "mailq"))
        self.assertEqual(r.stdout.decode(), out)
        aliases = os.path.join(self.sb.etc, "aliases")
        with open(aliases, "w") as f:
            f.write("postmaster: root\n")
        # Never the host's /etc/aliases (the default alias_database).
        self.set_params(alias_database="hash:" + aliases)
        for args, path in ((["-bi"], None), ([], "newaliases"),
                           (["-I"], None)):
            if os.path.exists(aliases + ".db"):
                os.unlink(aliases + ".db")
            r = self.sendmail(args, path=path and os.path.join(tmp, path))
            self.assertEqual((r.returncode, r.stdout, r.stderr),
                             (0, b"", b""))
            self.assertTrue(os.path.exists(aliases + ".db"))
        r = self.sendmail(["-q"])          # stopped: nobody to wake
        self.assertEqual(r.returncode, 69, r.stderr)
        self.sb.start()
        wait_for(lambda: self.queue("maildrop") == [], 15,
                 what="maildrop emptied")
        qid = self.sb.wait_log(r"qmgr\[\d+\]: (\w+): from=<q@example.org>",
                               15).group(1)
        self.held(qid)
        # Now in deferred/, listed with the reason of its deferral.
        out = self.sendmail(["-bp"]).stdout.decode()
        self.assertRegex(out, r"\n%s +\d+ .* q@example.org\n *\(%s\)\n +"
                         r"bob@example.net\n" % (qid, re.escape(HOLD_TEXT)))
        self.assertIn("-- 1 Kbytes in 1 Request.", out)
        # -q: a flush request to qmgr; the deferred message is tried
        # again at once (and deferred again by the transport map).
        r = self.sendmail(["-q"])
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.sb.wait_log(r"qmgr\[\d+\]: admin flush ALL: 1 message", 15)
        wait_for(lambda: len(re.findall(r"%s: to=<bob@example.net>, .*"
                                        r"status=deferred" % qid,
                                        self.sb.log())) == 2, 15,
                 what="%s tried again after -q" % qid)
        self.assertEqual(len(re.findall(r"%s: from=<q@example.org>.*"
                                        r"\(queue active\)" % qid,
                                        self.sb.log())), 2)
        self.held(qid)

    def newaliases(self, database, preexec_fn=None, config=None):
        """Run newaliases for alias_database; return the result."""
        self.set_params(alias_database=database)
        return subprocess.run([prog("sendmail"), "-C", config or self.sb.etc,
                               "-bi"], capture_output=True, timeout=60,
                              preexec_fn=preexec_fn, cwd="/")

    def query(self, key, spec):
        r = run([prog("petrel-map"), "-c", self.sb.etc, "-q", key, spec])
        return r.returncode, r.stdout.rstrip("\n")

    def test_newaliases_builds_every_indexed_map(self):
        src = os.path.join(self.sb.etc, "aliases")
        with open(src, "w") as f:
            f.write("# Aliases for the sandbox\n"
                    "postmaster: root\n"
                    "Root: alice@example.org,\n"
                    "  bob@example.org\n"
                    "\t# a comment inside the entry\n"
                    "\t\"|/usr/bin/logger -t mail\"\n"
                    "\n"
                    "\"john doe\" : jd@example.org\n"
                    "dup: first\n"
                    "DUP: second\n")
        r = self.newaliases("hash:%s, cdb:%s texthash:%s" % (src, src, src))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"")
        # The duplicate is a warning with file:line; the first one wins.
        self.assertIn(("%s:10: duplicate entry for \"dup\" (first at line 9)"
                       % src).encode(), r.stderr)
        self.assertTrue(os.path.exists(src + ".db"))
        self.assertTrue(os.path.exists(src + ".cdb"))
        for t in ("hash", "cdb"):
            spec = "%s:%s" % (t, src)
            self.assertEqual(self.query("root", spec),
                             (0, "alice@example.org, bob@example.org "
                                 "\"|/usr/bin/logger -t mail\""))
            self.assertEqual(self.query("ROOT", spec)[0], 0)
            self.assertEqual(self.query("john doe", spec),
                             (0, "jd@example.org"))
            self.assertEqual(self.query("dup", spec), (0, "first"))
            self.assertEqual(self.query("nobody", spec)[0], 1)
        # A bad line: the file and line, EX_CONFIG, the old index stays.
        with open(src, "a") as f:
            f.write("no colon on this line\n")
        r = self.newaliases("hash:%s cdb:%s" % (src, src))
        self.assertEqual(r.returncode, 78, r.stderr)
        err = r.stderr.decode()
        line = "newaliases: %s:11: missing colon after the name" % src
        self.assertIn(line, err)
        self.assertEqual(err.count(line), 1, err)    # once, not per map
        self.assertEqual(self.query("postmaster", "hash:" + src),
                         (0, "root"))
        self.assertEqual([f for f in os.listdir(self.sb.etc)
                          if f.endswith(".tmp")], [])
        # A missing source is not a syntax error.
        r = self.newaliases("cdb:%s/nonexistent" % self.sb.etc)
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn(b"newaliases: open ", r.stderr)
        self.assertIn(b"No such file", r.stderr)
        # An empty alias_database builds nothing and succeeds.
        r = self.newaliases("")
        self.assertEqual((r.returncode, r.stderr), (0, b""))

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_newaliases_as_an_ordinary_user(self):
        nobody = pwd.getpwnam("nobody")
        conf = os.path.join(self.sb.tmp, "nconf")
        os.mkdir(conf)
        os.chmod(self.sb.tmp, 0o755)
        os.chmod(conf, 0o755)
        src = os.path.join(conf, "aliases")
        with open(src, "w") as f:
            f.write("postmaster: root\n")
        os.chmod(src, 0o644)
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write("alias_database = hash:%s\n" % src)
        os.chmod(os.path.join(conf, "main.cf"), 0o644)

        def as_nobody():
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
        # A copy, in case nobody cannot reach the build directory.
        sendmail = os.path.join(conf, "sendmail")
        shutil.copy(prog("sendmail"), sendmail)
        os.chmod(sendmail, 0o755)
        r = subprocess.run([sendmail, "-C", conf, "-bi"],
                           capture_output=True, timeout=60,
                           preexec_fn=as_nobody, cwd="/")
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn(("newaliases: create temporary file %s.db." % src)
                      .encode(), r.stderr)
        self.assertIn(b"Permission denied (newaliases must run as a user "
                      b"that may write there, usually root)", r.stderr)
        self.assertFalse(os.path.exists(src + ".db"))

    def test_config_from_the_environment(self):
        self.start()
        env = dict(os.environ, PETREL_CONFIG_DIR=self.sb.etc)
        before = self.sb.log().count("(queue active)")
        r = self.sendmail(["bob@example.net"], MESSAGE, env=env,
                          config=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.sb.log().count("(queue active)") > before,
                 15, what="the message in the queue")

    def test_refusals(self):
        self.start(message_size_limit=1000)
        r = self.sendmail([], MESSAGE)
        self.assertEqual(r.returncode, 64)
        self.assertIn(b"no recipient", r.stderr)
        r = self.sendmail(["-t"], MESSAGE)
        self.assertEqual(r.returncode, 64)
        r = self.sendmail(["bob@example.net"], MESSAGE + b"x" * 2000)
        self.assertEqual(r.returncode, 65)
        self.assertIn(b"too big", r.stderr)
        r = self.sendmail(["-bd"])
        self.assertEqual(r.returncode, 64)
        r = self.sendmail(["-Z", "bob@example.net"], MESSAGE)
        self.assertEqual(r.returncode, 64)
        self.assertEqual(self.queue("maildrop"), [])
        self.assertEqual([f for f in self.queue("incoming")], [])

    def test_submitted_while_stopped(self):
        self.start()
        self.sb.stop()
        r = self.sendmail(["-f", "early@example.org", "bob@example.net"],
                          MESSAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        drops = self.queue("maildrop")
        self.assertEqual(len(drops), 1)
        st = os.stat(os.path.join(self.qdir("maildrop"), drops[0]))
        self.assertEqual(st.st_uid, os.getuid())
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o444)
        self.assertEqual(self.queue("incoming"), [])
        self.sb.start()
        m = self.sb.wait_log(r"qmgr\[\d+\]: (\w+): from=<early@example.org>",
                             15)
        self.assertEqual(self.queue("maildrop"), [])
        self.held(m.group(1))

    def test_corrupt_maildrop_file(self):
        self.start()
        self.sb.stop()
        bad = "0000000002" + "Ab"
        with open(os.path.join(self.qdir("maildrop"), bad), "wb") as f:
            f.write(b"V\0\0\0\4\0\0\0\1garbage that is no record")
        r = self.sendmail(["-f", "good@example.org", "bob@example.net"],
                          MESSAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.sb.start()
        self.sb.wait_log(r"pickup\[\d+\]: warning: maildrop/%s: bad maildrop"
                         r" file: .*; moving it to corrupt/" % bad, 15)
        self.sb.wait_log(r"from=<good@example.org>, size=", 15)
        self.assertIn(bad, self.queue("corrupt"))
        self.assertEqual(self.queue("maildrop"), [])

    def test_hopcount_exceeded(self):
        self.start()
        hops = b"".join(b"Received: from h%d by h%d\n" % (i, i + 1)
                        for i in range(50))
        r = self.sendmail(["bob@example.net"], hops + b"\nloop\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        # pickup adds one Received: line: 51 in all.
        self.sb.wait_log(r"cleanup\[\d+\]: warning: \w+: reject: 554 5.4.6 "
                         r"too many hops", 15)
        self.sb.wait_log(r"pickup\[\d+\]: warning: maildrop/\w+: rejected by"
                         r" cleanup: 554 5.4.6", 15)
        self.assertEqual(self.queue("incoming"), [])
        self.assertEqual(self.queue("maildrop"), [])
        self.assertEqual(len(self.queue("corrupt")), 1)

    def test_maildrop_is_not_world_writable(self):
        self.start()
        st = os.stat(self.qdir("maildrop"))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o730)
        self.assertFalse(st.st_mode & stat.S_IWOTH)
        self.assertFalse(st.st_mode & (stat.S_IROTH | stat.S_IXOTH))

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_setgid_petrel_drop_for_an_ordinary_user(self):
        with open(prog("petrel-drop"), "rb") as f:
            if b"__asan_init" in f.read():
                # A setgid process cannot read its own environment, so
                # LeakSanitizer cannot be told to stay away, and fails.
                self.skipTest("LeakSanitizer cannot run setgid programs")
        try:
            drop_gid = grp.getgrnam("petreldrop").gr_gid
        except KeyError:
            r = run(["groupadd", "--system", "petreldrop"])
            self.assertEqual(r.returncode, 0, r.stderr)
            drop_gid = grp.getgrnam("petreldrop").gr_gid
        nobody = pwd.getpwnam("nobody")
        bindir = os.path.join(self.sb.tmp, "bin")
        os.mkdir(bindir)
        os.chmod(bindir, 0o755)
        for p in ("sendmail", "petrel-drop"):
            shutil.copy(prog(p), bindir)
        drop = os.path.join(bindir, "petrel-drop")
        os.chown(drop, 0, drop_gid)
        os.chmod(drop, 0o2755)
        self.set_params(command_directory=bindir)
        self.start()
        st = os.stat(self.qdir("maildrop"))
        self.assertEqual(st.st_gid, drop_gid)
        self.sb.stop()

        def as_nobody():
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
        r = subprocess.run([os.path.join(bindir, "sendmail"), "-C",
                            self.sb.etc, "bob@example.net"], input=MESSAGE,
                           capture_output=True, timeout=60,
                           preexec_fn=as_nobody, cwd="/")
        self.assertEqual(r.returncode, 0, r.stderr)
        drops = self.queue("maildrop")
        self.assertEqual(len(drops), 1)
        st = os.stat(os.path.join(self.qdir("maildrop"), drops[0]))
        self.assertEqual((st.st_uid, st.st_gid), (nobody.pw_uid, drop_gid))
        # Without the setgid bit the same user cannot drop mail.
        os.chmod(drop, 0o755)
        r = subprocess.run([os.path.join(bindir, "sendmail"), "-C",
                            self.sb.etc, "bob@example.net"], input=MESSAGE,
                           capture_output=True, timeout=60,
                           preexec_fn=as_nobody, cwd="/")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Permission denied", r.stderr)
        self.sb.start()
        self.sb.wait_log(r"pickup\[\d+\]: \w+: uid=%d from=<nobody>"
                         % nobody.pw_uid, 15)
        self.sb.wait_log(r"from=<nobody@%s>, size=" % re.escape(HOST), 15)


if __name__ == "__main__":
    unittest.main()
