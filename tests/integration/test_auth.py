"""The auth service (auth(8)), its client library and petrel-user(1).

petrel-user is run on a fresh sandbox (no need to start it): add, passwd,
del and list, with the passwd-file and the Maildir checked on disk, and
every refusal (bad addresses, duplicates, empty passwords, unknown users,
usage errors) leaving the file as it was.

The auth daemon is started by master in a sandbox and asked through
build/tests/authc, a small program around auth_client_verify() and
auth_client_lookup(): the demo user's password, a wrong one (answered
only after auth_failure_delay, with a warning in the maillog that never
holds a password), lookups, users added and changed by petrel-user while
the service runs, plaintext refused, several clients at once, and
hostile requests on the raw socket.  As root, the auth process must run
as root (it is privileged) and be a child of master.

    PETREL_BUILD=build python3 -m unittest tests/integration/test_auth.py -v
"""

import os
import re
import socket
import stat
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import (IS_ROOT, SandboxTestCase, argv_of,  # noqa: E402
                         children_of, prog, proc_status, run, wait_for)

DEMO = "demo@example.test"
RESULT = re.compile(r"^status=(\S+) user=(\S*) uid=(-?\d+) gid=(-?\d+) "
                    r"home=(\S*) reason=(.*) ms=(\d+)$")
AUTH_LINE = "auth      unix  -       n       n       -       -       auth\n"


def parse_result(out):
    m = RESULT.match(out.strip().splitlines()[-1] if out.strip() else "")
    if not m:
        raise AssertionError("authc printed %r" % out)
    return {"status": m.group(1), "user": m.group(2),
            "uid": int(m.group(3)), "gid": int(m.group(4)),
            "home": m.group(5), "reason": m.group(6),
            "ms": int(m.group(7))}


class UserTestCase(SandboxTestCase):
    """petrel-user on a sandbox that is not running."""

    def user(self, *args, stdin=None):
        return run([prog("petrel-user"), "-c", self.sb.etc] + list(args),
                   input=stdin)

    def passwd_text(self):
        with open(os.path.join(self.sb.etc, "passwd")) as f:
            return f.read()

    def mail_dir(self, *parts):
        return os.path.join(self.sb.dir, "mail", *parts)


