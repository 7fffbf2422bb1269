"""local(8) and virtual(8): delivery requests against a running sandbox.

Queue files are written with the qfile_make test tool into hold/ (where
qmgr leaves them alone) and handed to private/local or private/virtual
with the deliver_request test tool, which prints one line per result:
"index result dsn action relay reason".  The tests then look at
mailboxes, files, the queue file status bytes and the log.
"""

import glob
import os
import pwd
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import IS_ROOT, Sandbox, prog, run, wait_for  # noqa: E402,E501

BODY = b"Subject: test\n\nFrom the start\nline two\n>From quoted\n"


class Base(unittest.TestCase):
    extra_main_cf = ""

    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox()
        cls.queue = os.path.join(cls.sb.dir, "queue")
        cls.prepare()
        with open(os.path.join(cls.sb.etc, "main.cf"), "a") as f:
            f.write(cls.extra_main_cf)
        cls.sb.start()
        incoming = os.path.join(cls.queue, "incoming")
        wait_for(lambda: os.path.isdir(incoming), what="queue directories")

    @classmethod
    def prepare(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        cls.sb.cleanup()

    def submit(self, rcpts, body=BODY, sender="alice@example.org"):
        r = subprocess.run([prog("qfile_make"), "-d", self.queue, "-m",
                            "hold", "-f", sender] + list(rcpts),
                           input=body, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode().strip()

    def deliver(self, qid, service):
        sock = os.path.join(self.queue, "private", service)
        r = run([prog("deliver_request"), "-d", self.queue, "-m", "hold",
                 "-t", service, sock, qid], timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1], "done")
        res = {}
        for line in lines[:-1]:
            idx, result, dsn, action, relay, reason = line.split(" ", 5)
            res[int(idx)] = (result, dsn, action, reason)
        return res

    def status_of(self, qid):
        r = run([prog("petrel-cat"), "-c", self.sb.etc, qid])
        return re.findall(r"status: (\w+)", r.stdout)


def main_cf_ids(sb):
    """main_cf_ids - the static uid and gid of the sandbox's main.cf."""
    with open(os.path.join(sb.etc, "main.cf")) as f:
        text = f.read()
    uid = re.findall(r"^virtual_uid_maps = static:(\d+)", text, re.M)
    gid = re.findall(r"^virtual_gid_maps = static:(\d+)", text, re.M)
    return int(uid[-1]), int(gid[-1])


class VirtualTest(Base):

    def virtual_ids(self):
        if not IS_ROOT:
            return os.geteuid(), os.getegid()
        return main_cf_ids(self.sb)

    def test_virtual_maildir(self):
        qid = self.submit(["demo@example.test"])
        res = self.deliver(qid, "virtual")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "delivered"))
        new = glob.glob(os.path.join(self.sb.dir, "mail", "example.test",
                                     "demo", "Maildir", "new", "*"))
        self.assertEqual(len(new), 1)
        # Written with the ids of virtual_uid_maps/virtual_gid_maps.
        st = os.stat(new[0])
        self.assertEqual((st.st_uid, st.st_gid), self.virtual_ids())
        with open(new[0], "rb") as f:
            data = f.read()
        self.assertEqual(data, b"Return-Path: <alice@example.org>\n"
                         b"Delivered-To: demo@example.test\n" + BODY)
        self.assertEqual(self.status_of(qid), ["delivered"])
        self.sb.wait_log(r"%s: to=<demo@example\.test>, relay=virtual, "
                         r"delay=[0-9.]+, dsn=2\.0\.0, status=sent "
                         r"\(delivered to maildir\)" % qid)
        if IS_ROOT:
            st = os.stat(new[0])
            self.assertEqual(st.st_uid, pwd.getpwnam("petrel").pw_uid)

    def test_virtual_unknown_and_wrong_domain(self):
        qid = self.submit(["nobody@example.test", "x@other.test"])
        res = self.deliver(qid, "virtual")
        self.assertEqual(res[0][:3], ("bounced", "5.1.1", "failed"))
        self.assertEqual(res[1][0], "bounced")
        self.assertEqual(self.status_of(qid), ["pending", "pending"])
        self.sb.wait_log(r"%s: to=<nobody@example\.test>, relay=virtual, "
                         r".*status=bounced \(unknown user" % qid)

    def test_loop_detected(self):
        body = b"Delivered-To: Demo@Example.test\n" + BODY
        qid = self.submit(["demo@example.test"], body=body)
        res = self.deliver(qid, "virtual")
        self.assertEqual(res[0][:2], ("bounced", "5.4.6"))
        self.assertIn("loop", res[0][3])


