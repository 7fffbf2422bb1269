"""master(8), the daemon skeleton and petrel(1), driven with testd.

Each test makes its own instance (etc/main.cf, etc/master.cf, queue,
maillog) in a temporary directory, with testd services on free loopback
ports, and always stops it and kills anything left over.  Run from the
repository root:

    python3 -m unittest tests/integration/test_master.py -v

PETREL_BUILD names the build directory (default: build).  As root the
tests also check the privilege drop (the system user "petrel" is created
when missing); as another user they check that the drop is skipped with
one warning per process.
"""

import os
import re
import signal
import socket
import sys
import tempfile
import shutil
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from petrel_test import (BUILD, IS_ROOT, prog, run, wait_for,  # noqa: E402
                         pid_alive, proc_status, children_of,
                         ensure_mail_owner, free_port)

TESTD = os.path.join(BUILD, "tests", "testd")


def instance_procs(marker):
    """PIDs whose command line mentions marker (our instance dir)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().decode(errors="replace")
        except OSError:
            continue
        if marker in cmd and pid_alive(int(d)):
            pids.append(int(d))
    return pids


def listen_inode(port):
    """Inode of the 127.0.0.1:port listening socket, or None."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                return fields[9]
    return None


class Client:
    """A line-oriented connection to a testd service."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.f = self.sock.makefile("rw", encoding="ascii", newline="\n")

    def send(self, line):
        self.f.write(line + "\n")
        self.f.flush()

    def recv(self):
        return self.f.readline().rstrip("\n")

    def ask(self, line):
        self.send(line)
        return self.recv()

    def pid(self):
        m = re.match(r"pid=(\d+) ", self.ask("pid"))
        return int(m.group(1))

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


class Instance:
    """A private Petrel configuration and queue in a temporary directory."""

    def __init__(self):
        ensure_mail_owner()
        self.dir = tempfile.mkdtemp(prefix="petrel-master-")
        os.chmod(self.dir, 0o755)
        self.etc = os.path.join(self.dir, "etc")
        self.queue = os.path.join(self.dir, "queue")
        self.maillog = os.path.join(self.dir, "maillog")
        os.mkdir(self.etc)
        self.main_extra = ""
        self.services = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_main(self, extra=None):
        if extra is not None:
            self.main_extra = extra
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write("# test instance\n"
                    "queue_directory = %s\n"
                    "daemon_directory = %s\n"
                    "maillog_file = %s\n"
                    "mail_owner = petrel\n"
                    "master_stop_timeout = 3s\n"
                    "inet_interfaces = 127.0.0.1\n"
                    % (self.queue, os.path.join(BUILD, "libexec"),
                       self.maillog))
            f.write(self.main_extra)

    def write_master(self, lines=None):
        if lines is not None:
            self.services = lines
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write("# service type private unpriv chroot wakeup "
                    "maxproc command\n")
            for line in self.services:
                f.write(line.replace("TESTD", TESTD) + "\n")

    def petrel(self, *args, **kw):
        return run([prog("petrel"), "-c", self.etc] + list(args), **kw)

    def start(self):
        r = self.petrel("start")
        if r.returncode != 0:
            raise AssertionError("petrel start: %d %s%s\n%s"
                                 % (r.returncode, r.stdout, r.stderr,
                                    self.log()))
        return r

    def master_pid(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def log(self):
        try:
            with open(self.maillog, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, count=1, timeout=10.0):
        rx = re.compile(pattern, re.M)
        return wait_for(lambda: len(rx.findall(self.log())) >= count,
                        timeout, what="%d log line(s) matching %r\n%s"
                        % (count, pattern, self.log()[-3000:]))

    def cleanup(self):
        try:
            if self.master_pid() and self.petrel("status").returncode == 0:
                self.petrel("stop")
        except Exception:       # noqa: BLE001 - never skip what follows
            pass
        for pid in instance_procs(self.dir):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if os.environ.get("PETREL_KEEP_SANDBOX"):
            print("keeping", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class MasterTestCase(unittest.TestCase):

    def setUp(self):
        self.inst = Instance()
        self.addCleanup(self.inst.cleanup)
        self.port = free_port()

    def single_line(self, flags=""):
        """A single-mode testd on self.port; flags go before the mode."""
        return "127.0.0.1:%d inet n - n - - TESTD%s single" % (self.port,
                                                               flags)

    def wake_line(self, name="wake", args=""):
        return ("%s unix - - n 1 1 TESTD trigger log=%s%s"
                % (name, self.inst.path(name + ".log"), args))

    def setup_instance(self, services, main_extra=""):
        self.inst.write_main(main_extra)
        self.inst.write_master(services)

    def trigger_lines(self, name="wake"):
        try:
            with open(self.inst.path(name + ".log")) as f:
                return [line for line in f if line.startswith("trigger")]
        except FileNotFoundError:
            return []

    def assert_all_gone(self, pids, timeout=10.0):
        wait_for(lambda: not any(pid_alive(p) for p in pids), timeout,
                 what="processes %s to exit" % pids)
        self.assertEqual(instance_procs(self.inst.dir), [])


class StartStopTest(MasterTestCase):

    def test_start_status_stop(self):
        self.setup_instance([self.single_line(), self.wake_line()])
        r = self.inst.start()
        mpid = self.inst.master_pid()
        self.assertIsNotNone(mpid)
        self.assertIn("the Petrel mail system is running: PID: %d" % mpid,
                      r.stderr)
        r = self.inst.petrel("status")
        self.assertEqual(r.returncode, 0)
        self.assertIn("is running: PID: %d" % mpid, r.stderr)
        self.assertTrue(pid_alive(mpid))
        self.inst.wait_log(r"master\[%d\]: daemon started -- version "
                           r"\S+, configuration %s" % (mpid, self.inst.etc))
        wait_for(lambda: children_of(mpid), what="the wakeup child")
        kids = children_of(mpid)
        r = self.inst.petrel("stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("stopping the Petrel mail system", r.stderr)
        # stop returns only when the master is gone.
        self.assertFalse(pid_alive(mpid))
        self.assert_all_gone([mpid] + kids)
        self.assertFalse(os.path.exists(os.path.join(
            self.inst.queue, "pid", "master.pid")))
        self.assertIn("terminating on signal 15", self.inst.log())
        r = self.inst.petrel("status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the Petrel mail system is not running", r.stderr)
        r = self.inst.petrel("stop")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not running", r.stderr)
        r = self.inst.petrel("reload")
        self.assertEqual(r.returncode, 1)

    def test_second_start_refused(self):
        self.setup_instance([self.single_line()])
        self.inst.start()
        mpid = self.inst.master_pid()
        r = self.inst.petrel("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already running (PID: %d)" % mpid, r.stderr)
        # The master itself refuses too, by the lock.
        r = run([prog("master"), "-C", self.inst.etc, "-w"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("fatal: the Petrel mail system is already running "
                      "(pid %d)" % mpid, r.stderr)
        self.assertEqual(self.inst.master_pid(), mpid)
        self.assertEqual(self.inst.petrel("status").returncode, 0)

    def test_stale_pid_file_is_not_running(self):
        self.setup_instance([self.single_line()])
        os.makedirs(os.path.join(self.inst.queue, "pid"))
        with open(os.path.join(self.inst.queue, "pid", "master.pid"),
                  "w") as f:
            f.write("%d\n" % os.getpid())
        r = self.inst.petrel("status")
        self.assertEqual(r.returncode, 1)
        self.inst.start()
        self.assertNotEqual(self.inst.master_pid(), os.getpid())

    def test_stop_with_busy_session(self):
        self.setup_instance([self.single_line()])
        self.inst.start()
        mpid = self.inst.master_pid()
        busy = Client(self.port)
        kid = busy.pid()
        busy.send("sleep 60")
        hung = Client(self.port)
        hung_kid = hung.pid()
        hung.send("hang")
        time.sleep(0.2)
        t0 = time.monotonic()
        r = self.inst.petrel("stop")
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 0, r.stderr)
        # master_stop_timeout is 3s: SIGTERM, then SIGKILL for "hang".
        self.assertLess(took, 8)
        self.assertGreater(took, 2)
        self.assert_all_gone([mpid, kid, hung_kid])
        self.assertIn("still running after 3 seconds: killing",
                      self.inst.log())
        busy.close()
        hung.close()

    def test_foreground_and_sigint(self):
        self.setup_instance([self.single_line()])
        import subprocess
        p = subprocess.Popen([prog("master"), "-C", self.inst.etc, "-f"],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_for(lambda: self.inst.master_pid() == p.pid,
                 what="the foreground master")
        c = Client(self.port)
        self.assertTrue(c.pid() > 0)
        c.close()
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(10), 0)
        err = p.stderr.read().decode()
        p.stderr.close()
        self.assertIn("terminating on signal 2", err)

    def test_test_option(self):
        self.setup_instance([self.single_line()])
        r = run([prog("master"), "-C", self.inst.etc, "-t"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(self.inst.master_pid())


class ConfigErrorTest(MasterTestCase):

    def assert_nothing_started(self):
        self.assertIsNone(self.inst.master_pid())
        self.assertEqual(instance_procs(self.inst.dir), [])
        self.assertEqual(self.inst.petrel("status").returncode, 1)

    def test_bad_main_cf(self):
        self.setup_instance([self.single_line()],
                            "max_use = lots\nmaster_stop_timeout = 1x\n")
        main_cf = os.path.join(self.inst.etc, "main.cf")
        r = self.inst.petrel("check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:8: max_use: bad number" % main_cf, r.stderr)
        # Every error, not only the first.
        self.assertIn("%s:9: master_stop_timeout" % main_cf, r.stderr)
        r = self.inst.petrel("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:8: max_use" % main_cf, r.stderr)
        self.assert_nothing_started()
        r = run([prog("master"), "-C", self.inst.etc, "-w"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:8: max_use" % main_cf, r.stderr)
        self.assert_nothing_started()

    def test_bad_master_cf(self):
        self.setup_instance([
            self.single_line(),
            "bad tcp - - n - - TESTD single",
            "missing unix - - n - - /nonexistent/daemon",
            "127.0.0.1:%d inet - - n 10 - TESTD single" % free_port(),
        ])
        master_cf = os.path.join(self.inst.etc, "master.cf")
        r = self.inst.petrel("check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:3: unknown service type" % master_cf, r.stderr)
        r = self.inst.petrel("start")
        self.assertEqual(r.returncode, 1)
        self.assert_nothing_started()
        # Fix the syntax: the checks behind it speak up.
        del self.inst.services[1]
        self.inst.write_master()
        r = self.inst.petrel("check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:3: service missing/unix: command "
                      "/nonexistent/daemon" % master_cf, r.stderr)
        self.assertIn("%s:4: service" % master_cf, r.stderr)
        self.assertIn("wakeup time", r.stderr)
        self.assertEqual(self.inst.petrel("start").returncode, 1)
        self.assert_nothing_started()

    def test_port_in_use(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", self.port))
        blocker.listen(1)
        self.addCleanup(blocker.close)
        self.setup_instance([self.single_line()])
        r = self.inst.petrel("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("service 127.0.0.1:%d/inet: cannot listen" % self.port,
                      r.stderr)
        self.assert_nothing_started()

    def test_unknown_parameter_warns(self):
        self.setup_instance([self.single_line()], "no_such_thing = 1\n")
        r = self.inst.petrel("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: %s/main.cf: unknown parameter no_such_thing"
                      % self.inst.etc, r.stderr)


class ServiceTest(MasterTestCase):

    def test_single_service_answers(self):
        self.setup_instance([self.single_line()],
                            "myorigin = first.example\n")
        self.inst.start()
        mpid = self.inst.master_pid()
        c = Client(self.port)
        kid = c.pid()
        self.assertIn(kid, children_of(mpid))
        self.assertEqual(c.ask("param myorigin"), "myorigin=first.example")
        self.assertEqual(c.ask("param max_use"), "max_use=100")
        self.assertEqual(c.ask("quit"), "bye")
        c.close()
        time.sleep(0.3)     # until the child reports itself available
        # The idle child takes the next connection.
        c = Client(self.port)
        self.assertEqual(c.pid(), kid)
        c.close()

    def test_overrides_and_multi(self):
        self.setup_instance([
            "127.0.0.1:%d inet n - n - 1 TESTD -o myorigin=multi.example "
            "multi" % self.port])
        self.inst.start()
        a, b = Client(self.port), Client(self.port)
        self.assertEqual(a.pid(), b.pid())
        self.assertEqual(b.ask("param myorigin"), "myorigin=multi.example")
        a.send("sleep 1")
        self.assertEqual(b.ask("quit"), "bye")
        self.assertEqual(a.recv(), "done")
        a.close()
        b.close()

    def test_parallel_single_children(self):
        self.setup_instance([self.single_line()])
        self.inst.start()
        clients = [Client(self.port) for _ in range(3)]
        pids = {c.pid() for c in clients}
        self.assertEqual(len(pids), 3)
        for c in clients:
            c.close()

    def test_process_limit(self):
        self.setup_instance([
            "127.0.0.1:%d inet n - n - 1 TESTD single" % self.port])
        self.inst.start()
        a = Client(self.port)
        pid_a = a.pid()
        b = Client(self.port)     # queued: the only process is busy
        b.send("pid")
        time.sleep(0.5)
        a.ask("quit")
        a.close()
        self.assertTrue(b.recv().startswith("pid=%d " % pid_a))
        b.close()

    def test_max_idle(self):
        self.setup_instance([self.single_line(" -o max_idle=1s")])
        self.inst.start()
        c = Client(self.port)
        kid = c.pid()
        c.close()
        wait_for(lambda: not pid_alive(kid), 5, what="idle child to exit")
        self.assertNotIn("pid %d exit status" % kid, self.inst.log())
        c = Client(self.port)
        self.assertNotEqual(c.pid(), kid)
        c.close()

    def test_max_use(self):
        self.setup_instance([self.single_line(" -o max_use=2")])
        self.inst.start()
        pids = []
        for _ in range(4):
            c = Client(self.port)
            pids.append(c.pid())
            c.ask("quit")
            c.close()
            time.sleep(0.3)     # until the child is available again
        self.assertEqual(pids[0], pids[1])
        self.assertNotEqual(pids[1], pids[2])
        self.assertEqual(pids[2], pids[3])

    def test_watchdog(self):
        self.setup_instance([self.single_line(" -o daemon_timeout=1s")])
        self.inst.start()
        c = Client(self.port)
        kid = c.pid()
        c.send("sleep 10")
        self.assertEqual(c.recv(), "")      # killed before "done"
        self.inst.wait_log(r"warning: process %s pid %d killed by "
                           r"signal 14" % (re.escape(TESTD), kid))
        c.close()

    def test_wakeup_service_triggered(self):
        self.setup_instance([self.wake_line()])
        self.inst.start()
        wait_for(lambda: len(self.trigger_lines()) >= 3, 6,
                 what="three wakeups")
        pids = {line.split()[1] for line in self.trigger_lines()}
        self.assertEqual(len(pids), 1)      # kept alive, one process

    def test_fifo_wakeup_service(self):
        self.setup_instance([
            "wfifo fifo - - n 1 1 TESTD trigger log=%s"
            % self.inst.path("wfifo.log")])
        self.inst.start()
        wait_for(lambda: len(self.trigger_lines("wfifo")) >= 2, 6,
                 what="two FIFO wakeups")
        fifo = os.path.join(self.inst.queue, "private", "wfifo")
        self.assertTrue(os.path.exists(fifo))

    def test_master_killed_children_exit(self):
        self.setup_instance([self.single_line(), self.wake_line()])
        self.inst.start()
        mpid = self.inst.master_pid()
        c = Client(self.port)
        c.pid()
        wait_for(lambda: len(children_of(mpid)) == 2, what="two children")
        kids = children_of(mpid)
        os.kill(mpid, signal.SIGKILL)
        # An idle child notices at once; the busy one after its session.
        c.ask("quit")
        c.close()
        self.assert_all_gone(kids, timeout=5)
        self.assertEqual(self.inst.petrel("status").returncode, 1)


class RestartTest(MasterTestCase):

    def test_killed_wakeup_child_restarted(self):
        self.setup_instance([self.wake_line()])
        self.inst.start()
        wait_for(lambda: self.trigger_lines(), 5, what="a wakeup")
        kid = int(self.trigger_lines()[0].split()[1].split("=")[1])
        os.kill(kid, signal.SIGKILL)
        self.inst.wait_log(r"warning: process %s pid %d killed by signal 9"
                           % (re.escape(TESTD), kid))
        wait_for(lambda: any("pid=%d " % kid not in line
                             for line in self.trigger_lines()), 5,
                 what="a wakeup served by a new process")

    def test_killed_inet_child_restarted(self):
        self.setup_instance([self.single_line()])
        self.inst.start()
        c = Client(self.port)
        kid = c.pid()
        os.kill(kid, signal.SIGKILL)
        self.assertEqual(c.recv(), "")
        c.close()
        self.inst.wait_log(r"warning: process %s pid %d killed by signal 9"
                           % (re.escape(TESTD), kid))
        c = Client(self.port)
        self.assertNotEqual(c.pid(), kid)
        c.close()

    def test_crash_in_session_is_logged(self):
        self.setup_instance([self.single_line()])
        self.inst.start()
        c = Client(self.port)
        kid = c.pid()
        c.send("crash")
        self.assertEqual(c.recv(), "")
        c.close()
        self.inst.wait_log(r"warning: process %s pid %d killed by signal 6"
                           % (re.escape(TESTD), kid))
        # It had worked: no throttling, the next client is served.
        c = Client(self.port)
        self.assertNotEqual(c.pid(), kid)
        c.close()
        self.assertNotIn("throttling", self.inst.log())

    def test_crash_loop_backs_off(self):
        self.setup_instance([
            self.wake_line("fail", " startup-fail"),
            self.wake_line("segv", " startup-crash"),
        ])
        self.inst.start()
        time.sleep(4)
        log = self.inst.log()
        fails = re.findall(r"warning: process %s pid \d+ exit status 1"
                           % re.escape(TESTD), log)
        segvs = re.findall(r"warning: process %s pid \d+ killed by "
                           r"signal 11" % re.escape(TESTD), log)
        # Spawns at about 0, 1, 3 (then 7) seconds: never a tight loop.
        self.assertGreaterEqual(len(fails), 2, log)
        self.assertLessEqual(len(fails), 5, log)
        self.assertGreaterEqual(len(segvs), 2, log)
        self.assertLessEqual(len(segvs), 5, log)
        self.assertIn("fatal: startup-fail requested", log)
        self.assertRegex(log, r"warning: %s: bad command startup -- "
                         r"throttling for 1 second\b" % re.escape(TESTD))
        self.assertRegex(log, r"throttling for 2 seconds")
        # The master itself is fine.
        self.assertEqual(self.inst.petrel("status").returncode, 0)


class ReloadTest(MasterTestCase):

    def test_reload_new_config_keeps_session(self):
        self.setup_instance([self.single_line()],
                            "myorigin = before.example\n")
        self.inst.start()
        mpid = self.inst.master_pid()
        inode = listen_inode(self.port)
        self.assertIsNotNone(inode)
        old = Client(self.port)
        old_pid = old.pid()
        self.assertEqual(old.ask("param myorigin"),
                         "myorigin=before.example")
        old.send("sleep 3")
        self.inst.write_main("myorigin = after.example\n")
        r = self.inst.petrel("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.inst.wait_log(r"master\[%d\]: reload -- version \S+, "
                           r"configuration %s" % (mpid, self.inst.etc))
        # Same listening socket: no gap in service.
        self.assertEqual(listen_inode(self.port), inode)
        new = Client(self.port)
        self.assertNotEqual(new.pid(), old_pid)
        self.assertEqual(new.ask("param myorigin"), "myorigin=after.example")
        new.close()
        # The old session was not cut; its process exits afterwards.
        self.assertEqual(old.recv(), "done")
        self.assertEqual(old.ask("param myorigin"),
                         "myorigin=before.example")
        self.assertEqual(old.ask("quit"), "bye")
        old.close()
        wait_for(lambda: not pid_alive(old_pid), 5,
                 what="the old child to exit")
        self.assertNotIn("pid %d exit status" % old_pid, self.inst.log())

    def test_reload_broken_main_cf_keeps_running(self):
        self.setup_instance([self.single_line()],
                            "myorigin = good.example\n")
        self.inst.start()
        mpid = self.inst.master_pid()
        self.inst.write_main("myorigin = bad.example\nmax_idle = never\n")
        main_cf = os.path.join(self.inst.etc, "main.cf")
        r = self.inst.petrel("reload")
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:9: max_idle" % main_cf, r.stderr)
        # A SIGHUP behind petrel's back: the master checks too.
        os.kill(mpid, signal.SIGHUP)
        self.inst.wait_log(r"reload failed -- keeping the running "
                           r"configuration")
        self.assertIn("error: %s:9: max_idle: bad time" % main_cf,
                      self.inst.log())
        self.assertTrue(pid_alive(mpid))
        # The daemons started after the failed reload read main.cf
        # themselves; they refuse a broken one, so fix it and reload.
        self.inst.write_main("myorigin = fixed.example\n")
        self.assertEqual(self.inst.petrel("reload").returncode, 0)
        self.inst.wait_log(r"reload -- version")
        wait_for(lambda: children_of(mpid) == [], 5, what="old children")
        c = Client(self.port)
        self.assertEqual(c.ask("param myorigin"), "myorigin=fixed.example")
        c.close()

    def test_reload_broken_master_cf_keeps_services(self):
        self.setup_instance([self.single_line()])
        self.inst.start()
        mpid = self.inst.master_pid()
        self.inst.write_master([self.single_line(), "oops"])
        os.kill(mpid, signal.SIGHUP)
        self.inst.wait_log(r"reload failed")
        self.assertIn("master.cf:3: too few fields", self.inst.log())
        c = Client(self.port)
        self.assertTrue(c.pid() > 0)
        c.close()

    def test_reload_adds_and_removes_services(self):
        other = free_port()
        keep = "127.0.0.1:%d inet n - n - - TESTD single" % self.port
        gone = "127.0.0.1:%d inet n - n - - TESTD single" % other
        self.setup_instance([keep, gone])
        self.inst.start()
        c = Client(other)
        c.pid()
        c.close()
        inode = listen_inode(self.port)
        added = free_port()
        self.inst.write_master([
            keep, "127.0.0.1:%d inet n - n - - TESTD single" % added])
        self.assertEqual(self.inst.petrel("reload").returncode, 0)
        self.inst.wait_log(r"reload -- version")
        self.assertEqual(listen_inode(self.port), inode)
        wait_for(lambda: listen_inode(other) is None, 5,
                 what="the removed service's socket to close")
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", other), timeout=2)
        c = Client(added)
        self.assertTrue(c.pid() > 0)
        c.close()
        self.assertIn("service 127.0.0.1:%d/inet removed" % other,
                      self.inst.log())


class PrivilegeTest(MasterTestCase):

    def test_solitary_needs_process_limit_1(self):
        self.setup_instance([
            "one unix - - n 1 1 TESTD trigger solitary log=%s"
            % self.inst.path("one.log"),
            "two unix - - n 1 2 TESTD trigger solitary log=%s"
            % self.inst.path("two.log")])
        self.inst.start()
        wait_for(lambda: self.trigger_lines("one"), 5, what="a wakeup")
        self.inst.wait_log(r"fatal: service two requires a process limit "
                           r"of 1 in master.cf")
        self.assertEqual(self.trigger_lines("two"), [])

    def test_chroot(self):
        jailed = free_port()
        self.setup_instance([
            self.single_line(),
            "127.0.0.1:%d inet n - y - - TESTD single" % jailed])
        self.inst.start()
        c = Client(jailed)
        kid = c.pid()
        self.assertEqual(c.ask("param myorigin")[:9], "myorigin=")
        if IS_ROOT:
            self.assertEqual(os.readlink("/proc/%d/root" % kid),
                             self.inst.queue)
            self.assertEqual(c.ask("setuid0"), "setuid0=failed")
        else:
            self.assertRegex(self.inst.log(), r"\[%d\]: warning: not "
                             r"running as root: skipping privilege drop"
                             % kid)
        c.close()
        plain = Client(self.port)
        self.assertEqual(os.readlink("/proc/%d/root" % plain.pid()), "/")
        plain.close()

    def test_privileges(self):
        self.setup_instance([self.single_line(), self.wake_line()])
        self.inst.start()
        mpid = self.inst.master_pid()
        c = Client(self.port)
        kid = c.pid()
        wait_for(lambda: self.trigger_lines(), 5, what="a wakeup")
        wake = int(self.trigger_lines()[0].split()[1].split("=")[1])
        me = os.geteuid()
        if IS_ROOT:
            import pwd
            pw = pwd.getpwnam("petrel")
            self.assertEqual(proc_status(mpid)["Uid"].split(),
                             ["0"] * 4)
            for pid in (kid, wake):
                st = proc_status(pid)
                self.assertEqual(st["Uid"].split(), [str(pw.pw_uid)] * 4)
                self.assertEqual(st["Gid"].split(), [str(pw.pw_gid)] * 4)
                self.assertEqual(st["Groups"].split(), [str(pw.pw_gid)])
            self.assertEqual(c.ask("setuid0"), "setuid0=failed")
            self.assertNotIn("skipping privilege drop", self.inst.log())
        else:
            self.assertEqual(proc_status(kid)["Uid"].split()[0], str(me))
            c.ask("pid")      # a second request: no second warning
            c.close()
            c = Client(self.port)
            c.pid()
            log = self.inst.log()
            for pid in (kid, wake):
                self.assertEqual(len(re.findall(
                    r"\[%d\]: warning: not running as root: skipping "
                    r"privilege drop to user petrel" % pid, log)), 1, log)
        c.close()


if __name__ == "__main__":
    unittest.main()
