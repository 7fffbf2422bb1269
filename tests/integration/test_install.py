"""make install: honours DESTDIR, installs programs, man pages and a
default configuration, and never overwrites an existing configuration."""

import os
import shutil
import subprocess
import tempfile
import unittest

from petrel_test import BUILD, ROOT, run


class InstallTest(unittest.TestCase):

    def setUp(self):
        self.dest = tempfile.mkdtemp(prefix="petrel-install-")
        self.addCleanup(shutil.rmtree, self.dest, True)

    def install(self):
        return run(["make", "-s", "-f", "mk/build.mk", "B=" + BUILD,
                    "DESTDIR=" + self.dest, "install"], cwd=ROOT,
                   timeout=300)

    def config_mk(self):
        values = {}
        with open(os.path.join(ROOT, "config.mk")) as f:
            for line in f:
                k, sep, v = line.partition(" = ")
                if sep:
                    values[k.strip()] = v.strip()
        return values

    def test_install_and_keep_config(self):
        r = self.install()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cfg = self.config_mk()
        sbin = self.dest + cfg["sbindir"]
        libexec = self.dest + cfg["libexecdir"] + "/petrel"
        etc = self.dest + cfg["sysconfdir"] + "/petrel"
        man = self.dest + cfg["mandir"]
        for name in ("petrel", "petrel-conf", "petrel-map", "petrel-setup"):
            self.assertTrue(os.access(os.path.join(sbin, name), os.X_OK),
                            name)
        self.assertTrue(os.access(os.path.join(libexec, "master"), os.X_OK))
        self.assertTrue(os.path.exists(os.path.join(man, "man1",
                                                    "petrel.1")))
        self.assertTrue(os.path.exists(os.path.join(man, "man5",
                                                    "main.cf.5")))
        self.assertTrue(os.path.exists(os.path.join(man, "man8",
                                                    "master.8")))
        main_cf = os.path.join(etc, "main.cf")
        self.assertTrue(os.path.exists(main_cf))
        self.assertTrue(os.path.exists(os.path.join(etc, "master.cf")))
        # The installed default configuration is valid.
        r = run([os.path.join(sbin, "petrel-conf"), "-c", etc, "-n"])
        self.assertEqual(r.returncode, 0, r.stderr)

        with open(main_cf, "a") as f:
            f.write("# local change\nmyhostname = kept.example\n")
        r = self.install()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("keeping existing", r.stdout)
        with open(main_cf) as f:
            self.assertIn("myhostname = kept.example\n", f.read())


if __name__ == "__main__":
    unittest.main()
