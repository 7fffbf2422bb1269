"""petrel-user(1) and virtual_mailbox_maps: a new user gets mail.

`petrel-user add` lists the address in the one file-backed
virtual_mailbox_maps table (texthash:, hash:, btree:, cdb:) and `del`
removes it.  The end-to-end tests run a real sandbox: after add, mail
sent with smtplib lands in the new user's Maildir and IMAP login works;
after del, smtpd rejects the address with 550.  The others check the
table file byte for byte: comments and other lines kept, mode kept,
symbolic links refused, several tables left alone, parallel adds all
present.

Run from the repository root:

    python3 -m unittest -v tests/integration/test_petrel_user.py
"""

import imaplib
import os
import smtplib
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import (IS_ROOT, SandboxTestCase, prog,  # noqa: E402
                         run, wait_for)

NEW = "new@example.test"
PASSWORD = "pw-New-user1"
LINE = NEW + " example.test/new/Maildir/\n"


def have_programs(*names):
    for n in names:
        try:
            prog(n)
        except FileNotFoundError:
            return False
    return True


class UserMapCase(SandboxTestCase):
    """Helpers: petrel-user, petrel-conf, the table file."""

    def setUp(self):
        super().setUp()
        self.vmailbox = os.path.join(self.sb.etc, "vmailbox")
        self.passwd = os.path.join(self.sb.etc, "passwd")

    def user(self, *args, stdin=None):
        return run([prog("petrel-user"), "-c", self.sb.etc] + list(args),
                   input=stdin)

    def add(self, addr=NEW, password=PASSWORD):
        return self.user("add", addr, stdin=password + "\n")

    def conf(self, **params):
        for k, v in params.items():
            r = run([prog("petrel-conf"), "-c", self.sb.etc, "-e",
                     "%s=%s" % (k, v)])
            self.assertEqual(r.returncode, 0, r.stderr)

    def read(self, path=None):
        with open(path or self.vmailbox, "rb") as f:
            return f.read()

    def write(self, data, path=None):
        with open(path or self.vmailbox, "wb") as f:
            f.write(data)


class EndToEndMixin:
    """add → mail delivered, IMAP login; del → 550.  Needs self.spec."""

    def rcpt(self, addr):
        """The RCPT TO reply code for addr (no mail is sent)."""
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=20) as s:
            s.ehlo("client.example.test")
            s.mail("sender@example.test")
            code, msg = s.rcpt(addr)
            s.rset()
            return code, msg

    def send(self, addr, subject):
        msg = ("From: sender@example.test\r\nTo: %s\r\nSubject: %s\r\n\r\n"
               "hello %s\r\n" % (addr, subject, addr))
        with smtplib.SMTP("127.0.0.1", self.sb.port("smtp"),
                          timeout=20) as s:
            s.sendmail("sender@example.test", [addr], msg)

    def delivered(self, subject):
        new = os.path.join(self.sb.dir, "mail", "example.test", "new",
                           "Maildir", "new")
        for name in os.listdir(new):
            with open(os.path.join(new, name), "rb") as f:
                if ("Subject: " + subject).encode() in f.read():
                    return name
        return None

    def run_end_to_end(self):
        if not have_programs("qmgr", "local", "smtpd", "imapd"):
            self.skipTest("delivery programs not built")
        self.sb.start()
        before = self.read()
        # Unknown before: the test can tell a working add from none.
        code, _ = self.rcpt(NEW)
        self.assertEqual(code, 550)

        r = self.add()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("added %s to %s" % (NEW, self.spec), r.stdout)
        self.assertNotIn("virtual_mailbox_domains", r.stderr)
        self.assertEqual(self.read(), before + LINE.encode())

        # smtpd accepts it (once the reload reached the running smtpd).
        # Few probes: smtpd also restarts after max_use (100) sessions.
        wait_for(lambda: self.rcpt(NEW)[0] == 250, timeout=10,
                 interval=0.5, what="smtpd to accept %s" % NEW)
        self.send(NEW, "first-for-new")
        name = wait_for(lambda: self.delivered("first-for-new"),
                        timeout=30, what="delivery to new's Maildir")
        self.assertTrue(name)
        self.sb.wait_log(r"to=<%s>.*status=sent" % NEW)

        m = imaplib.IMAP4("127.0.0.1", self.sb.port("imap"), timeout=20)
        try:
            typ, _ = m.login(NEW, PASSWORD)
            self.assertEqual(typ, "OK")
            typ, data = m.select("INBOX")
            self.assertEqual(typ, "OK")
            self.assertGreaterEqual(int(data[0]), 1)
        finally:
            try:
                m.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

        r = self.user("del", NEW)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("deleted %s from %s" % (NEW, self.spec), r.stdout)
        self.assertEqual(self.read(), before)
        wait_for(lambda: self.rcpt(NEW)[0] == 550, timeout=10,
                 interval=0.5, what="smtpd to reject %s" % NEW)
        code, msg = self.rcpt(NEW)
        self.assertEqual(code, 550)
        self.assertIn(b"5.1.1", msg)
        # The demo user still gets mail.
        self.assertEqual(self.rcpt("demo@example.test")[0], 250)


