"""petrel-setup --sandbox: what it creates, what it refuses."""

import os
import ssl
import socket
import stat
import subprocess
import tempfile
import threading
import unittest
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

from petrel_test import (IS_ROOT, Sandbox, SandboxTestCase, prog, run,
                         free_base_port, ensure_mail_owner)


class SetupTest(SandboxTestCase):

    def test_layout(self):
        for rel in ("etc/main.cf", "etc/master.cf", "etc/passwd",
                    "etc/vmailbox", "etc/tls/cert.pem", "etc/tls/key.pem",
                    "queue", "mail", "log",
                    "mail/example.test/demo/Maildir/new",
                    "mail/example.test/demo/Maildir/cur",
                    "mail/example.test/demo/Maildir/tmp"):
            self.assertTrue(os.path.exists(os.path.join(self.sb.dir, rel)),
                            rel)
        mode = stat.S_IMODE(os.stat(os.path.join(self.sb.etc, "tls",
                                                 "key.pem")).st_mode)
        self.assertEqual(mode, 0o600)
        mode = stat.S_IMODE(os.stat(os.path.join(self.sb.etc,
                                                 "passwd")).st_mode)
        self.assertEqual(mode, 0o600)

    def test_main_cf(self):
        with open(os.path.join(self.sb.etc, "main.cf")) as f:
            text = f.read()
        self.assertIn("queue_directory = %s/queue\n" % self.sb.dir, text)
        self.assertIn("mynetworks = 127.0.0.0/8\n", text)
        self.assertIn("auth_plaintext_loopback = yes\n", text)
        self.assertIn("virtual_mailbox_domains = example.test\n", text)
        self.assertIn("inet_interfaces = 127.0.0.1\n", text)
        # The configuration it writes is valid.
        r = run([prog("petrel-conf"), "-c", self.sb.etc, "-n"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("mail_owner = ", r.stdout)

    def test_master_cf_ports(self):
        with open(os.path.join(self.sb.etc, "master.cf")) as f:
            text = f.read()
        for off in (25, 587, 465, 143, 993, 110, 995):
            self.assertIn("127.0.0.1:%d inet" % (self.sb.base + off), text)
        self.assertEqual(self.sb.port("smtp"), self.sb.base + 25)
        self.assertEqual(self.sb.port("imaps"), self.sb.base + 993)

    def test_user_password(self):
        with open(os.path.join(self.sb.etc, "passwd")) as f:
            line = f.read().strip()
        fields = line.split(":")
        self.assertEqual(fields[0], "demo@example.test")
        self.assertTrue(fields[1].startswith("{CRYPT}$y$"), fields[1])
        hashed = fields[1][len("{CRYPT}"):]
        self.assertEqual(crypt.crypt("secret-Pw1", hashed), hashed)
        self.assertNotEqual(crypt.crypt("wrong", hashed), hashed)
        self.assertEqual(len(fields), 8)
        with open(os.path.join(self.sb.etc, "vmailbox")) as f:
            self.assertIn("demo@example.test example.test/demo/Maildir/\n",
                          f.read())

    def test_refuses_second_run(self):
        args = [prog("petrel-setup"), "--sandbox", self.sb.dir,
                "--base-port", str(self.sb.base)]
        r = run(args)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already", r.stderr)
        r = run(args + ["--force", "--password", "other"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("password:    other", r.stdout)

    def test_certificate_verifies_for_localhost_and_ip(self):
        """A client that checks host names accepts 127.0.0.1 and localhost
        with the sandbox certificate as its trust anchor."""
        cert = os.path.join(self.sb.etc, "tls", "cert.pem")
        key = os.path.join(self.sb.etc, "tls", "key.pem")
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert, key)
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4)
        port = lsock.getsockname()[1]

        def serve():
            for _ in range(2):
                conn, _ = lsock.accept()
                try:
                    with server_ctx.wrap_socket(conn, server_side=True) as s:
                        s.sendall(b"hello\n")
                except (ssl.SSLError, OSError):
                    pass

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        client_ctx = ssl.create_default_context(cafile=cert)
        for name in ("127.0.0.1", "localhost"):
            with socket.create_connection(("127.0.0.1", port), 5) as raw:
                with client_ctx.wrap_socket(raw, server_hostname=name) as s:
                    self.assertEqual(s.recv(6), b"hello\n")
        t.join(5)
        lsock.close()


class SetupBadInputTest(unittest.TestCase):

    def setUp(self):
        ensure_mail_owner()
        self.tmp = tempfile.mkdtemp(prefix="petrel-it-")
        self.addCleanup(lambda: run(["rm", "-rf", self.tmp]))

    def setup(self, *args):
        return run([prog("petrel-setup")] + list(args))

    def test_usage(self):
        r = self.setup()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage:", r.stderr)

    def test_bad_port(self):
        d = os.path.join(self.tmp, "x")
        for port in ("0", "abc", "99999", "64541", "-5", "10000x"):
            r = self.setup("--sandbox", d, "--base-port", port)
            self.assertNotEqual(r.returncode, 0, port)
            self.assertIn("--base-port", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "etc", "main.cf")))

    def test_bad_user(self):
        d = os.path.join(self.tmp, "x")
        for user in ("nodomain", "a@b@c", "evil:user@x.test",
                     "a@x.test\nroot::0:0", "@x.test", "a@", "a b@x.test",
                     "a@.x", "a@x..test", "x" * 300 + "@x.test"):
            r = self.setup("--sandbox", d, "--base-port", "30000",
                           "--user", user)
            self.assertNotEqual(r.returncode, 0, user)
            self.assertIn("bad --user", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "etc", "passwd")))

    def test_bad_password(self):
        d = os.path.join(self.tmp, "x")
        for pw in ("", "two\nlines"):
            r = self.setup("--sandbox", d, "--base-port", "30000",
                           "--password", pw)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("bad --password", r.stderr)

    def test_generated_password_and_other_user(self):
        d = os.path.join(self.tmp, "x")
        r = self.setup("--sandbox", d, "--base-port", str(free_base_port()),
                       "--user", "alice@mail.example.org")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"password:    [A-Za-z0-9]{16} \(generated\)")
        with open(os.path.join(d, "etc", "main.cf")) as f:
            self.assertIn("virtual_mailbox_domains = mail.example.org\n",
                          f.read())

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_root_ownership(self):
        """As root the configuration stays root's and what daemons write
        belongs to the mail owner."""
        import pwd
        d = os.path.join(self.tmp, "x")
        r = self.setup("--sandbox", d, "--base-port", str(free_base_port()))
        self.assertEqual(r.returncode, 0, r.stderr)
        petrel = pwd.getpwnam("petrel").pw_uid
        self.assertEqual(os.stat(os.path.join(d, "etc")).st_uid, 0)
        self.assertEqual(os.stat(os.path.join(d, "etc", "main.cf")).st_uid, 0)
        self.assertEqual(os.stat(os.path.join(d, "etc", "tls",
                                              "key.pem")).st_uid, 0)
        for sub in ("queue", "mail", "log"):
            self.assertEqual(os.stat(os.path.join(d, sub)).st_uid, petrel,
                             sub)


if __name__ == "__main__":
    unittest.main()