@unittest.skipUnless(IS_ROOT, "needs root to switch ids")
class VirtualGidZeroTest(Base):
    """A switch to the owner's ids that is refused defers, writes nothing."""
    extra_main_cf = "\nvirtual_gid_maps = static:0\n"

    def test_deferred_not_written_as_root(self):
        qid = self.submit(["demo@example.test"])
        res = self.deliver(qid, "virtual")
        self.assertEqual(res[0][:3], ("deferred", "4.3.0", "delayed"))
        self.assertIn("cannot become uid", res[0][3])
        self.assertEqual(self.status_of(qid), ["pending"])
        maildir = os.path.join(self.sb.dir, "mail", "example.test", "demo",
                               "Maildir")
        for sub in ("new", "tmp"):
            self.assertEqual(glob.glob(os.path.join(maildir, sub, "*")), [])


@unittest.skipUnless(IS_ROOT, "needs root to create a system user")
class LocalTest(Base):
    user = "petrellt%d" % (os.getpid() % 100000)

    @classmethod
    def prepare(cls):
        d = cls.sb.dir
        cls.home = os.path.join(cls.sb.tmp, "home")
        cls.spool = os.path.join(cls.sb.tmp, "spool")
        cls.out = os.path.join(cls.sb.tmp, "out")
        for p in (cls.spool, cls.out):
            os.makedirs(p)
            os.chmod(p, 0o1777)
        r = run(["useradd", "-m", "-d", cls.home, "-s", "/bin/sh",
                 cls.user])
        if r.returncode != 0:
            raise RuntimeError("useradd: " + r.stderr)
        cls.uid = pwd.getpwnam(cls.user).pw_uid
        cls.nobody = pwd.getpwnam("nobody").pw_uid
        inc = os.path.join(d, "etc", "include")
        with open(inc, "w") as f:
            f.write("# members\n\\%s\n" % cls.user)
        out = cls.out
        aliases = {
            # Forwarded copies stay inside the sandbox (virtual user).
            "fwd": "demo@example.test, Demo@Example.test",
            "tofile": os.path.join(out, "file.mbox"),
            "tocmd": '"|/usr/bin/id -u >%s/cmd.uid; cat >%s/cmd.out"'
                     % (out, out),
            "fail67": '"|echo no such person; exit 67"',
            "fail75": '"|exit 75"',
            "me": "\\%s" % cls.user,
            "inc": ":include:" + inc,
            "mixed": "bad..item@@, \\%s" % cls.user,
        }
        aliases[cls.user + "x"] = "\\" + cls.user
        with open(os.path.join(d, "etc", "aliases"), "w") as f:
            for k, v in aliases.items():
                f.write("%s: %s\n" % (k, v))
        cls.extra_main_cf = (
            "\nalias_maps = texthash:%s/etc/aliases\n"
            "mail_spool_directory = %s\n" % (d, cls.spool))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if not os.environ.get("PETREL_KEEP_SANDBOX"):
            run(["userdel", "-r", cls.user])

    def mbox(self):
        try:
            with open(os.path.join(self.spool, self.user), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def addr(self, local):
        return "%s@localhost" % local

    def test_mbox_and_extension(self):
        before = self.mbox()
        qid = self.submit([self.addr(self.user),
                           self.addr(self.user + "+tag")])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "delivered"))
        self.assertEqual(res[1][:2], ("sent", "2.0.0"))
        new = self.mbox()[len(before):]
        self.assertTrue(new.startswith(b"From alice@example.org "))
        self.assertIn(b"\nReturn-Path: <alice@example.org>\n"
                      b"Delivered-To: %s\nSubject: test\n\n>From the start"
                      b"\nline two\n>From quoted\n\n"
                      % self.addr(self.user).encode(), new)
        self.assertIn(b"Delivered-To: %s+tag@localhost"
                      % self.user.encode(), new)
        st = os.stat(os.path.join(self.spool, self.user))
        self.assertEqual(st.st_uid, self.uid)
        self.assertEqual(self.status_of(qid), ["delivered", "delivered"])
        self.sb.wait_log(r"%s: to=<%s@localhost>, relay=local, delay=[0-9.]+"
                         r", dsn=2\.0\.0, status=sent \(delivered to "
                         r"mailbox\)" % (qid, self.user))

    def test_unknown_user(self):
        qid = self.submit([self.addr("nosuchuser")])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("bounced", "5.1.1", "failed"))

    def test_alias_forward_file_command(self):
        qid = self.submit([self.addr("fwd"), self.addr("tofile"),
                           self.addr("tocmd")])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "expanded"))
        m = re.search(r"forwarded as (\w+)", res[0][3])
        self.assertTrue(m)
        self.sb.wait_log(r"%s: message-id=" % m.group(1))
        self.assertEqual(res[1][0], "sent")
        with open(os.path.join(self.out, "file.mbox"), "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"From alice@example.org "))
        self.assertIn(b"Delivered-To: tofile@localhost\n", data)
        self.assertEqual(os.stat(os.path.join(self.out, "file.mbox"))
                         .st_uid, self.nobody)
        self.assertEqual(res[2][0], "sent")
        with open(os.path.join(self.out, "cmd.uid")) as f:
            self.assertEqual(int(f.read()), self.nobody)
        with open(os.path.join(self.out, "cmd.out"), "rb") as f:
            self.assertEqual(f.read(), b"Return-Path: <alice@example.org>"
                             b"\nDelivered-To: tocmd@localhost\n" + BODY)
        self.assertEqual(self.status_of(qid), ["delivered"] * 3)

    def test_command_exit_codes(self):
        qid = self.submit([self.addr("fail67"), self.addr("fail75")])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:2], ("bounced", "5.1.1"))
        self.assertIn("no such person", res[0][3])
        self.assertEqual(res[1][:3], ("deferred", "4.3.0", "delayed"))
        self.assertEqual(self.status_of(qid), ["pending", "pending"])

    def test_self_include_and_bad_items(self):
        before = self.mbox()
        qid = self.submit([self.addr("me"), self.addr("inc"),
                           self.addr("mixed")])
        res = self.deliver(qid, "local")
        for i in range(3):
            self.assertEqual(res[i][0], "sent", res[i])
        # me, inc and mixed each reach \user once.
        self.assertEqual(self.mbox()[len(before):]
                         .count(b"From alice@example.org "), 3)
        self.sb.wait_log(r"warning: %s: mixed@localhost: bad alias or "
                         r"\.forward item" % qid)
        self.sb.wait_log(r"to=<%s@localhost>, orig_to=<inc@localhost>"
                         % self.user)

    def test_forward_file(self):
        fwd = os.path.join(self.home, ".forward")
        self.addCleanup(lambda: os.path.exists(fwd) and os.unlink(fwd))
        with open(fwd, "w") as f:
            f.write("# mine\n\\%s, \"|/usr/bin/id -u >%s/fwd.uid\"\n"
                    % (self.user, self.out))
        os.chown(fwd, self.uid, -1)
        os.chmod(fwd, 0o644)
        before = self.mbox()
        qid = self.submit([self.addr(self.user)])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "expanded"))
        self.assertIn(b"Delivered-To", self.mbox()[len(before):])
        with open(os.path.join(self.out, "fwd.uid")) as f:
            self.assertEqual(int(f.read()), self.uid)

        # Group-writable: ignored with a warning, mail to the mailbox.
        os.unlink(os.path.join(self.out, "fwd.uid"))
        os.chmod(fwd, 0o664)
        qid = self.submit([self.addr(self.user)])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "delivered"))
        self.assertFalse(os.path.exists(os.path.join(self.out, "fwd.uid")))
        self.sb.wait_log(r"warning: %s: ignoring .*\.forward" % qid)

        # Huge: ignored with a warning.
        with open(fwd, "w") as f:
            f.write("#" * (2 * 1024 * 1024))
        os.chmod(fwd, 0o644)
        qid = self.submit([self.addr(self.user)])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "delivered"))
        self.sb.wait_log(r"warning: %s: ignoring .*too large" % qid)

    def test_spool_symlink_not_followed(self):
        # The user plants spool/USER -> a file only root may write.
        victim_dir = os.path.join(self.sb.tmp, "rootonly-spool")
        os.makedirs(victim_dir, exist_ok=True)
        os.chmod(victim_dir, 0o755)
        victim = os.path.join(victim_dir, "victim")
        mbox = os.path.join(self.spool, self.user)
        saved = mbox + ".save"
        if os.path.exists(mbox):
            os.rename(mbox, saved)
        self.addCleanup(lambda: os.path.exists(saved)
                        and os.rename(saved, mbox))
        os.symlink(victim, mbox)
        os.lchown(mbox, self.uid, -1)
        self.addCleanup(os.unlink, mbox)
        qid = self.submit([self.addr(self.user)])
        res = self.deliver(qid, "local")
        self.assertNotEqual(res[0][0], "sent")
        self.assertFalse(os.path.exists(victim))
        self.assertTrue(os.path.islink(mbox))

    def test_forward_file_symlinked_dir(self):
        # .forward names /home/USER/link/mbox, link -> a root-only
        # directory: written as the user, so it cannot land there.
        victim_dir = os.path.join(self.sb.tmp, "rootonly-fwd")
        os.makedirs(victim_dir, exist_ok=True)
        os.chmod(victim_dir, 0o755)
        link = os.path.join(self.home, "link")
        os.symlink(victim_dir, link)
        os.lchown(link, self.uid, -1)
        self.addCleanup(lambda: os.path.islink(link) and os.unlink(link))
        fwd = os.path.join(self.home, ".forward")
        self.addCleanup(lambda: os.path.exists(fwd) and os.unlink(fwd))
        with open(fwd, "w") as f:
            f.write("%s/mbox\n" % link)
        os.chown(fwd, self.uid, -1)
        os.chmod(fwd, 0o644)
        qid = self.submit([self.addr(self.user)])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:2], ("deferred", "4.3.0"))
        self.assertEqual(os.listdir(victim_dir), [])
        self.assertEqual(self.status_of(qid), ["pending"])

        # The same file in a directory of the user's: written, the
        # user's file.
        os.unlink(link)
        os.mkdir(link)
        os.chown(link, self.uid, -1)
        self.addCleanup(os.rmdir, link)
        target = os.path.join(link, "mbox")
        self.addCleanup(lambda: os.path.exists(target)
                        and os.unlink(target))
        qid = self.submit([self.addr(self.user)])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:2], ("sent", "2.0.0"))
        st = os.stat(target)
        self.assertEqual(st.st_uid, self.uid)
        with open(target, "rb") as f:
            self.assertTrue(f.read().startswith(b"From alice@example.org "))

    def test_loop(self):
        body = b"Delivered-To: %s@localhost\n" % self.user.encode() + BODY
        qid = self.submit([self.addr(self.user)], body=body)
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:2], ("bounced", "5.4.6"))


