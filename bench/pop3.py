#!/usr/bin/env python3
"""bench/pop3: Petrel's pop3d and a private Dovecot on the same Maildir.

Makes a MESSAGES-message Maildir (build/tests/maildir_put: names carry
S= and W= as Petrel's delivery writes them), gives each server its own
hard-linked copy per user (the same files, separate directories), and
measures, with a small raw-socket client that reads whole responses:

  login   USER/PASS + STAT + UIDL + QUIT, one client (warm)
  retr    RETR of every message in one session
  par     CLIENTS clients at once (one mailbox each, since pop3d locks a
          maildrop per session), each login + STAT + RETR all + QUIT

Each figure is the median of RUNS runs (login: at least 5) after one
warm-up run; both servers run in the same invocation and take turns run
by run, so that load from elsewhere hits both alike, and the ratio is
Dovecot's time over Petrel's (above 1: Petrel is faster).  Both check
passwords of the same yescrypt hashes (copied from the sandbox's
passwd-file) and listen on 127.0.0.1 only; Dovecot runs as a private
instance (dovecot -c FILE, its own base_dir), never the system one,
with Dovecot's defaults otherwise
(so it does not lock the maildrop, and marks retrieved messages seen).
The clients are Python processes: with 20 of them on 2 cores the
parallel figure is bounded by the clients as much as by the servers.
Run as root.

Usage: python3 bench/pop3.py [--messages N] [--size BYTES]
                             [--clients N] [--runs N] [--keep]
"""

import argparse
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import peers  # noqa: E402

PASSWORD = "bench-Pw-1"
DOMAIN = "example.test"


class Client:
    """A minimal POP3 client that reads whole responses at once."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), 60)
        self.buf = b""
        self.line()

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        line = self.line()
        if not line.startswith(b"+OK"):
            raise RuntimeError("%s: %r" % (text, line))
        return line

    def multi(self, text):
        """A multi-line response; its size in bytes."""
        self.cmd(text)
        start = 0
        while True:
            if self.buf.startswith(b".\r\n"):
                end = 0
            else:
                end = self.buf.find(b"\r\n.\r\n", start)
                if end >= 0:
                    end += 2
            if end >= 0:
                size = end
                self.buf = self.buf[end + 3:]
                return size
            start = max(0, len(self.buf) - 4)
            self._fill()

    def login(self, user):
        self.cmd("USER " + user)
        self.cmd("PASS " + PASSWORD)

    def stat(self):
        return int(self.cmd("STAT").split()[1])

    def quit(self):
        self.cmd("QUIT")
        self.sock.close()


def job_login(port, user):
    c = Client(port)
    c.login(user)
    c.stat()
    c.multi("UIDL")
    c.quit()


def job_retr_all(port, user):
    """Time of the RETRs alone; total bytes."""
    c = Client(port)
    c.login(user)
    n = c.stat()
    t = time.monotonic()
    total = sum(c.multi("RETR %d" % i) for i in range(1, n + 1))
    t = time.monotonic() - t
    c.quit()
    return t, total


def job_session(args):
    port, user = args
    c = Client(port)
    c.login(user)
    n = c.stat()
    total = sum(c.multi("RETR %d" % i) for i in range(1, n + 1))
    c.quit()
    return total


def timed(fn, *args):
    t = time.monotonic()
    fn(*args)
    return time.monotonic() - t


def measure(ports, users, runs, clients):
    """The three figures of each server, medians.  The servers take
    turns run by run, so that load from elsewhere hits both alike."""
    first = users[0]
    res = [{"login": [], "retr": [], "par": []} for _ in ports]
    with multiprocessing.Pool(clients) as pool:
        for port in ports:          # warm-up: indexes, UID lists
            job_login(port, first)
            pool.map(job_session, [(port, u) for u in users[:clients]])
        for _ in range(max(runs, 5)):
            for port, r in zip(ports, res):
                r["login"].append(timed(job_login, port, first))
        for _ in range(runs):
            for port, r in zip(ports, res):
                t, r["bytes"] = job_retr_all(port, first)
                r["retr"].append(t)
        for _ in range(runs):
            for port, r in zip(ports, res):
                t = time.monotonic()
                pool.map(job_session, [(port, u) for u in users[:clients]])
                r["par"].append(time.monotonic() - t)
    for r in res:
        for key in ("login", "retr", "par"):
            r[key + "_all"] = r[key]
            r[key] = statistics.median(r[key])
    return res


class Dovecot:
    """A private Dovecot: dovecot -c FILE, passwd-file, Maildir."""

    def __init__(self, base, port, passwd_lines):
        self.base = base
        self.port = port
        self.run_dir = os.path.join(base, "run")
        self.conf = os.path.join(base, "dovecot.conf")
        self.log = os.path.join(base, "dovecot.log")
        for d in (self.run_dir, os.path.join(base, "state")):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(base, "passwd"), "w") as f:
            f.write("".join(passwd_lines))
        self.write_conf()

    def write_conf(self):
        b = self.base
        with open(self.conf, "w") as f:
            f.write(f"""base_dir = {b}/run
