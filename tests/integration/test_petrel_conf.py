"""petrel-conf: listing, defaults, expansion, editing, errors, master.cf.

Runs the built program (PETREL_BUILD, default "build", then bin/petrel-conf)
against temporary configuration directories.  Run from the repository
root:  python3 -m unittest tests/integration/test_petrel_conf.py
"""

import os
import shutil
import subprocess
import tempfile
import unittest

PROG = os.path.join(os.environ.get("PETREL_BUILD", "build"), "bin",
                    "petrel-conf")

MAIN_CF = """\
# Petrel main.cf for tests
myhostname = mx.example.org

# Local domains
mydestination = $myhostname,
    localhost.$mydomain
max_use = 5
my_custom = ${relayhost:direct}
"""

MASTER_CF = """\
# service type private unpriv chroot wakeup maxproc command
smtp      inet  n       -       n       -       -       smtpd
qmgr      unix  n       -       n       300?    1       qmgr
submission inet n - n - 10 smtpd
  -o smtpd_tls_security_level=encrypt
  -v $myhostname
"""


class PetrelConfTest(unittest.TestCase):

    def setUp(self):
        if not os.access(PROG, os.X_OK):
            self.fail("%s is not built" % PROG)
        self.dir = tempfile.mkdtemp(prefix="petrel-conf-test.")
        self.write("main.cf", MAIN_CF)
        self.write("master.cf", MASTER_CF)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def run_conf(self, *args, env=None):
        full_env = dict(os.environ)
        full_env.pop("PETREL_CONFIG_DIR", None)
        if env:
            full_env.update(env)
        return subprocess.run([PROG] + list(args), capture_output=True,
                              text=True, env=full_env, timeout=30)

    def conf(self, *args):
        """Run with -c DIR; expect success; return stdout lines."""
        r = self.run_conf("-c", self.dir, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout.splitlines()

    def as_dict(self, lines):
        out = {}
        for line in lines:
            name, sep, value = line.partition(" =")
            self.assertEqual(sep, " =", line)
            out[name] = value[1:] if value.startswith(" ") else value
        return out

    def test_default_listing(self):
        lines = self.conf()
        names = [line.split(" =")[0] for line in lines]
        self.assertEqual(names, sorted(names))
        values = self.as_dict(lines)
        # Values as written, unexpanded; defaults for the rest.
        self.assertEqual(values["myhostname"], "mx.example.org")
        self.assertEqual(values["mydestination"],
                         "$myhostname, localhost.$mydomain")
        self.assertEqual(values["max_use"], "5")
        self.assertEqual(values["myorigin"], "$myhostname")
        self.assertEqual(values["mail_owner"], "petrel")
        self.assertEqual(values["relayhost"], "")
        self.assertIn("relayhost =", lines)
        self.assertEqual(values["config_directory"], self.dir)
        # Unknown names set in main.cf are listed too.
        self.assertEqual(values["my_custom"], "${relayhost:direct}")
        for name in ("queue_directory", "default_process_limit",
                     "master_stop_timeout", "auth_plaintext_loopback",
                     "tls_key_file"):
            self.assertIn(name, values)

    def test_n(self):
        self.assertEqual(self.conf("-n"), [
            "max_use = 5",
            "my_custom = ${relayhost:direct}",
            "mydestination = $myhostname, localhost.$mydomain",
            "myhostname = mx.example.org",
        ])

    def test_d(self):
        values = self.as_dict(self.conf("-d"))
        self.assertEqual(values["max_use"], "100")
        self.assertEqual(values["mydestination"],
                         "$myhostname, localhost.$mydomain, localhost")
        self.assertEqual(values["mynetworks"], "127.0.0.0/8 [::1]/128")
        self.assertEqual(values["message_size_limit"], "10240000")
        self.assertEqual(values["max_idle"], "100s")
        self.assertNotIn("my_custom", values)
        # -d does not need (or read) main.cf at all.
        os.unlink(os.path.join(self.dir, "main.cf"))
        self.assertEqual(self.as_dict(self.conf("-d"))["max_use"], "100")

    def test_x(self):
        values = self.as_dict(self.conf("-x"))
        self.assertEqual(values["mydestination"],
                         "mx.example.org, localhost.example.org")
        self.assertEqual(values["myorigin"], "mx.example.org")
        self.assertEqual(values["mydomain"], "example.org")
        self.assertEqual(values["my_custom"], "direct")
        self.assertEqual(self.conf("-x", "-n", "mydestination"),
                         ["mydestination = mx.example.org, "
                          "localhost.example.org"])

    def test_h_and_names(self):
        self.assertEqual(self.conf("-h", "max_use", "myhostname"),
                         ["5", "mx.example.org"])
        self.assertEqual(self.conf("myorigin"), ["myorigin = $myhostname"])
        self.assertEqual(self.conf("-hx", "myorigin"), ["mx.example.org"])
        self.assertEqual(self.conf("-h", "relayhost"), [""])
        # -n with a name that is not set prints nothing.
        self.assertEqual(self.conf("-n", "relayhost"), [])

    def test_unknown_name(self):
        r = self.run_conf("-c", self.dir, "max_use", "no_such_param")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "max_use = 5\n")
        self.assertIn("petrel-conf: warning: unknown parameter: "
                      "no_such_param", r.stderr)

    def test_env_config_dir(self):
        r = self.run_conf("-h", "max_use",
                          env={"PETREL_CONFIG_DIR": self.dir})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "5\n")

    def test_edit_preserves_comments(self):
        before = ("# Petrel main.cf\n"
                  "\n"
                  "myhostname = old.example   # trailing text\n"
                  "  # an indented comment\n"
                  "mydestination = a,\n"
                  "    b,\n"
                  "# between continuation lines\n"
                  "    c\n"
                  "max_use = 5\n"
                  "mydestination = duplicate\n"
                  "\n"
                  "# end\n")
        self.write("main.cf", before)
        os.chmod(os.path.join(self.dir, "main.cf"), 0o640)
        self.conf("-e", "mydestination = $myhostname, localhost",
                  "relayhost=[smtp.example.net]:587")
        self.assertEqual(self.read("main.cf"),
                         "# Petrel main.cf\n"
                         "\n"
                         "myhostname = old.example   # trailing text\n"
                         "  # an indented comment\n"
                         "mydestination = $myhostname, localhost\n"
                         "# between continuation lines\n"
                         "max_use = 5\n"
                         "\n"
                         "# end\n"
                         "relayhost = [smtp.example.net]:587\n")
        mode = os.stat(os.path.join(self.dir, "main.cf")).st_mode & 0o7777
        self.assertEqual(mode, 0o640)
        self.assertEqual(self.conf("-h", "mydestination"),
                         ["$myhostname, localhost"])
        # No temporary files are left behind.
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["main.cf", "master.cf"])

    def test_edit_unknown_and_bad(self):
        r = self.run_conf("-c", self.dir, "-e", "brand_new=1")
        self.assertEqual(r.returncode, 0)
        self.assertIn("warning: unknown parameter: brand_new", r.stderr)
        self.assertTrue(self.read("main.cf").endswith("brand_new = 1\n"))
        before = self.read("main.cf")
        r = self.run_conf("-c", self.dir, "-e", "bad-name=1", "noequals")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.read("main.cf"), before)
        r = self.run_conf("-c", self.dir, "-e")
        self.assertEqual(r.returncode, 2)

    def test_bad_main_cf(self):
        self.write("main.cf", "# top\nmax_use = lots\nno equals sign\n"
                   "  \nbad-name = 1\nmax_idle = 5 minutes\n")
        r = self.run_conf("-c", self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        path = os.path.join(self.dir, "main.cf")
        self.assertIn(path + ":3: missing \"=\"", r.stderr)
        self.assertIn(path + ":5: bad parameter name \"bad-name\"",
                      r.stderr)
        # Syntax errors come first; type errors once the syntax is right.
        self.write("main.cf", "# top\nmax_use = lots\nmax_idle = 5 minutes\n")
        r = self.run_conf("-c", self.dir, "max_use")
        self.assertEqual(r.returncode, 1)
        self.assertIn(path + ":2: max_use: bad number \"lots\"", r.stderr)
        self.assertIn(path + ":3: max_idle: bad time", r.stderr)

    def test_missing_main_cf(self):
        os.unlink(os.path.join(self.dir, "main.cf"))
        r = self.run_conf("-c", self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("main.cf: cannot open", r.stderr)

    def test_master(self):
        lines = [line.split() for line in self.conf("-M")]
        self.assertEqual(lines, [
            ["smtp", "inet", "n", "y", "n", "0", "-", "smtpd"],
            ["qmgr", "unix", "n", "y", "n", "300", "1", "qmgr"],
            ["submission", "inet", "n", "y", "n", "0", "10", "smtpd",
             "-o", "smtpd_tls_security_level=encrypt", "-v",
             "mx.example.org"],
        ])
        self.assertEqual([line.split()[0] for line in
                          self.conf("-M", "qmgr/unix", "smtp")],
                         ["smtp", "qmgr"])
        r = self.run_conf("-c", self.dir, "-M", "qmgr/inet")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown service: qmgr/inet", r.stderr)

    def test_bad_master_cf(self):
        self.write("master.cf", "smtp inet n - n - - smtpd\n"
                   "smtp tcp n - n - - smtpd\n"
                   "x unix - - - - -\n"
                   "smtp inet n - n - - smtpd\n")
        r = self.run_conf("-c", self.dir, "-M")
        self.assertEqual(r.returncode, 1)
        path = os.path.join(self.dir, "master.cf")
        self.assertIn(path + ":2: unknown service type \"tcp\"", r.stderr)
        self.assertIn(path + ":3: missing command", r.stderr)
        self.assertIn(path + ":4: duplicate service", r.stderr)

    def test_usage(self):
        for args in (["-n", "-d"], ["-Z"], ["-e", "-M", "a=b"],
                     ["-x", "-e", "a=b"]):
            r = self.run_conf("-c", self.dir, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("usage:", r.stderr)


if __name__ == "__main__":
    unittest.main()
