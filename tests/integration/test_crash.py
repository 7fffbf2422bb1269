"""Delivery survives SIGKILL: no accepted message is lost.

Mail for 20 recipients is sent through smtpd while qmgr, smtp and the
local/virtual agents are killed with SIGKILL at random moments; the
master restarts them.  Ten recipients are virtual users of the sandbox
(Maildirs), ten are at sink.example, routed by transport_maps to an
SmtpSink (tests/integration/fakes.py) through smtp(8).  Then the killing
stops, the system settles (short retry timers), and every recipient must
hold every message addressed to it: each message carries a unique
X-Crash-Id header, and the Maildir files and the sink's transactions are
counted by it.

Loss fails the test.  Duplicates are reported and allowed only within the
window that the design leaves open (lib/deliver.h): an agent killed after
the destination took the message (Maildir rename done, or the remote
server's 250 received) but before it marked the recipients done in the
queue file delivers them again on retry.  One SIGKILL can therefore
duplicate at most the recipients of the one delivery the agent was doing:
local and virtual mark each recipient right after delivering it, so the
bound asserted is one per local kill plus N_SINK (the recipients of one
SMTP transaction) per smtp kill, far above what is normally seen.
Killing qmgr may not duplicate anything, since agents mark recipients
themselves.  The sender
is a virtual user whose Maildir must stay empty (a bounce or delay notice
there means a kill was mistaken for a delivery failure), and the queue
must be empty at the end.

Size: PETREL_CRASH_MESSAGES=N sets the message count; PETREL_CRASH_FULL=1
means 2,000; PETREL_CRASH_QUICK=1 means 200; the default (300) keeps the
test well under 90 seconds.  PETREL_CRASH_SEED=N repeats a kill schedule
(the seed is printed).  PETREL_CRASH_TARGETS=qmgr (a comma-separated
subset of qmgr,smtp,local) kills only those.
"""

import collections
import os
import random
import signal
import smtplib
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakes import SmtpSink  # noqa: E402
from petrel_test import (IS_ROOT, Sandbox, children_of, prog,  # noqa: E402
                         run)

N_VIRTUAL = 10
N_SINK = 10
PER_MESSAGE = 4             # recipients of most messages; every 10th: all
SENDER = "crash-sender@example.test"
TARGETS = os.environ.get("PETREL_CRASH_TARGETS",
                         "qmgr,smtp,local").split(",")
SETTLE_SECONDS = float(os.environ.get("PETREL_CRASH_SETTLE", "120"))


def message_count():
    if os.environ.get("PETREL_CRASH_MESSAGES"):
        return int(os.environ["PETREL_CRASH_MESSAGES"])
    if os.environ.get("PETREL_CRASH_FULL"):
        return 2000
    if os.environ.get("PETREL_CRASH_QUICK"):
        return 200
    return 300