class TexthashEndToEndTest(UserMapCase, EndToEndMixin):

    def setUp(self):
        super().setUp()
        self.spec = "texthash:" + self.vmailbox

    def test_add_mail_imap_del(self):
        self.run_end_to_end()


class HashEndToEndTest(UserMapCase, EndToEndMixin):

    def setUp(self):
        super().setUp()
        self.spec = "hash:" + self.vmailbox
        self.conf(virtual_mailbox_maps=self.spec)
        r = run([prog("petrel-map"), "-c", self.sb.etc, self.spec])
        self.assertEqual(r.returncode, 0, r.stderr)

    def query(self, key):
        return run([prog("petrel-map"), "-c", self.sb.etc, "-q", key,
                    self.spec])

    def test_add_mail_imap_del(self):
        db = self.vmailbox + ".db"
        self.assertIsNone(self.query(NEW).stdout.strip() or None)
        self.run_end_to_end()
        # The index followed both changes.
        self.assertEqual(self.query(NEW).stdout, "")
        self.assertEqual(self.query("demo@example.test").returncode, 0)
        self.assertTrue(os.path.exists(db))

    def test_index_rebuilt(self):
        r = self.add()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.query(NEW).stdout.strip(),
                         "example.test/new/Maildir/")
        r = self.user("del", NEW)
        self.assertEqual(r.returncode, 0, r.stderr)
        q = self.query(NEW)
        self.assertNotEqual(q.returncode, 0)
        self.assertEqual(q.stdout, "")


