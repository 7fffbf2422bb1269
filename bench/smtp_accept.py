#!/usr/bin/env python3
"""bench/smtp_accept: how fast does smtpd accept mail into the queue?

smtp-source (from Debian's postfix package) sends MESSAGES messages of
SIZE bytes over SESSIONS parallel sessions to Petrel's smtpd and, in the
same run, to a private Postfix instance that keeps accepted mail on hold.
Both write each message to their queue with fsync before answering 250.
Prints messages per second for each, the ratio, and the peak memory
(VmHWM) of a single smtpd process of each.  Run as root (the Postfix peer
runs as a private instance the usual way).  Everything is on 127.0.0.1.

Usage: python3 bench/smtp_accept.py [--messages N] [--sessions N]
                                    [--size BYTES] [--runs N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import peers  # noqa: E402


def smtpd_pids(parent):
    """PIDs of processes named smtpd whose parent is parent."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                text = f.read()
            name = text[text.index("(") + 1:text.rindex(")")]
            ppid = int(text.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if name == "smtpd" and ppid == parent:
            out.append(int(d))
    return out


def vm_hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakSampler(threading.Thread):
    """Samples the peak VmHWM of the smtpd children of a master."""

    def __init__(self, master_pid):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.peak = 0
        self.stop = False

    def run(self):
        while not self.stop:
            for pid in smtpd_pids(self.master_pid):
                self.peak = max(self.peak, vm_hwm_kb(pid))
            time.sleep(0.05)


def smtp_source(port, messages, sessions, size, sender, rcpt):
    start = time.monotonic()
    r = subprocess.run(["smtp-source", "-s", str(sessions), "-m",
                        str(messages), "-l", str(size), "-f", sender,
                        "-t", rcpt, "127.0.0.1:%d" % port],
                       capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if r.returncode != 0:
        raise RuntimeError("smtp-source failed: %s" % r.stderr[-500:])
    return elapsed


def count_files(top):
    n = 0
    for _, _, files in os.walk(top):
        n += sum(1 for f in files if not f.startswith("t."))
    return n


def run_postfix(args, base):
    pf = peers.Postfix(os.path.join(base, "postfix"), peers.free_port())
    pf.start()
    try:
        pid = int(open(os.path.join(pf.queue, "pid",
                                    "master.pid")).read().split()[0])
        sampler = PeakSampler(pid)
        sampler.start()
        t = smtp_source(pf.port, args.messages, args.sessions, args.size,
                        "bench@example.test", "user@example.test")
        sampler.stop = True
        sampler.join()
        queued = count_files(os.path.join(pf.queue, "hold"))
    finally:
        pf.cleanup()
    return t, queued, sampler.peak


def run_petrel(args, base):
    import petrel_test
    sb = petrel_test.Sandbox()
    sb.start()
    try:
        sampler = PeakSampler(sb.master_pid())
        sampler.start()
        t = smtp_source(sb.port("smtp"), args.messages, args.sessions,
                        args.size, "bench@example.test",
                        sb.info["user"])
        sampler.stop = True
        sampler.join()
        queued = count_files(os.path.join(sb.dir, "queue", "incoming"))
    finally:
        sb.cleanup()
    return t, queued, sampler.peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    peers.need_root()

    rows = []
    for i in range(args.runs):
        base = tempfile.mkdtemp(prefix="petrel-bench-")
        os.chmod(base, 0o755)
        pt, pq, pmem = run_petrel(args, base)
        ft, fq, fmem = run_postfix(args, base)
        subprocess.run(["rm", "-rf", base])
        p_rate, f_rate = args.messages / pt, args.messages / ft
        rows.append((p_rate, f_rate, pmem, fmem))
        print("run %d: petrel %.0f msg/s (%d queued, smtpd peak %d KiB)   "
              "postfix %.0f msg/s (%d queued, smtpd peak %d KiB)   "
              "ratio %.2f" % (i + 1, p_rate, pq, pmem, f_rate, fq, fmem,
                              p_rate / f_rate))
        if pq != args.messages or fq != args.messages:
            print("warning: not every message was queued")
        sys.stdout.flush()

    med = lambda k: statistics.median(r[k] for r in rows)  # noqa: E731
    print("median: petrel %.0f msg/s, postfix %.0f msg/s, ratio %.2f "
          "(petrel/postfix); smtpd peak memory petrel %d KiB, "
          "postfix %d KiB" % (med(0), med(1),
                              statistics.median(r[0] / r[1] for r in rows),
                              med(2), med(3)))


if __name__ == "__main__":
    main()
