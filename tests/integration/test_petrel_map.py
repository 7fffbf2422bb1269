"""Integration tests for petrel-map(1).

Runs the built program (PETREL_BUILD/bin/petrel-map, default
build/bin/petrel-map, from the repository root) against tables in a
scratch directory: building every indexed type, -q, -q -, -s, exit
codes, error messages with file:line, and that a rebuild is atomic.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import unittest

PETREL_MAP = os.path.join(os.environ.get("PETREL_BUILD", "build"), "bin",
                          "petrel-map")

SOURCE = """\
# test table
Postmaster   root
abuse        root, admin
long         first part
    second part
MiXeD        Value With Case
"""

INDEXED = {"cdb": ".cdb", "hash": ".db", "btree": ".db"}


def run(*args, stdin=None):
    """Run petrel-map; return (exit status, stdout, stderr)."""
    proc = subprocess.run([PETREL_MAP, *args], input=stdin,
                          capture_output=True, text=True, timeout=60,
                          check=False)
    return proc.returncode, proc.stdout, proc.stderr


class PetrelMapTest(unittest.TestCase):
    """petrel-map against scratch tables."""

    def setUp(self):
        if not os.access(PETREL_MAP, os.X_OK):
            self.skipTest(PETREL_MAP + " is not built")
        self.dir = tempfile.mkdtemp(prefix="petrel-map-test.")
        self.src = self.write("table", SOURCE)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def listing(self):
        return sorted(os.listdir(self.dir))

    def test_build_and_query_every_type(self):
        for kind, suffix in INDEXED.items():
            with self.subTest(kind=kind):
                spec = kind + ":" + self.src
                self.assertEqual(run(spec), (0, "", ""))
                self.assertTrue(os.path.exists(self.src + suffix))
                self.assertEqual(run("-q", "postmaster", spec),
                                 (0, "root\n", ""))
                self.assertEqual(run("-q", "POSTMASTER", spec)[:2],
                                 (0, "root\n"))
                self.assertEqual(run("-q", "long", spec)[:2],
                                 (0, "first part second part\n"))
                self.assertEqual(run("-q", "mixed", spec)[:2],
                                 (0, "Value With Case\n"))
                self.assertEqual(run("-q", "nobody", spec), (1, "", ""))

    def test_default_type_is_cdb(self):
        self.assertEqual(run(self.src), (0, "", ""))
        self.assertEqual(self.listing(), ["table", "table.cdb"])
        self.assertEqual(run("-q", "abuse", self.src)[:2],
                         (0, "root, admin\n"))
        self.assertEqual(run("-q", "abuse", "cdb:" + self.src)[:2],
                         (0, "root, admin\n"))

    def test_list(self):
        for kind in list(INDEXED) + ["texthash"]:
            with self.subTest(kind=kind):
                spec = kind + ":" + self.src
                if kind in INDEXED:
                    self.assertEqual(run(spec)[0], 0)
                status, out, err = run("-s", spec)
                self.assertEqual((status, err), (0, ""))
                self.assertEqual(sorted(out.splitlines()), [
                    "abuse root, admin",
                    "long first part second part",
                    "mixed Value With Case",
                    "postmaster root",
                ])

    def test_query_stdin(self):
        self.assertEqual(run(self.src)[0], 0)
        keys = "postmaster\nnobody\n\nABUSE\r\n"
        self.assertEqual(run("-q", "-", self.src, stdin=keys),
                         (0, "postmaster root\nABUSE root, admin\n", ""))
        self.assertEqual(run("-q", "-", self.src, stdin="x\ny\n"),
                         (1, "", ""))
        self.assertEqual(run("-q", "-", self.src, stdin=""), (1, "", ""))

    def test_first_table_wins(self):
        other = self.write("other", "postmaster other\nextra yes\n")
        self.assertEqual(run(self.src, other)[0], 0)
        self.assertEqual(run("-q", "postmaster", self.src, other)[:2],
                         (0, "root\n"))
        self.assertEqual(run("-q", "extra", self.src, other)[:2],
                         (0, "yes\n"))

    def test_no_fold(self):
        src = self.write("case", "MiXed v\n")
        self.assertEqual(run("-f", src)[0], 0)
        self.assertEqual(run("-f", "-q", "MiXed", src)[:2], (0, "v\n"))
        self.assertEqual(run("-f", "-q", "mixed", src)[0], 1)

    def test_other_types(self):
        regexp = self.write("re", "/^(.*)@example\\.com$/ local:$1\n")
        self.assertEqual(run("-q", "Joe@example.com", "regexp:" + regexp),
                         (0, "local:Joe\n", ""))
        self.assertEqual(run("-q", "x", "static:{a b}"), (0, "a b\n", ""))
        self.assertEqual(run("-q", "K", "inline:{k=v, {x = y, z}}")[:2],
                         (0, "v\n"))
        self.assertEqual(run("-s", "inline:{k=v, {x = y, z}}")[:2],
                         (0, "k v\nx y, z\n"))
        self.assertEqual(run("-q", "abuse", "texthash:" + self.src)[:2],
                         (0, "root, admin\n"))

    def test_bad_source(self):
        bad = self.write("bad", "ok value\nlonely\n")
        for kind in INDEXED:
            with self.subTest(kind=kind):
                status, out, err = run(kind + ":" + bad)
                self.assertEqual((status, out), (2, ""))
                self.assertIn("petrel-map: error: ", err)
                self.assertIn(bad + ":2: missing value", err)
        self.assertEqual(self.listing(), ["bad", "table"])

    def test_errors_exit_2(self):
        cases = [
            ["-q", "x", "nosuch:" + self.src],
            ["-q", "x", self.src],                 # index not built
            ["-q", "x", "inline:{"],
            ["-s", "regexp:" + self.write("re", "/(/ x\n")],
            ["regexp:" + self.src],                # nothing to build
            [os.path.join(self.dir, "missing")],
            [],                                    # usage
            ["-q", "x"],                           # usage
            ["-q", "x", "-s", self.src],           # usage
            ["-Z", self.src],                      # usage
        ]
        for args in cases:
            with self.subTest(args=args):
                status, out, err = run(*args)
                self.assertEqual((status, out), (2, ""))
                self.assertTrue(err.startswith("petrel-map: ") or
                                err.startswith("usage: "), err)
        self.assertIn("re:1: bad pattern",
                      run("-s", "regexp:" + os.path.join(self.dir, "re"))[2])

    def test_duplicate_warning(self):
        src = self.write("dup", "a 1\nA 2\n")
        status, _, err = run(src)
        self.assertEqual(status, 0)
        self.assertIn("petrel-map: warning: " + src +
                      ":2: duplicate entry for \"a\"", err)
        self.assertEqual(run("-q", "a", src)[:2], (0, "1\n"))

    def test_config_dir_is_accepted(self):
        self.assertEqual(run("-c", self.dir, self.src), (0, "", ""))
        self.assertEqual(run("-c", self.dir, "-q", "postmaster",
                             self.src)[:2], (0, "root\n"))

    def test_failed_rebuild_keeps_old_index(self):
        for kind, suffix in INDEXED.items():
            with self.subTest(kind=kind):
                spec = kind + ":" + self.src
                self.write("table", "key old\n")
                self.assertEqual(run(spec)[0], 0)
                self.write("table", "key new\nbroken\n")
                self.assertEqual(run(spec)[0], 2)
                self.assertEqual(run("-q", "key", spec)[:2], (0, "old\n"))
                self.assertEqual(self.listing(), ["table", "table" + suffix])
                self.write("table", "key new\n")
                self.assertEqual(run(spec)[0], 0)
                self.assertEqual(run("-q", "key", spec)[:2], (0, "new\n"))
                os.unlink(self.src + suffix)

    def test_readers_during_rebuild(self):
        """Lookups running while the table is rebuilt always succeed."""
        big = "".join("k%d v%d\n" % (i, i) for i in range(50000))
        self.write("table", "key stable\n" + big)
        self.assertEqual(run(self.src)[0], 0)
        failures = []
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                status, out, err = run("-q", "key", self.src)
                if (status, out) != (0, "stable\n"):
                    failures.append((status, out, err))

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            for _ in range(5):
                self.assertEqual(run(self.src)[0], 0)
        finally:
            stop.set()
            thread.join()
        self.assertEqual(failures, [])
        self.assertEqual(self.listing(), ["table", "table.cdb"])


if __name__ == "__main__":
    unittest.main()