class TableFileTest(UserMapCase):
    """The table source, byte for byte, without a running system."""

    def test_other_lines_kept_and_mode_kept(self):
        long_value = "x" * 200000
        text = (b"# virtual mailboxes\n"
                b"demo@example.test example.test/demo/Maildir/\n"
                b"  # an indented comment\n"
                b"new@example.test.org other/Maildir/\n"
                b"xnew@example.test other2/Maildir/\n"
                b"#new@example.test commented/Maildir/\n"
                b"long@example.test " + long_value.encode() + b"\n"
                b"last@example.test last/Maildir/")  # no final newline
        self.write(text)
        os.chmod(self.vmailbox, 0o640)
        if IS_ROOT:
            os.chown(self.vmailbox, 0, 1)
        r = self.add()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(), text + b"\n" + LINE.encode())
        st = os.stat(self.vmailbox)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        if IS_ROOT:
            self.assertEqual((st.st_uid, st.st_gid), (0, 1))
        # No temporary file is left behind.
        left = [n for n in os.listdir(self.sb.etc) if ".tmp" in n]
        self.assertEqual(left, [])

        r = self.user("del", NEW)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(), text + b"\n")
        self.assertEqual(stat.S_IMODE(os.stat(self.vmailbox).st_mode),
                         0o640)

    def test_existing_key_left_alone(self):
        text = (b"demo@example.test example.test/demo/Maildir/\n"
                b"New@Example.TEST elsewhere/Maildir/\n")
        self.write(text)
        r = self.add()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already in", r.stdout)
        self.assertEqual(self.read(), text)

    def test_del_takes_continuation_lines(self):
        text = (b"demo@example.test example.test/demo/Maildir/\n"
                b"new@example.test\n"
                b"# a comment inside the entry\n"
                b"\texample.test/new/Maildir/\n"
                b"after@example.test after/Maildir/\n")
        self.write(text)
        self.assertEqual(self.add().returncode, 0)
        r = self.user("del", NEW)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(),
                         b"demo@example.test example.test/demo/Maildir/\n"
                         b"# a comment inside the entry\n"
                         b"after@example.test after/Maildir/\n")

    def test_missing_file_created(self):
        os.unlink(self.vmailbox)
        old = os.umask(0o077)
        try:
            r = self.add()
        finally:
            os.umask(old)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read(), LINE.encode())
        self.assertEqual(stat.S_IMODE(os.stat(self.vmailbox).st_mode),
                         0o644)

    def test_symlink_refused(self):
        real = os.path.join(self.sb.dir, "real-vmailbox")
        before = self.read()
        with open(real, "wb") as f:
            f.write(before)
        os.unlink(self.vmailbox)
        os.symlink(real, self.vmailbox)
        passwd = self.read(self.passwd)
        r = self.add()
        self.assertEqual(r.returncode, 1)
        self.assertIn("symbolic link", r.stderr)
        # Nothing changed: no user, no line, the link is still a link.
        self.assertEqual(self.read(self.passwd), passwd)
        self.assertEqual(self.read(real), before)
        self.assertTrue(os.path.islink(self.vmailbox))
        self.assertFalse(os.path.exists(os.path.join(
            self.sb.dir, "mail", "example.test", "new")))

    def test_several_tables_left_alone(self):
        other = os.path.join(self.sb.etc, "vmailbox2")
        self.write(b"", other)
        self.conf(virtual_mailbox_maps="texthash:%s, texthash:%s"
                  % (self.vmailbox, other))
        before = self.read()
        r = self.add()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"%s example.test/new/Maildir/"' % NEW, r.stderr)
        self.assertIn("yourself", r.stderr)
        self.assertEqual(self.read(), before)
        self.assertEqual(self.read(other), b"")
        r = self.user("del", NEW)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("remove %s" % NEW, r.stderr)
        self.assertEqual(self.read(), before)

    def test_other_type_left_alone(self):
        self.conf(virtual_mailbox_maps="inline:{demo@example.test="
                  "example.test/demo/Maildir/}")
        before = self.read()
        r = self.add()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("leaves it alone", r.stderr)
        self.assertEqual(self.read(), before)

    def test_domain_not_virtual_warns(self):
        r = self.add("someone@other.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("other.test is not in virtual_mailbox_domains",
                      r.stderr)
        self.assertIn(b"someone@other.test other.test/someone/Maildir/\n",
                      self.read())
        with open(os.path.join(self.sb.etc, "main.cf")) as f:
            self.assertNotIn("other.test", f.read())

    def test_parallel_adds(self):
        names = ["user%d@example.test" % i for i in range(10)]
        procs = [subprocess.Popen(
            [prog("petrel-user"), "-c", self.sb.etc, "add", n],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE) for n in names]
        for p in procs:
            p.stdin.write(b"pw-Parallel1\n")
            p.stdin.close()
        for p, n in zip(procs, names):
            self.assertEqual(p.wait(timeout=60), 0,
                             n + ": " + p.stderr.read().decode())
            p.stdout.close()
            p.stderr.close()
        lines = self.read().decode().splitlines()
        for i, n in enumerate(names):
            self.assertIn("%s example.test/user%d/Maildir/" % (n, i), lines)
        self.assertEqual(len(lines), len(set(lines)))
        r = self.user("list")
        for n in names:
            self.assertIn(n + "\n", r.stdout)


if __name__ == "__main__":
    unittest.main()
