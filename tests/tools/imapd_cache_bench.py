"""imapd_cache_bench.py: FETCH ENVELOPE over a large folder, cache off/cold/warm.

Usage: python3 tests/tools/imapd_cache_bench.py [--count N] [--seed N]
       [--fast]

Makes a petrel-setup sandbox, delivers N messages of bench/mailgen.py
(2 to 50 KB, realistic headers and MIME) into the demo INBOX with
build/tests/maildir_put, and times

  UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)

in a new session each time: with imapd_cache_max_size = 0 (no cache),
with the cache on but no cache files (cold: parses and writes the
cache), and again (warm: served from petrel-cache).  It prints wall
times, the peak RSS (VmHWM) of the imapd processes of the session, the
size of the cache files, and checks that the three answers are byte
for byte the same.  The message files are in the page cache in every
run (just written or just read): the figures compare parsing, not disk
reads.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))

from petrel_test import Sandbox, prog, run, wait_for  # noqa: E402
from test_imapd import Raw  # noqa: E402
import mailgen  # noqa: E402

ITEMS = "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)"


def imapd_pids():
    out = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() == "imapd":
                        out.add(int(d))
            except OSError:
                pass
    return out


def hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def session(port, items=ITEMS):
    """One session: (seconds for the FETCH, peak RSS KB, answer bytes)."""
    before = imapd_pids()
    r = Raw(port)
    try:
        r.login()
        r.cmd("SELECT INBOX")
        t0 = time.monotonic()
        lines, tagged = r.cmd("UID FETCH 1:* %s" % items)
        dt = time.monotonic() - t0
        assert b" OK" in tagged, tagged
        rss = max([hwm_kb(p) for p in imapd_pids() - before] or [0])
        r.cmd("LOGOUT")
    finally:
        r.close()
    return dt, rss, b"".join(lines)


def fast_maildir(maildir, count, seed):
    """The corpus written straight into cur/ (no fsync), as a delivery
    would name it (S= and W=); for large counts.  Total bytes."""
    import random
    rng = random.Random(seed)
    st = os.stat(maildir)
    cur = os.path.join(maildir, "cur")
    total = 0
    base = 1672531200
    for i in range(count):
        data = mailgen.make_message(rng, i)
        vsize = len(data) + data.count(b"\n") - data.count(b"\r\n")
        name = "%d.M%dP1Q%dR%016x.bench,S=%d,W=%d:2," % (
            base + i, i % 1000000, i, rng.getrandbits(64), len(data), vsize)
        path = os.path.join(cur, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, st.st_uid, st.st_gid)
        total += len(data)
    return total


def reconf(sb, setting):
    r = run([prog("petrel-conf"), "-c", sb.etc, "-e", setting])
    assert r.returncode == 0, r.stderr
    r = sb.petrel("reload")
    assert r.returncode == 0, r.stderr
    time.sleep(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fast", action="store_true",
                    help="write files into cur/ directly, no maildir_put")
    a = ap.parse_args()
    sb = Sandbox()
    try:
        maildir = os.path.join(sb.dir, "mail", "example.test", "demo",
                               "Maildir")
        sb.start()
        port = sb.port("imap")
        t0 = time.monotonic()
        if a.fast:
            # One real delivery makes the Maildir with the right owner.
            total = mailgen.make_maildir(maildir, 1, a.seed + 1,
                                         prog("maildir_put"))
            total += fast_maildir(maildir, a.count - 1, a.seed)
        else:
            total = mailgen.make_maildir(maildir, a.count, a.seed,
                                         prog("maildir_put"))
        print("%d messages, %d bytes, delivered in %.1fs"
              % (a.count, total, time.monotonic() - t0))
        session(port, "(UID)")              # new/ to cur/, UIDs
        reconf(sb, "imapd_cache_max_size=0")
        off = session(port)
        print("no cache:   %.2fs  peak RSS %d KB  (%d bytes)"
              % (off[0], off[1], len(off[2])))
        reconf(sb, "imapd_cache_max_size=268435456")
        for f in ("petrel-cache", "petrel-cache.index"):
            if os.path.exists(os.path.join(maildir, f)):
                os.unlink(os.path.join(maildir, f))
        cold = session(port)
        print("cold cache: %.2fs  peak RSS %d KB" % (cold[0], cold[1]))
        warm = session(port)
        print("warm cache: %.2fs  peak RSS %d KB" % (warm[0], warm[1]))
        sizes = {f: os.path.getsize(os.path.join(maildir, f))
                 for f in ("petrel-cache", "petrel-cache.index")}
        print("cache files: %s" % sizes)
        same = off[2] == cold[2] == warm[2]
        print("answers identical: %s" % same)
        return 0 if same else 1
    finally:
        sb.cleanup()


if __name__ == "__main__":
    sys.exit(main())
