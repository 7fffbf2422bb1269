"""Shared helpers for Petrel's integration tests.

A test makes a sandbox with petrel-setup on free loopback ports, starts
it with petrel, talks to it with real clients, and always stops it.
Everything listens on 127.0.0.1 only.
"""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("PETREL_BUILD",
                                       os.path.join(ROOT, "build")))
IS_ROOT = os.geteuid() == 0
SANDBOX_PORTS = (25, 587, 465, 143, 993, 110, 995)


def prog(name):
    """Path of a built program: bin/NAME, libexec/NAME or tests/NAME."""
    for sub in ("bin", "libexec", "tests"):
        path = os.path.join(BUILD, sub, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError("%s not built in %s" % (name, BUILD))


def run(args, **kw):
    """Run a command, capture text output, never hang."""
    kw.setdefault("timeout", 60)
    return subprocess.run(args, capture_output=True, text=True,
                          errors="replace", **kw)


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_base_port():
    """A base port N such that every sandbox port N+25 .. N+995 is free."""
    for _ in range(200):
        # Any base, not a few round ones: sandboxes started at the same
        # moment (parallel test runs) then rarely pick the same ports.
        base = random.randrange(20000, 64000)
        if all(port_free(base + p) for p in SANDBOX_PORTS):
            return base
    raise RuntimeError("no free base port")


def ensure_mail_owner():
    """As root, the sandbox's mail owner 'petrel' must exist."""
    if not IS_ROOT:
        return
    if run(["getent", "passwd", "petrel"]).returncode != 0:
        r = run(["useradd", "--system", "--no-create-home",
                 "--shell", "/usr/sbin/nologin", "petrel"])
        if r.returncode != 0:
            raise RuntimeError("useradd petrel: " + r.stderr)


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s"
                         % (timeout, what))


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive for our purposes.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def proc_status(pid):
    """Fields of /proc/PID/status as a dict."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def argv_of(pid):
    """The command line of pid as a list of bytes, or [] once it has
    gone (a child listed a moment ago may exit before it is read)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")[:-1]
    except OSError:
        return []


def children_of(pid):
    """PIDs whose parent is pid."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return kids


class Sandbox:
    """A petrel-setup sandbox in a temporary directory."""

    def __init__(self, user=None, password="secret-Pw1", delivery=True):
        ensure_mail_owner()
        self.tmp = tempfile.mkdtemp(prefix="petrel-it-")
        os.chmod(self.tmp, 0o755)
        self.dir = os.path.join(self.tmp, "sb")
        self.base = free_base_port()
        self.password = password
        args = [prog("petrel-setup"), "--sandbox", self.dir,
                "--base-port", str(self.base), "--password", password]
        if user:
            args += ["--user", user]
        r = run(args)
        if r.returncode != 0:
            raise RuntimeError("petrel-setup failed: " + r.stderr)
        self.setup_output = r.stdout
        self.etc = os.path.join(self.dir, "etc")
        self.info = {}
        with open(os.path.join(self.etc, "sandbox.info")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                self.info[k] = v
        self.maillog = self.info["maillog"]
        self.started = False
        if not delivery:
            self.without_qmgr()

    def without_qmgr(self):
        """Drop the qmgr service: accepted mail then stays in incoming/,
        for tests that look at the queue files cleanup wrote."""
        with open(os.path.join(self.etc, "master.cf")) as f:
            lines = f.readlines()
        self.write_etc("master.cf",
                       "".join(l for l in lines if not l.startswith("qmgr ")))

    def port(self, service):
        return int(self.info[service])

    def write_etc(self, name, text):
        """Replace a file in etc/ atomically: a reload still running
        from an earlier change must never read it half written."""
        path = os.path.join(self.etc, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def reload(self):
        """petrel reload, then wait until the master has done it (the
        command only signals): its "reload --" log line."""
        before = self.log().count("reload -- version")
        r = self.petrel("reload")
        if r.returncode != 0:
            raise AssertionError("petrel reload failed (%d): %s%s"
                                 % (r.returncode, r.stdout, r.stderr))
        wait_for(lambda: self.log().count("reload -- version") > before,
                 20, what="the master's reload")
        return r

    def petrel(self, *args, **kw):
        return run([prog("petrel"), "-c", self.etc] + list(args), **kw)

    def start(self):
        r = self.petrel("start")
        if r.returncode != 0:
            raise AssertionError("petrel start failed (%d): %s%s"
                                 % (r.returncode, r.stdout, r.stderr))
        self.started = True
        return r

    def master_pid(self):
        try:
            with open(os.path.join(self.dir, "queue", "pid",
                                   "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        if not self.started:
            return
        pid = self.master_pid()
        self.petrel("stop")
        self.started = False
        if pid and pid_alive(pid):
            for kid in children_of(pid):
                _kill(kid)
            _kill(pid)

    def log(self):
        try:
            with open(self.maillog, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=10.0):
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log()), timeout,
                        what="log line matching %r" % pattern)

    def cleanup(self):
        self.stop()
        if os.environ.get("PETREL_KEEP_SANDBOX"):
            print("keeping sandbox", self.dir)
            return
        shutil.rmtree(self.tmp, ignore_errors=True)


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


class SandboxTestCase(unittest.TestCase):
    """A test case with a fresh sandbox (not started) in self.sb."""

    sandbox_args = {}

    def setUp(self):
        self.sb = Sandbox(**self.sandbox_args)
        self.addCleanup(self.sb.cleanup)
