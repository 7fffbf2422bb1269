"""The documentation is in step with the code: every program has a man
page that renders cleanly, and main.cf(5) lists every parameter that
petrel-conf -d knows."""

import glob
import os
import re
import unittest

from petrel_test import BUILD, ROOT, prog, run

# Programs built but not installed, with no man page of their own.
NOT_INSTALLED = {"testd"}


class DocsTest(unittest.TestCase):

    def man_pages(self):
        return sorted(glob.glob(os.path.join(ROOT, "man", "man*", "*.[158]")))

    def test_pages_render_without_warnings(self):
        pages = self.man_pages()
        self.assertTrue(pages)
        for page in pages:
            r = run(["groff", "-ww", "-man", "-z", page])
            self.assertEqual(r.returncode, 0, page)
            self.assertEqual(r.stderr, "", "%s: %s" % (page, r.stderr))

    def test_man_l_renders_petrel_1(self):
        r = run(["man", "-l", os.path.join(ROOT, "man", "man1", "petrel.1")],
                env=dict(os.environ, MANPAGER="cat", PAGER="cat",
                         MANWIDTH="80"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("petrel", r.stdout)

    def test_every_program_has_a_page(self):
        names = {os.path.splitext(os.path.basename(p))[0]
                 for p in self.man_pages()}
        for sub in ("bin", "libexec"):
            for path in glob.glob(os.path.join(BUILD, sub, "*")):
                name = os.path.basename(path)
                if name in NOT_INSTALLED:
                    continue
                self.assertIn(name, names, "no man page for %s" % name)

    def test_main_cf_5_lists_every_parameter(self):
        r = run([prog("petrel-conf"), "-d"])
        self.assertEqual(r.returncode, 0, r.stderr)
        params = [line.split(" =")[0] for line in r.stdout.splitlines()
                  if " =" in line]
        self.assertGreater(len(params), 30)
        with open(os.path.join(ROOT, "man", "man5", "main.cf.5")) as f:
            page = f.read()
        documented = set(re.findall(r"^\.B (\S+)", page, re.M))
        missing = [p for p in params if p not in documented]
        self.assertEqual(missing, [], "parameters missing from main.cf.5")

    def test_readme_gives_the_two_commands(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            text = f.read()
        self.assertIn("make demo", text)
        self.assertIn("make check", text)
        with open(os.path.join(ROOT, ".ci", "run")) as f:
            self.assertIn("make check", f.read())


if __name__ == "__main__":
    unittest.main()