class PetrelUserTest(UserTestCase):

    def test_add_list_passwd_del(self):
        r = self.user("add", "Alice@Example.test", stdin="pw-Alice1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("added alice@example.test", r.stdout)
        line = [l for l in self.passwd_text().splitlines()
                if l.startswith("alice@")][0]
        home = self.mail_dir("example.test", "alice")
        m = re.match(r"^alice@example\.test:\{YESCRYPT\}\$y\$[^:]+:"
                     r"(\d+):(\d+)::(.*)::$", line)
        self.assertTrue(m, line)
        uid, gid = int(m.group(1)), int(m.group(2))
        self.assertEqual(m.group(3), home)
        # uid and gid come from virtual_uid_maps = static:N.
        demo = [l for l in self.passwd_text().splitlines()
                if l.startswith(DEMO)][0].split(":")
        self.assertEqual((uid, gid), (int(demo[2]), int(demo[3])))
        for sub in ("", "Maildir", "Maildir/cur", "Maildir/new",
                    "Maildir/tmp"):
            st = os.lstat(os.path.join(home, sub))
            self.assertTrue(stat.S_ISDIR(st.st_mode), sub)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o700, sub)
            if IS_ROOT:
                self.assertEqual((st.st_uid, st.st_gid), (uid, gid), sub)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(
            self.sb.etc, "passwd")).st_mode), 0o600)

        r = self.user("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, DEMO + "\nalice@example.test\n")

        old = line
        r = self.user("-s", "SHA512-CRYPT", "passwd", "ALICE@example.test",
                      stdin="new-Pw2\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        line = [l for l in self.passwd_text().splitlines()
                if l.startswith("alice@")][0]
        self.assertRegex(line, r"^alice@example\.test:\{SHA512-CRYPT\}"
                               r"\$6\$[^:]+:%d:%d::%s::$" % (uid, gid,
                                                             re.escape(home)))
        self.assertNotEqual(line, old)

        r = self.user("del", "alice@example.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept", r.stdout)
        self.assertIn(home, r.stdout)
        self.assertNotIn("alice@", self.passwd_text())
        self.assertTrue(os.path.isdir(os.path.join(home, "Maildir", "new")))
        self.assertEqual(self.user("list").stdout, DEMO + "\n")
        # The demo line is untouched by all of this.
        self.assertEqual(self.passwd_text().count(DEMO), 1)

    def test_refusals_leave_the_file_alone(self):
        before = self.passwd_text()
        bad = ["nodomain", "@example.test", "a@", "a@@example.test",
               "a b@example.test", "a:b@example.test", "a/b@example.test",
               "../x@example.test", ".a@example.test", "a.@example.test",
               "a..b@example.test", "a@-example.test", "a@example..test",
               "a@example.test.", "a@exa_mple.test", "a\nb@example.test",
               "x" * 65 + "@example.test", "a@" + "d" * 260]
        for addr in bad:
            r = self.user("add", addr, stdin="pw\n")
            self.assertEqual(r.returncode, 1, addr)
            self.assertIn("bad address", r.stderr, addr)
        r = self.user("add", "DEMO@example.test", stdin="pw\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already exists", r.stderr)
        for pw in ("", "\n", "\r\n", "x" * 256 + "\n", "a\0b\n"):
            r = self.user("add", "new@example.test", stdin=pw)
            self.assertEqual(r.returncode, 1, repr(pw))
            self.assertIn("password", r.stderr, repr(pw))
        r = self.user("-u", "0", "add", "root@example.test", stdin="pw\n")
        self.assertEqual(r.returncode, 1)
        for cmd in ("passwd", "del"):
            r = self.user(cmd, "nobody@example.test", stdin="pw\n")
            self.assertEqual(r.returncode, 1, cmd)
            self.assertIn("no user", r.stderr, cmd)
        for args in ([], ["add"], ["list", "x"], ["frob", "a@b.c"],
                     ["-s", "PLAIN", "add", "a@example.test"],
                     ["-s", "MD5", "add", "a@example.test"],
                     ["-u", "x", "add", "a@example.test"]):
            r = self.user(*args, stdin="pw\n")
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("usage", r.stderr, args)
        self.assertEqual(self.passwd_text(), before)
        self.assertFalse(os.path.exists(self.mail_dir("example.test",
                                                      "new")))

    def test_uid_gid_options_and_other_domain(self):
        r = self.user("-u", "4321", "-g", "4322", "add",
                      "bob+tag@other.example", stdin="pw-Bob1\nignored\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        line = self.passwd_text().splitlines()[-1]
        home = self.mail_dir("other.example", "bob+tag")
        self.assertRegex(line, r"^bob\+tag@other\.example:\{YESCRYPT\}"
                               r"[^:]+:4321:4322::%s::$" % re.escape(home))
        self.assertTrue(os.path.isdir(os.path.join(home, "Maildir", "tmp")))
        if IS_ROOT:
            st = os.stat(os.path.join(home, "Maildir", "cur"))
            self.assertEqual((st.st_uid, st.st_gid), (4321, 4322))

    def test_missing_auth_passwd_file_setting(self):
        r = run([prog("petrel-conf"), "-c", self.sb.etc, "-e",
                 "auth_passwd_file="])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.user("list")
        self.assertEqual(r.returncode, 1)
        self.assertIn("auth_passwd_file", r.stderr)


class AuthTestCase(UserTestCase):
    """The auth daemon under master: setup and helpers."""

    delay = "1s"

    def setUp(self):
        super().setUp()
        cf = os.path.join(self.sb.etc, "master.cf")
        with open(cf) as f:
            text = f.read()
        if not re.search(r"^auth\s", text, re.M):
            with open(cf, "a") as f:
                f.write(AUTH_LINE)
        if self.delay is not None:
            r = run([prog("petrel-conf"), "-c", self.sb.etc, "-e",
                     "auth_failure_delay=" + self.delay])
            self.assertEqual(r.returncode, 0, r.stderr)
        self.sb.start()
        wait_for(lambda: os.path.exists(os.path.join(
            self.sb.dir, "queue", "private", "auth")), what="private/auth")

    def authc(self, *args, stdin=None):
        r = run([prog("authc"), "-c", self.sb.etc] + list(args),
                input=stdin)
        if r.returncode == 3:
            raise AssertionError("authc: %s" % r.stderr)
        return r.returncode, parse_result(r.stdout), r.stderr

    def verify(self, user, password, service="smtp", *opts):
        return self.authc(*opts, "verify", service, user, "127.0.0.1",
                          stdin=password + "\n")


class AuthServiceTest(AuthTestCase):
    """auth_failure_delay shortened to 1s."""

    def test_good_and_wrong_password(self):
        rc, res, err = self.verify(DEMO, "secret-Pw1")
        self.assertEqual(rc, 0, err)
        self.assertEqual(res["status"], "ok")
        self.assertEqual(res["user"], DEMO)
        self.assertEqual(res["home"], self.mail_dir("example.test", "demo"))
        self.assertGreaterEqual(res["uid"], 0)
        self.assertEqual(res["reason"], "")
        # The name is looked up without regard to case.
        rc, res, err = self.verify("Demo@EXAMPLE.test", "secret-Pw1", "imap")
        self.assertEqual((rc, res["status"], res["user"]), (0, "ok", DEMO))

        start = time.monotonic()
        rc, res, err = self.verify(DEMO, "wrong-Pw9", "pop3")
        elapsed = time.monotonic() - start
        self.assertEqual((rc, res["status"]), (1, "fail"))
        self.assertEqual((res["uid"], res["gid"], res["home"]), (-1, -1, ""))
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertGreaterEqual(res["ms"], 900)
        line = self.sb.wait_log(
            r"warning: auth: authentication failed for %s from 127\.0\.0\.1"
            r" \(pop3\)" % re.escape(DEMO)).group(0)
        self.assertTrue(line)
        self.sb.wait_log(r"auth: authentication succeeded for %s from "
                         r"127\.0\.0\.1 \(smtp\)" % re.escape(DEMO))
        log = self.sb.log()
        self.assertNotIn("wrong-Pw9", log)
        self.assertNotIn("secret-Pw1", log)

    def test_unknown_users_and_lookup(self):
        for user in ("nobody@example.test", "nosuchuser-petrel-test"):
            start = time.monotonic()
            rc, res, err = self.verify(user, "whatever")
            self.assertEqual((rc, res["status"]), (1, "fail"), user)
            self.assertGreaterEqual(time.monotonic() - start, 0.9, user)
            self.sb.wait_log(r"authentication failed for %s "
                             % re.escape(user))
        rc, res, err = self.authc("lookup", "DEMO@example.test")
        self.assertEqual((rc, res["status"], res["user"]), (0, "ok", DEMO))
        self.assertEqual(res["home"], self.mail_dir("example.test", "demo"))
        self.assertLess(res["ms"], 900)
        for user in ("nobody@example.test", "nosuchuser-petrel-test",
                     "demo@other.example"):
            rc, res, err = self.authc("lookup", user)
            self.assertEqual((rc, res["status"], res["reason"]),
                             (1, "fail", "unknown user"), user)
        # A system user that exists: root is found (auth refuses its
        # logins, but it exists).
        rc, res, err = self.authc("lookup", "root")
        self.assertEqual((rc, res["status"], res["uid"]), (0, "ok", 0))
        rc, res, err = self.verify("root", "anything")
        self.assertEqual(res["status"], "fail")
        self.assertIn("uid 0", res["reason"])

    def test_users_changed_while_running(self):
        r = self.user("add", "carol@example.test", stdin="pw-Carol1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, res, err = self.verify("carol@example.test", "pw-Carol1")
        self.assertEqual(res["status"], "ok", err)
        r = self.user("passwd", "carol@example.test", stdin="pw-Carol2\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.verify("carol@example.test",
                                     "pw-Carol1")[1]["status"], "fail")
        self.assertEqual(self.verify("carol@example.test",
                                     "pw-Carol2")[1]["status"], "ok")
        r = self.user("del", "carol@example.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.authc("lookup", "carol@example.test")
                         [1]["status"], "fail")
        # Only the first line of standard input is the password.
        r = self.user("add", "dave@example.test", stdin="first\nsecond\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.verify("dave@example.test",
                                     "first")[1]["status"], "ok")

    def test_plaintext_refused_and_async(self):
        rc, res, err = self.verify(DEMO, "secret-Pw1", "smtp", "-n")
        self.assertEqual((rc, res["status"]), (1, "fail"))
        self.assertIn("TLS", res["reason"])
        rc, res, err = self.verify(DEMO, "secret-Pw1", "imap", "-a")
        self.assertEqual((rc, res["status"], res["user"]), (0, "ok", DEMO))
        rc, res, err = self.verify(DEMO, "bad", "imap", "-a")
        self.assertEqual((rc, res["status"]), (1, "fail"))

    def raw_request(self, attrs, raw=None):
        """Send one attribute list; return the reply's attributes."""
        data = raw
        if data is None:
            data = b""
            for name, value in attrs:
                data += bytes([len(name)]) + name.encode()
                data += struct.pack(">I", len(value)) + value
            data += b"\0"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(os.path.join(self.sb.dir, "queue", "private", "auth"))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        s.close()
        out, pos = {}, 0
        while reply[pos] != 0:
            n = reply[pos]
            name = reply[pos + 1:pos + 1 + n].decode()
            (vlen,) = struct.unpack(">I", reply[pos + 1 + n:pos + 5 + n])
            out[name] = reply[pos + 5 + n:pos + 5 + n + vlen].decode()
            pos += 5 + n + vlen
        self.assertEqual(pos, len(reply) - 1, "one reply, then close")
        return out

    def test_hostile_requests(self):
        good = [("request", b"auth"), ("service", b"smtp"),
                ("user", DEMO.encode()), ("password", b"secret-Pw1"),
                ("client_address", b"127.0.0.1"), ("secure", b"yes")]
        cases = [
            good + [("extra", b"1")],
            good[:3] + good[4:],
            good + [("user", b"x")],
            [(k, b"telnet" if k == "service" else v) for k, v in good],
            [(k, b"a\nb" if k == "user" else v) for k, v in good],
            [(k, b"x" * 256 if k == "user" else v) for k, v in good],
            [(k, b"" if k == "password" else v) for k, v in good],
            [(k, b"x" * 1025 if k == "password" else v) for k, v in good],
            [(k, b"maybe" if k == "secure" else v) for k, v in good],
            [(k, b"p\0w" if k == "password" else v) for k, v in good],
            [("request", b"shutdown")],
            [("user", DEMO.encode())],
            [("request", b"lookup"), ("user", b"")],
        ]
        for attrs in cases:
            reply = self.raw_request(attrs)
            self.assertEqual(reply["status"], "tempfail", attrs)
            self.assertTrue(reply["reason"].startswith("bad request"),
                            reply)
        for raw in (b"\x07request\xff\xff\xff\xff", b"\x00\x00",
                    b"\x03BAD\x00\x00\x00\x00\x00"):
            reply = self.raw_request(None, raw)
            self.assertEqual(reply["status"], "tempfail", raw)
        # The service is still there and answers correctly.
        reply = self.raw_request(good)
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(set(reply), {"status", "user", "uid", "gid", "home",
                                      "reason"})

    def auth_pids(self):
        return [k for k in children_of(self.sb.master_pid())
                if b"libexec/auth" in b" ".join(argv_of(k))]

    def test_reload_closes_idle_connections(self):
        self.assertEqual(self.verify(DEMO, "secret-Pw1")[1]["status"], "ok")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(os.path.join(self.sb.dir, "queue", "private", "auth"))
        old = wait_for(self.auth_pids, what="an auth process")
        self.sb.reload()
        start = time.monotonic()
        self.assertEqual(s.recv(1), b"")    # closed by the old process
        self.assertLess(time.monotonic() - start, 5)
        s.close()
        wait_for(lambda: not set(old) & set(self.auth_pids()), 10,
                 what="the old auth process to exit")
        self.assertEqual(self.verify(DEMO, "secret-Pw1")[1]["status"], "ok")

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_auth_runs_as_root_under_master(self):
        self.assertEqual(self.verify(DEMO, "secret-Pw1")[1]["status"], "ok")
        mpid = self.sb.master_pid()
        kids = self.auth_pids()
        self.assertEqual(len(kids), 1)
        st = proc_status(kids[0])
        self.assertEqual(st["Uid"].split(), ["0"] * 4)
        self.assertEqual(st["Gid"].split(), ["0"] * 4)
        self.assertEqual(int(st["PPid"]), mpid)


class AuthLongDelayTest(AuthTestCase):
    """A failed check held back for 3s does not hold up others."""

    delay = "3s"

    def test_delay_does_not_block_other_clients(self):
        slow = subprocess.Popen(
            [prog("authc"), "-c", self.sb.etc, "verify", "smtp", DEMO,
             "127.0.0.1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        slow.stdin.write("wrong\n")
        slow.stdin.close()
        self.sb.wait_log(r"authentication failed for %s" % re.escape(DEMO))
        start = time.monotonic()
        rc, res, err = self.authc("lookup", DEMO)
        self.assertEqual(res["status"], "ok")
        rc, res, err = self.verify(DEMO, "secret-Pw1")
        self.assertEqual(res["status"], "ok")
        # Both answers came while the failed check was still held back.
        self.assertIsNone(slow.poll())
        self.assertLess(time.monotonic() - start, 2.5)
        out = slow.stdout.read()
        slow.wait(timeout=30)
        slow.stdout.close()
        res = parse_result(out)
        self.assertEqual(res["status"], "fail")
        self.assertGreaterEqual(res["ms"], 2900)


class AuthDefaultDelayTest(AuthTestCase):
    """The compiled-in auth_failure_delay (2s)."""

    delay = None

    def test_default_delay(self):
        start = time.monotonic()
        rc, res, err = self.verify(DEMO, "wrong")
        self.assertEqual(res["status"], "fail")
        self.assertGreaterEqual(time.monotonic() - start, 1.5)


if __name__ == "__main__":
    unittest.main()
