"""Shared parts of the end-to-end delivery benchmarks (bench/smtp-relay,
bench/local-delivery).

A run sends MESSAGES messages with smtp-source into one system (Petrel's
sandbox or a private Postfix, see peers.py) and waits until the final
destination holds all of them: Postfix's smtp-sink (counted with its -c
counter) or a Maildir's new/ directory (counted by listing it).  The clock
runs from the start of smtp-source until the last message arrives, so the
figure covers accept, queue manager, delivery agent and the destination.
CPU per message is that of the mail system's process tree (its master,
the master's reaped children, and the live ones at the end); the whole
machine's busy time is printed too, for a sense of the load from
elsewhere.
"""

import collections
import os
import re
import statistics
import subprocess
import sys
import threading
import time

import peers

STALL_SECONDS = 30.0


class SinkProc:
    """Postfix's smtp-sink on 127.0.0.1:port, counting messages."""

    def __init__(self, port=None):
        self.port = port or peers.free_port()
        self.count = 0
        self.proc = subprocess.Popen(
            ["smtp-sink", "-c", "-u", "nobody",
             "127.0.0.1:%d" % self.port, "1024"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        peers.wait_port(self.port)

    def _read(self):
        rx = re.compile(rb"mesg=(\d+)")
        tail = b""
        while True:
            chunk = self.proc.stdout.read1(65536)
            if not chunk:
                return
            tail = (tail + chunk)[-256:]
            found = rx.findall(tail)
            if found:
                self.count = int(found[-1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def count_maildir(maildir):
    """count_maildir - messages in new/ and cur/ of a Maildir."""
    n = 0
    for sub in ("new", "cur"):
        try:
            n += sum(1 for f in os.scandir(os.path.join(maildir, sub))
                     if not f.name.startswith("."))
        except FileNotFoundError:
            pass
    return n


def cpu_busy_ticks():
    """cpu_busy_ticks - busy jiffies of the whole machine so far."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def tree_cpu_ticks(root):
    """tree_cpu_ticks - CPU jiffies of a process tree: the root's own and
    reaped children's time plus that of every live descendant."""
    kids = collections.defaultdict(list)
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                kids[int(_stat_fields(int(d))[1])].append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            f = _stat_fields(pid)
            total += sum(int(x) for x in f[11:15])  # utime stime cu cs
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(kids.get(pid, []))
    return total


def measure(port, messages, sessions, size, sender, rcpt, counter,
            master_pid, timeout=600.0, reuse=False):
    """measure - send with smtp-source, wait until counter() == messages.

    Returns a dict: total (seconds to the last arrival, or None if it
    never came), accept (seconds smtp-source took), delivered (count at
    the end), cpu_ms (CPU-ms per message of the mail system: the
    master's process tree), busy_ms (the whole machine's busy CPU-ms
    per message, which includes smtp-source, the sink and whatever else
    runs)."""
    hz = os.sysconf("SC_CLK_TCK")
    base = counter()
    cpu0 = cpu_busy_ticks()
    tree0 = tree_cpu_ticks(master_pid)
    t0 = time.monotonic()
    args = ["smtp-source", "-s", str(sessions), "-m", str(messages),
            "-l", str(size), "-f", sender, "-t", rcpt]
    if reuse:
        args.append("-d")
    src = subprocess.Popen(args + ["127.0.0.1:%d" % port],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    accept = None
    last_n, last_change = -1, t0
    total = None
    while True:
        now = time.monotonic()
        if accept is None and src.poll() is not None:
            accept = now - t0
            if src.returncode != 0:
                err = src.stderr.read().decode(errors="replace")
                print("warning: smtp-source exit %d: %s"
                      % (src.returncode, err[-300:]))
        n = counter() - base
        if n >= messages:
            total = now - t0
            break
        if n != last_n:
            last_n, last_change = n, now
        if now - last_change > STALL_SECONDS and accept is not None:
            break
        if now - t0 > timeout:
            break
        time.sleep(0.005 if n > messages * 0.9 else 0.02)
    if src.poll() is None:
        src.wait(60)
        accept = time.monotonic() - t0
    busy = (cpu_busy_ticks() - cpu0) * 1000.0 / hz
    tree = (tree_cpu_ticks(master_pid) - tree0) * 1000.0 / hz
    delivered = counter() - base
    return {"total": total, "accept": accept, "delivered": delivered,
            "cpu_ms": tree / max(delivered, 1),
            "busy_ms": busy / max(delivered, 1)}


def postfix_master_pid(pf):
    with open(os.path.join(pf.queue, "pid", "master.pid")) as f:
        return int(f.read().split()[0])


def petrel_sandbox(extra_main_cf=""):
    """petrel_sandbox - a Sandbox (not started) with lines appended to
    its main.cf."""
    import petrel_test
    sb = petrel_test.Sandbox()
    if extra_main_cf:
        with open(os.path.join(sb.etc, "main.cf"), "a") as f:
            f.write("\n# bench\n" + extra_main_cf)
    return sb


def missing_services(sb, names):
    """missing_services - names of master.cf services absent from a
    sandbox (the delivery agents not built yet)."""
    with open(os.path.join(sb.etc, "master.cf")) as f:
        have = {l.split()[0] for l in f
                if l.strip() and not l.lstrip().startswith("#")}
    return [n for n in names if n not in have]


def rate(messages, r, key="total"):
    return messages / r[key] if r.get(key) else 0.0


def fmt_result(name, messages, r):
    if r["total"] is None:
        return "%s: INCOMPLETE %d/%d delivered (accept %.1fs)" % (
            name, r["delivered"], messages, r["accept"] or 0)
    return ("%s %.0f msg/s end to end (accept %.0f msg/s, %.1f CPU-ms/msg, "
            "machine %.1f)" % (name, rate(messages, r),
                               rate(messages, r, "accept"), r["cpu_ms"],
                               r["busy_ms"]))


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def run_bench(args, run_petrel, run_postfix):
    """run_bench - the runs, taking turns, then the medians and ratio."""
    rows = []
    for i in range(args.runs):
        p = f = None
        if args.only != "postfix":
            p = run_petrel(args)
            if p is None:
                break               # Petrel's delivery path is not built
        if args.only != "petrel":
            f = run_postfix(args)
        line = ["run %d:" % (i + 1)]
        if p:
            line.append(fmt_result("petrel", args.messages, p))
        if f:
            line.append(fmt_result("postfix", args.messages, f))
        pr = rate(args.messages, p) if p else 0
        fr = rate(args.messages, f) if f else 0
        if pr and fr:
            line.append("ratio %.2f" % (pr / fr))
        print("   ".join(line))
        sys.stdout.flush()
        rows.append((p, f))
    summary(args.messages, rows)


def summary(n, rows):
    """summary - medians of complete runs and the median ratio."""
    def med(which, fn):
        vals = [fn(r[which]) for r in rows
                if r[which] and r[which]["total"]]
        return statistics.median(vals) if vals else 0.0
    out = []
    for idx, name in ((0, "petrel"), (1, "postfix")):
        e = med(idx, lambda r: n / r["total"])
        if e:
            out.append("%s %.0f msg/s end to end, %.0f accepted, %.1f "
                       "CPU-ms/msg" % (name, e,
                                       med(idx, lambda r: n / r["accept"]),
                                       med(idx, lambda r: r["cpu_ms"])))
    ratios = [rate(n, p) / rate(n, f) for p, f in rows
              if p and f and p["total"] and f["total"]]
    if ratios:
        out.append("ratio %.2f (petrel/postfix)" % statistics.median(ratios))
    print("median: " + ("; ".join(out) if out else "no complete run"))