@unittest.skipUnless(IS_ROOT, "needs root to create a system user")
class HomeMaildirTest(Base):
    user = "petrelhm%d" % (os.getpid() % 100000)
    extra_main_cf = "\nhome_mailbox = Maildir/\n"

    @classmethod
    def prepare(cls):
        cls.home = os.path.join(cls.sb.tmp, "hm")
        r = run(["useradd", "-m", "-d", cls.home, cls.user])
        if r.returncode != 0:
            raise RuntimeError("useradd: " + r.stderr)
        cls.extra_main_cf += "alias_maps =\n"

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if not os.environ.get("PETREL_KEEP_SANDBOX"):
            run(["userdel", "-r", cls.user])

    def test_home_maildir(self):
        qid = self.submit(["%s@localhost" % self.user])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "delivered"))
        new = glob.glob(os.path.join(self.home, "Maildir", "new", "*"))
        self.assertEqual(len(new), 1)
        self.assertEqual(os.stat(new[0]).st_uid,
                         pwd.getpwnam(self.user).pw_uid)
        with open(new[0], "rb") as f:
            self.assertTrue(f.read().endswith(BODY))

    def test_owner_and_symlinked_tmp(self):
        pw = pwd.getpwnam(self.user)
        maildir = os.path.join(self.home, "Maildir")
        qid = self.submit(["%s@localhost" % self.user])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:3], ("sent", "2.0.0", "delivered"))
        # The Maildir, its directories and the message are the user's.
        for p in [maildir] + [os.path.join(maildir, d)
                              for d in ("tmp", "new", "cur")]:
            st = os.stat(p)
            self.assertEqual((st.st_uid, st.st_gid),
                             (pw.pw_uid, pw.pw_gid), p)
        for p in glob.glob(os.path.join(maildir, "new", "*")):
            st = os.stat(p)
            self.assertEqual((st.st_uid, st.st_gid),
                             (pw.pw_uid, pw.pw_gid), p)
        self.assertEqual(os.listdir(os.path.join(maildir, "tmp")), [])

        # The user replaces tmp/ with a link to a root-only directory.
        victim = os.path.join(self.sb.tmp, "rootonly-md")
        os.makedirs(victim, exist_ok=True)
        os.chmod(victim, 0o755)
        tmp = os.path.join(maildir, "tmp")
        os.rmdir(tmp)
        os.symlink(victim, tmp)
        os.lchown(tmp, pw.pw_uid, pw.pw_gid)
        n_new = len(os.listdir(os.path.join(maildir, "new")))
        qid = self.submit(["%s@localhost" % self.user])
        res = self.deliver(qid, "local")
        self.assertEqual(res[0][:2], ("deferred", "4.3.0"))
        self.assertEqual(os.listdir(victim), [])
        self.assertEqual(len(os.listdir(os.path.join(maildir, "new"))),
                         n_new)
        self.assertEqual(self.status_of(qid), ["pending"])
        os.unlink(tmp)
        os.mkdir(tmp, 0o700)
        os.chown(tmp, pw.pw_uid, pw.pw_gid)


if __name__ == "__main__":
    unittest.main()