def delivery_built():
    try:
        for name in ("qmgr", "smtp", "local", "cleanup", "smtpd"):
            prog(name)
    except FileNotFoundError:
        return False
    return True


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def crash_id(data):
    """crash_id - the X-Crash-Id of a message (bytes), or None."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    for line in head.splitlines():
        if line.lower().startswith(b"x-crash-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return None


def read_maildir(path):
    """read_maildir - Counter of X-Crash-Id over new/ and cur/."""
    found = collections.Counter()
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            continue
        for name in names:
            try:
                with open(os.path.join(d, name), "rb") as f:
                    found[crash_id(f.read(8192))] += 1
            except FileNotFoundError:
                pass                # moved from new/ to cur/ meanwhile
    return found


class Killer(threading.Thread):
    """SIGKILLs qmgr, smtp and local children of the master now and then.

    A delivery agent is killed every low..high seconds (when one runs);
    qmgr only every qmgr_low..qmgr_high seconds and at most qmgr_max
    times: a restarted qmgr first recovers active/ and rescans the
    queue, and one killed every second or two never gets to hand out
    much mail (the master also throttles a service whose process dies
    before it reports work)."""

    def __init__(self, master_pid, rng, low=0.05, high=0.3, qmgr_low=3.0,
                 qmgr_high=6.0, qmgr_max=5):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.rng = rng
        self.low, self.high = low, high
        self.qmgr_low, self.qmgr_high = qmgr_low, qmgr_high
        self.qmgr_max = qmgr_max
        self.kills = collections.Counter()
        self.seen = collections.Counter()
        self.observe = bool(os.environ.get("PETREL_CRASH_NOKILL"))
        self.debug = bool(os.environ.get("PETREL_CRASH_DEBUG"))
        self.stop_event = threading.Event()

    def run(self):
        next_qmgr = time.monotonic() + self.rng.uniform(self.qmgr_low,
                                                        self.qmgr_high)
        while not self.stop_event.wait(self.rng.uniform(self.low, self.high)):
            procs = [(pid, comm(pid)) for pid in
                     children_of(self.master_pid)]
            for _, name in procs:
                self.seen[name] += 1
            if self.observe:
                continue
            agents = sorted(p for p in procs if p[1] in ("smtp", "local")
                            and p[1] in TARGETS)
            qmgrs = [p for p in procs
                     if p[1] == "qmgr" and "qmgr" in TARGETS]
            victims = []
            if agents:
                victims.append(self.rng.choice(agents))
            if qmgrs and time.monotonic() >= next_qmgr and \
                    self.kills["qmgr"] < self.qmgr_max:
                victims.append(qmgrs[0])
                next_qmgr = time.monotonic() + self.rng.uniform(
                    self.qmgr_low, self.qmgr_high)
            for pid, name in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                    self.kills[name] += 1
                    if self.debug:
                        print("kill %d %s" % (pid, name))
                except ProcessLookupError:
                    pass

    def stop(self):
        self.stop_event.set()
        self.join(5)


@unittest.skipUnless(IS_ROOT, "the sandbox's agents run as root")
@unittest.skipUnless(delivery_built(), "delivery path (qmgr, smtp, local) "
                     "not built")
class CrashTest(unittest.TestCase):

    def setUp(self):
        self.sink = SmtpSink(ehlo=["PIPELINING", "SIZE 20000000", "8BITMIME",
                                   "ENHANCEDSTATUSCODES"])
        self.addCleanup(self.sink.stop)
        self.sb = Sandbox()
        self.addCleanup(self.sb.cleanup)
        self.virtual = ["crash%02d@example.test" % i
                        for i in range(N_VIRTUAL)]
        self.remote = ["r%02d@sink.example" % i for i in range(N_SINK)]
        self.maildirs = {}
        for addr in self.virtual + [SENDER]:
            self.add_user(addr)
        with open(os.path.join(self.sb.etc, "transport"), "w") as f:
            f.write("sink.example smtp:[127.0.0.1]:%d\n" % self.sink.port)
        with open(os.path.join(self.sb.etc, "main.cf"), "a") as f:
            f.write("\n# test_crash\n"
                    "transport_maps = texthash:%s/transport\n"
                    "queue_run_delay = 1s\n"
                    "minimal_backoff_time = 1s\n"
                    "maximal_backoff_time = 2s\n"
                    "service_throttle_time = 2s\n" % self.sb.etc)

    def add_user(self, addr):
        local, domain = addr.split("@")
        r = run([prog("petrel-user"), "-c", self.sb.etc, "add", addr],
                input="pw-%s\n" % local)
        self.assertEqual(r.returncode, 0, r.stderr)
        rel = "%s/%s/Maildir/" % (domain, local)
        with open(os.path.join(self.sb.etc, "vmailbox"), "a") as f:
            f.write("%s %s\n" % (addr, rel))
        self.maildirs[addr] = os.path.join(self.sb.dir, "mail", rel)

    def plan(self, n):
        """plan - {crash id: recipients} for n messages."""
        rcpts = self.virtual + self.remote
        # Interleave local and remote so each message has both kinds.
        order = [a for pair in zip(self.virtual, self.remote) for a in pair]
        plan = {}
        for i in range(n):
            if i % 10 == 9:
                to = list(rcpts)
            else:
                to = [order[(i * PER_MESSAGE + k) % len(order)]
                      for k in range(PER_MESSAGE)]
            plan["%d-%06d" % (os.getpid(), i)] = to
        return plan

    def send_all(self, plan, threads=4):
        """send_all - send every planned message; retry what failed."""
        todo = list(plan.items())
        lock = threading.Lock()
        errors = []
        port = self.sb.port("smtp")
        body_pad = ("x" * 70 + "\r\n") * 20

        def worker():
            conn = None
            while True:
                with lock:
                    if not todo:
                        break
                    cid, to = todo.pop()
                msg = ("From: <%s>\r\nTo: crash-test\r\n"
                       "Subject: crash %s\r\nX-Crash-Id: %s\r\n"
                       "Message-ID: <%s@crash.example>\r\n\r\n%s"
                       % (SENDER, cid, cid, cid, body_pad))
                for attempt in range(20):
                    try:
                        if conn is None:
                            conn = smtplib.SMTP("127.0.0.1", port,
                                                timeout=60)
                            conn.ehlo("crash.example")
                        refused = conn.sendmail(SENDER, to, msg)
                        if refused:
                            errors.append((cid, refused))
                        break
                    except (smtplib.SMTPException, OSError) as e:
                        try:
                            if conn:
                                conn.close()
                        except Exception:
                            pass
                        conn = None
                        if attempt == 19:
                            errors.append((cid, repr(e)))
                        time.sleep(0.2)
            if conn:
                try:
                    conn.quit()
                except Exception:
                    pass

        ts = [threading.Thread(target=worker) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return errors

    def delivered(self):
        """delivered - {recipient: Counter of crash ids}."""
        got = {a: read_maildir(self.maildirs[a]) for a in self.virtual}
        for a in self.remote:
            got[a] = collections.Counter()
        with self.sink.lock:
            msgs = list(self.sink.messages)
        for m in msgs:
            cid = crash_id(m.data)
            for r in m.rcpts:
                got.setdefault(r.lower(), collections.Counter())[cid] += 1
        return got

    def missing(self, plan, got):
        out = []
        for cid, to in plan.items():
            for r in to:
                if got.get(r, {}).get(cid, 0) == 0:
                    out.append((cid, r))
        return out

    def queue_files(self):
        n = 0
        for sub in ("incoming", "active", "deferred", "maildrop", "hold"):
            for _, _, files in os.walk(os.path.join(self.sb.dir, "queue",
                                                    sub)):
                n += len(files)
        return n

    def test_kill_agents_during_delivery(self):
        n = message_count()
        seed = int(os.environ.get("PETREL_CRASH_SEED",
                                  random.randrange(1 << 30)))
        rng = random.Random(seed)
        plan = self.plan(n)
        expected = sum(len(v) for v in plan.values())
        print("\ntest_crash: %d messages, %d deliveries, seed %d"
              % (n, expected, seed))

        self.sb.start()
        killer = Killer(self.sb.master_pid(), rng)
        t0 = time.monotonic()
        killer.start()
        try:
            errors = self.send_all(plan)
            # Keep killing while the queue drains, for a while.
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and \
                    self.missing(plan, self.delivered()):
                time.sleep(0.2)
        finally:
            killer.stop()
        t_kill = time.monotonic() - t0
        self.assertEqual(errors, [], "messages not accepted")

        # Settle: every planned delivery arrives, the queue empties.
        deadline = time.monotonic() + SETTLE_SECONDS
        kicked = 0
        while time.monotonic() < deadline:
            got = self.delivered()
            lost = self.missing(plan, got)
            if not lost and self.queue_files() == 0:
                break
            if time.monotonic() - t0 > t_kill + 10 * (kicked + 1):
                self.sb.petrel("flush")
                kicked += 1
            time.sleep(0.5)
        got = self.delivered()
        lost = self.missing(plan, got)
        dups = sum(c - 1 for r in got.values() for c in r.values() if c > 1)
        strays = sum(c for r in got.values() for cid, c in r.items()
                     if cid not in plan)
        sender_mail = read_maildir(self.maildirs[SENDER])
        # A killed local/virtual agent may redo the one recipient it had
        # delivered but not marked; a killed smtp agent the recipients of
        # the one transaction whose 250 it had (all sink recipients).
        allowed = killer.kills["local"] + killer.kills["smtp"] * N_SINK
        print("test_crash: kills %s; %d/%d delivered, %d lost, %d "
              "duplicates (allowed %d), %d strays, %d queue files, "
              "%.1fs killing, %.1fs total"
              % (dict(killer.kills), expected - len(lost), expected,
                 len(lost), dups, allowed, strays, self.queue_files(),
                 t_kill, time.monotonic() - t0))
        if dups:
            print("test_crash: duplicated (first 20): %s"
                  % [(r, cid, c) for r, cnt in sorted(got.items())
                     for cid, c in sorted(cnt.items()) if c > 1][:20])
        if lost:
            print("test_crash: lost (first 20): %s" % lost[:20])
            print(self.sb.log()[-3000:])
        if os.environ.get("PETREL_CRASH_DEBUG"):
            print("test_crash: processes seen %s" % dict(killer.seen))
        self.assertGreater(sum(killer.kills.values()), 0, "nothing killed")
        self.assertEqual(lost, [], "%d deliveries lost" % len(lost))
        self.assertLessEqual(dups, allowed)
        self.assertEqual(strays, 0)
        self.assertEqual(sum(sender_mail.values()), 0,
                         "the sender got notices: %s" % sender_mail)
        self.assertEqual(self.queue_files(), 0, "queue not empty")


if __name__ == "__main__":
    unittest.main()