state_dir = {b}/state
log_path = {self.log}
listen = 127.0.0.1
protocols = pop3
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_max_userip_connections = 1000
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=CRYPT username_format=%u {b}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {b}/passwd
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""")

    def start(self):
        subprocess.run(["dovecot", "-c", self.conf], check=True)
        peers.wait_port(self.port)

    def stop(self):
        try:
            with open(os.path.join(self.run_dir, "master.pid")) as f:
                pid = int(f.read().split()[0])
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)
        except (OSError, ValueError):
            pass


def make_master(base, messages, size, uid, gid):
    """The one generated Maildir that every copy links to."""
    import petrel_test
    md = os.path.join(base, "master", "Maildir")
    os.makedirs(os.path.dirname(md))
    r = subprocess.run([petrel_test.prog("maildir_put"), "-n",
                        str(messages), "-s", str(size), md],
                       stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        raise SystemExit("maildir_put failed")
    subprocess.run(["chown", "-R", "%d:%d" % (uid, gid),
                    os.path.dirname(md)], check=True)
    return md


def link_copy(master, home, uid, gid):
    """home/Maildir as a hard-linked copy of master."""
    md = os.path.join(home, "Maildir")
    if os.path.exists(md):
        shutil.rmtree(md)
    os.makedirs(home, exist_ok=True)
    subprocess.run(["cp", "-al", master, md], check=True)
    subprocess.run(["chown", "-R", "%d:%d" % (uid, gid), home], check=True)


def setup_petrel(sb, users):
    """Users in the sandbox (same password); their passwd-file lines."""
    import petrel_test
    for u in users:
        r = petrel_test.run([petrel_test.prog("petrel-user"), "-c", sb.etc,
                             "add", u], input=PASSWORD + "\n")
        if r.returncode != 0 and "exists" not in r.stderr:
            raise SystemExit("petrel-user add %s: %s" % (u, r.stderr))
    lines = {}
    with open(os.path.join(sb.etc, "passwd")) as f:
        for line in f:
            lines[line.split(":")[0]] = line
    return lines


def report(petrel, dovecot, args, load):
    mb = petrel["bytes"] / 1e6
    rows = [
        ("login+STAT+UIDL+QUIT (s)", "login"),
        ("RETR all %d, one session (s)" % args.messages, "retr"),
        ("%d parallel sessions, RETR all (s)" % args.clients, "par"),
    ]
    print("\nPOP3, %d messages of ~%d bytes (%.1f MB per mailbox), "
          "medians of %d runs, load before: %s"
          % (args.messages, args.size, mb, args.runs, load))
    print("%-40s %10s %10s %8s" % ("", "Petrel", "Dovecot", "D/P"))
    for label, key in rows:
        p, d = petrel[key], dovecot[key]
        print("%-40s %10.3f %10.3f %8.2f" % (label, p, d, d / p))
    for name, r in (("Petrel", petrel), ("Dovecot", dovecot)):
        print("%s runs: %s" % (name, "; ".join(
            "%s %s" % (k, " ".join("%.3f" % x for x in r[k + "_all"]))
            for k in ("login", "retr", "par"))))
    for name, r in (("Petrel", petrel), ("Dovecot", dovecot)):
        print("%s: RETR %.0f msgs/s (%.0f MB/s) in one session; "
              "%d parallel: %.0f MB/s, %.1f sessions/s"
              % (name, args.messages / r["retr"], mb / r["retr"],
                 args.clients, mb * args.clients / r["par"],
                 args.clients / r["par"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (debugging)")
    args = ap.parse_args()
    peers.need_root()
    if shutil.which("dovecot") is None:
        raise SystemExit("apt-get install dovecot-pop3d dovecot-imapd")
    import petrel_test
    load = open("/proc/loadavg").read().split()[:3]
    base = tempfile.mkdtemp(prefix="bench-pop3-")
    os.chmod(base, 0o755)
    sb = petrel_test.Sandbox(password=PASSWORD)
    dovecot = None
    try:
        users = ["bench%02d@%s" % (i, DOMAIN) for i in range(args.clients)]
        lines = setup_petrel(sb, users)
        uid, gid = int(lines[users[0]].split(":")[2]), \
            int(lines[users[0]].split(":")[3])
        print("making %d messages ..." % args.messages, flush=True)
        master = make_master(base, args.messages, args.size, uid, gid)
        dv_lines = []
        for u in users:
            f = lines[u].split(":")
            link_copy(master, f[5], uid, gid)
            dhome = os.path.join(base, "dovecot-home", u)
            link_copy(master, dhome, uid, gid)
            f[5] = dhome
            # The same hash; Dovecot 2.3 names crypt(3) hashes {CRYPT}.
            f[1] = "{CRYPT}" + f[1].split("}", 1)[-1]
            dv_lines.append(":".join(f))
        sb.start()
        dovecot = Dovecot(os.path.join(base, "dovecot"), peers.free_port(),
                          dv_lines)
        dovecot.start()
        print("measuring, Petrel and Dovecot taking turns ...", flush=True)
        p, d = measure([sb.port("pop3"), dovecot.port], users, args.runs,
                       args.clients)
        report(p, d, args, " ".join(load))
    finally:
        if dovecot is not None:
            dovecot.stop()
        if args.keep:
            print("keeping", base, sb.dir)
            sb.stop()
        else:
            sb.cleanup()
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
