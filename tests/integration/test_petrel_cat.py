"""petrel-cat shows queue files: the envelope, the headers, the body,
found by queue ID in every queue (deferred/ hashed) or by file name, and
a clear error with exit status 1 for a truncated or corrupt file.

Queue files come from build/tests/qfile_make, which writes them with the
same writer and commit sequence cleanup uses.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("PETREL_BUILD", "build"))
PETREL_CAT = os.path.join(BUILD, "bin", "petrel-cat")
QFILE_MAKE = os.path.join(BUILD, "tests", "qfile_make")

QUEUES = ("incoming", "active", "deferred", "hold", "corrupt")
CONTENT = (b"From: alice@example.org\nTo: bob@example.net\n"
           b"Subject: test\n\nFirst body line.\n\nSecond paragraph.\n")


def fnv1a_dir(queue_id):
    """The hash subdirectory of a queue ID (see lib/queue.h)."""
    h = 2166136261
    for c in queue_id.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return "%02x" % (h & 0xff)


class PetrelCatTest(unittest.TestCase):

    def setUp(self):
        for prog in (PETREL_CAT, QFILE_MAKE):
            if not os.path.exists(prog):
                self.skipTest("%s not built" % prog)
        self.dir = tempfile.mkdtemp(prefix="petrel-cat-test.")
        self.queue = os.path.join(self.dir, "queue")
        for q in QUEUES:
            os.makedirs(os.path.join(self.queue, q))
        self.env = dict(os.environ, TZ="UTC")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def make(self, rcpts, content=CONTENT, queue="incoming", sender=None,
             attrs=(), marks=(), when="1700000000.123456"):
        """Queue a message with qfile_make; return its queue ID."""
        args = [QFILE_MAKE, "-d", self.queue, "-m", queue, "-t", when]
        if sender is not None:
            args += ["-f", sender]
        for a in attrs:
            args += ["-a", a]
        for m in marks:
            args += ["-D", m]
        r = subprocess.run(args + list(rcpts), input=content,
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        queue_id = r.stdout.decode().strip()
        self.assertRegex(queue_id, r"^[0-9A-Za-z]{11,21}$")
        return queue_id

    def cat(self, *args, text=True):
        r = subprocess.run([PETREL_CAT] + list(args), capture_output=True,
                           env=self.env, timeout=60)
        if text:
            return (r.returncode, r.stdout.decode(errors="replace"),
                    r.stderr.decode(errors="replace"))
        return r.returncode, r.stdout, r.stderr

    def path_of(self, queue, queue_id):
        if queue == "deferred":
            return os.path.join(self.queue, queue, fnv1a_dir(queue_id),
                                queue_id)
        return os.path.join(self.queue, queue, queue_id)

    def test_full_output(self):
        qid = self.make(
            ["bob@example.net|SUCCESS,DELAY|rfc822;bob@example.net",
             "carol@example.net", "dave@example.net|NEVER"],
            sender="alice@example.org",
            attrs=["client_name=mail.example.org",
                   "client_address=192.0.2.7", "helo_name=mail.example.org",
                   "protocol=ESMTPSA", "body_type=8BITMIME",
                   "dsn_envid=ENV1", "dsn_ret=HDRS"],
            marks=["1:D", "2:B"])
        rc, out, err = self.cat("-q", self.queue, qid)
        self.assertEqual((rc, err), (0, ""))
        path = self.path_of("incoming", qid)
        expect = (
            "*** ENVELOPE %s ***\n"
            "queue_id: %s\n"
            "version: 1\n"
            "arrival_time: Tue, 14 Nov 2023 22:13:20.123456 +0000 "
            "(1700000000.123456)\n"
            "message_size: %d\n"
            "sender: <alice@example.org>\n"
            "client_name: mail.example.org\n"
            "client_address: 192.0.2.7\n"
            "helo_name: mail.example.org\n"
            "protocol: ESMTPSA\n"
            "body_type: 8BITMIME\n"
            "dsn_envid: ENV1\n"
            "dsn_ret: HDRS\n"
            "recipient: <bob@example.net>\n"
            "    status: pending\n"
            "    orcpt: rfc822;bob@example.net\n"
            "    notify: SUCCESS,DELAY\n"
            "recipient: <carol@example.net>\n"
            "    status: delivered\n"
            "recipient: <dave@example.net>\n"
            "    status: bounced\n"
            "    notify: NEVER\n"
            "*** MESSAGE ***\n"
            "%s"
            "*** END ***\n") % (path, qid, len(CONTENT), CONTENT.decode())
        self.assertEqual(out, expect)

    def test_sections(self):
        qid = self.make(["bob@example.net"], sender="")
        rc, out, _ = self.cat("-q", self.queue, "-h", qid)
        self.assertEqual(rc, 0)
        self.assertEqual(out, "*** HEADERS ***\nFrom: alice@example.org\n"
                         "To: bob@example.net\nSubject: test\n*** END ***\n")
        rc, out, _ = self.cat("-q", self.queue, "-b", qid)
        self.assertEqual(rc, 0)
        self.assertEqual(out, "*** BODY ***\nFirst body line.\n\n"
                         "Second paragraph.\n*** END ***\n")
        rc, out, _ = self.cat("-q", self.queue, "-h", "-b", qid)
        self.assertEqual(rc, 0)
        self.assertEqual(out, "*** HEADERS ***\nFrom: alice@example.org\n"
                         "To: bob@example.net\nSubject: test\n"
                         "*** BODY ***\nFirst body line.\n\n"
                         "Second paragraph.\n*** END ***\n")
        rc, out, _ = self.cat("-q", self.queue, "-e", qid)
        self.assertEqual(rc, 0)
        self.assertIn("sender: <>\n", out)
        self.assertIn("recipient: <bob@example.net>\n", out)
        self.assertNotIn("MESSAGE", out)
        self.assertNotIn("Subject", out)
        self.assertTrue(out.endswith("    status: pending\n*** END ***\n"))

    def test_message_without_body_or_headers(self):
        qid = self.make(["r@example.net"], content=b"Subject: only\n")
        rc, out, _ = self.cat("-q", self.queue, "-b", "-h", qid)
        self.assertEqual(out, "*** HEADERS ***\nSubject: only\n"
                         "*** BODY ***\n*** END ***\n")
        qid = self.make(["r@example.net"], content=b"\nbody only")
        rc, out, _ = self.cat("-q", self.queue, "-b", "-h", qid)
        self.assertEqual(out, "*** HEADERS ***\n*** BODY ***\nbody only\n"
                         "*** END ***\n")
        qid = self.make(["r@example.net"], content=b"")
        rc, out, _ = self.cat("-q", self.queue, qid)
        self.assertEqual(rc, 0)
        self.assertIn("message_size: 0\n", out)
        self.assertTrue(out.endswith("*** MESSAGE ***\n*** END ***\n"))

    def test_binary_content_exact(self):
        content = bytes(range(256)) * 300 + b"\r\n.\r\nno newline at end"
        qid = self.make(["r@example.net"], content=content)
        rc, out, err = self.cat("-q", self.queue, qid, text=False)
        self.assertEqual((rc, err), (0, b""))
        start = out.index(b"*** MESSAGE ***\n") + 16
        self.assertEqual(out[start:], content + b"\n*** END ***\n")

    def test_lookup_in_every_queue(self):
        for queue in QUEUES:
            qid = self.make(["%s@example.net" % queue], queue=queue)
            path = self.path_of(queue, qid)
            self.assertTrue(os.path.isfile(path), path)
            rc, out, err = self.cat("-q", self.queue, "-e", qid)
            self.assertEqual((rc, err), (0, ""), queue)
            self.assertIn("*** ENVELOPE %s ***\n" % path, out)
            self.assertIn("recipient: <%s@example.net>" % queue, out)
        # Nothing is left in incoming/ but the incoming message.
        self.assertEqual(len(os.listdir(os.path.join(self.queue,
                                                     "incoming"))), 1)
        hashed = os.listdir(os.path.join(self.queue, "deferred"))
        self.assertEqual(len(hashed), 1)
        self.assertRegex(hashed[0], r"^[0-9a-f]{2}$")

    def test_queue_directory_from_main_cf(self):
        qid = self.make(["r@example.net"], queue="hold")
        conf = os.path.join(self.dir, "etc")
        os.mkdir(conf)
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write("# test\nqueue_directory = %s\n" % self.queue)
        rc, out, err = self.cat("-c", conf, "-e", qid)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn(self.path_of("hold", qid), out)
        env = dict(self.env, PETREL_CONFIG_DIR=conf)
        r = subprocess.run([PETREL_CAT, "-e", qid], capture_output=True,
                           text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, out, err = self.cat("-c", os.path.join(self.dir, "none"), qid)
        self.assertEqual(rc, 1)
        self.assertIn("main.cf", err)

    def test_file_argument(self):
        qid = self.make(["r@example.net"], queue="deferred")
        copy = os.path.join(self.dir, "copy")
        shutil.copyfile(self.path_of("deferred", qid), copy)
        rc, out, err = self.cat(copy)
        self.assertEqual((rc, err), (0, ""))
        self.assertTrue(out.startswith("*** ENVELOPE %s ***\nversion: 1\n"
                                       % copy))

    def test_truncated_file(self):
        qid = self.make(["r@example.net"])
        with open(self.path_of("incoming", qid), "rb") as f:
            data = f.read()
        bad = os.path.join(self.dir, "truncated")
        for cut in (0, 5, 9, 60, len(data) // 2, len(data) - 29,
                    len(data) - 1):
            with open(bad, "wb") as f:
                f.write(data[:cut])
            rc, out, err = self.cat(bad)
            self.assertEqual(rc, 1, cut)
            self.assertEqual(out, "", cut)
            self.assertTrue(err.startswith("petrel-cat: error: %s: " % bad),
                            err)
            self.assertEqual(len(err.splitlines()), 1, err)
        with open(bad, "wb") as f:
            f.write(data[:len(data) - 29])
        rc, out, err = self.cat(bad)
        self.assertIn("truncated queue file: missing end record", err)

    def test_corrupt_file(self):
        qid = self.make(["bob@example.net"], sender="alice@example.org")
        with open(self.path_of("incoming", qid), "rb") as f:
            data = f.read()
        bad = os.path.join(self.dir, "corrupt")
        cases = [
            (data.replace(b"bob@", b"bib@"), "envelope CRC mismatch"),
            (data.replace(b"First", b"Fxrst"), "content CRC mismatch"),
            (data.replace(b"F\0\0\0\x11alice", b"Z\0\0\0\x11alice"),
             "bad record type 0x5a at offset 63"),
            (data + b"junk", "trailing data after the end record"),
            (b"From alice Mon Jan 1\n", "not a queue file"),
            (b"", "empty file: not a queue file"),
        ]
        for content, message in cases:
            with open(bad, "wb") as f:
                f.write(content)
            rc, out, err = self.cat(bad)
            self.assertEqual((rc, out), (1, ""), message)
            self.assertIn("%s: %s" % (bad, message), err)
        # The same file in the queue, found by its ID.
        with open(self.path_of("incoming", qid), "wb") as f:
            f.write(data[:-1])
        rc, out, err = self.cat("-q", self.queue, qid)
        self.assertEqual(rc, 1)
        self.assertIn(self.path_of("incoming", qid), err)

    def test_missing_and_hostile_names(self):
        rc, out, err = self.cat("-q", self.queue, "0000000000zz")
        self.assertEqual(rc, 1)
        self.assertIn("no such message in the queue", err)
        # A path, not an ID: never looked up in the queue.
        rc, out, err = self.cat("-q", self.queue, "../" + self.dir)
        self.assertEqual(rc, 1)
        self.assertTrue(err.startswith("petrel-cat: error: ../"), err)
        rc, out, err = self.cat("-q", self.queue, self.dir)
        self.assertEqual(rc, 1)
        self.assertIn("not a regular file", err)
        rc, out, err = self.cat("-q", self.queue)
        self.assertEqual(rc, 2)
        self.assertIn("usage", err)
        rc, out, err = self.cat("-x", "a")
        self.assertEqual(rc, 2)

    def test_several_files_one_bad(self):
        good = self.make(["r@example.net"])
        rc, out, err = self.cat("-q", self.queue, "-e", good,
                                os.path.join(self.dir, "nonexistent"), good)
        self.assertEqual(rc, 1)
        self.assertEqual(out.count("*** ENVELOPE"), 2)
        self.assertIn("No such file or directory", err)

    def test_control_characters_escaped(self):
        qid = self.make(["r@example.net"], attrs=["helo_name=evil\x1b[2J"],
                        sender="a\\b@example.org")
        rc, out, _ = self.cat("-q", self.queue, "-e", qid)
        self.assertEqual(rc, 0)
        self.assertIn("helo_name: evil\\x1b[2J\n", out)
        self.assertIn("sender: <a\\x5cb@example.org>\n", out)
        self.assertNotIn("\x1b", out)

    def test_ids_sort_by_arrival(self):
        ids = [self.make(["r%d@example.net" % i]) for i in range(20)]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), 20)
        names = os.listdir(os.path.join(self.queue, "incoming"))
        self.assertEqual(sorted(names), ids)


if __name__ == "__main__":
    unittest.main()
