"""Private peer instances for side-by-side benchmarks.

Postfix runs as a private instance (postfix -c DIR) on a loopback high
port, never the system-wide one; see ../shared/PEERS.md.  Everything binds
127.0.0.1 only.
"""

import os
import re
import shutil
import socket
import subprocess
import time

STOCK_MASTER_CF = "/etc/postfix/master.cf"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


def need_root():
    if os.geteuid() != 0:
        raise SystemExit("benchmarks run the peers as private instances and "
                         "need root (they are started the way Postfix runs)")


class Postfix:
    """A private Postfix instance in DIR listening on 127.0.0.1:port."""

    def __init__(self, base, port, mode="hold", sink_port=None):
        need_root()
        self.base = base
        self.port = port
        self.conf = os.path.join(base, "conf")
        self.queue = os.path.join(base, "queue")
        self.data = os.path.join(base, "data")
        self.maillog = os.path.join(base, "maillog")
        os.makedirs(base, exist_ok=True)
        os.chmod(base, 0o755)
        for d in (self.conf, self.queue, self.data):
            os.makedirs(d, exist_ok=True)
        subprocess.run(["chown", "postfix", self.data], check=True)
        self.write_main_cf(mode, sink_port)
        self.write_master_cf()

    def write_main_cf(self, mode, sink_port):
        lines = [
            "compatibility_level = 3.6",
            "queue_directory = %s" % self.queue,
            "data_directory = %s" % self.data,
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "mydestination =",
            "myhostname = postfix-bench.example.test",
            "smtpd_peername_lookup = no",
            "smtp_dns_support_level = disabled",
            "smtpd_tls_security_level = none",
            "smtp_tls_security_level = none",
            "maillog_file = %s" % self.maillog,
            "maillog_file_prefixes = %s" % self.base,
            "alias_maps =",
            "alias_database =",
            "biff = no",
        ]
        if mode == "hold":
            lines.append("smtpd_recipient_restrictions = check_client_access "
                         "inline:{127.0.0.1=HOLD}, permit_mynetworks, reject")
        elif mode == "relay":
            lines.append("relayhost = [127.0.0.1]:%d" % sink_port)
        elif mode == "maildir":
            mb = os.path.join(self.base, "mail")
            os.makedirs(mb, exist_ok=True)
            subprocess.run(["chown", "nobody:nogroup", mb], check=True)
            lines += [
                "virtual_mailbox_domains = example.test",
                "virtual_mailbox_base = %s" % mb,
                "virtual_mailbox_maps = inline:{user@example.test=user/Maildir/}",
                "virtual_uid_maps = static:65534",
                "virtual_gid_maps = static:65534",
            ]
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def write_master_cf(self):
        out = []
        with open(STOCK_MASTER_CF) as f:
            for line in f:
                if re.match(r"^smtp\s+inet\s", line):
                    line = "127.0.0.1:%d inet n - n - - smtpd\n" % self.port
                elif re.match(r"^\w[\w-]*\s+(unix|inet|fifo|pass|unix-dgram)\s",
                              line):
                    f5 = line.split()
                    # Column 5 is chroot: run everything unchrooted.
                    if len(f5) >= 8 and f5[4] in ("y", "-"):
                        f5[4] = "n"
                        line = " ".join(f5) + "\n"
                out.append(line)
        if not any(l.startswith("postlog") for l in out):
            out.append("postlog unix-dgram n - n - 1 postlogd\n")
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write("".join(out))

    def postfix(self, *args):
        return subprocess.run(["postfix", "-c", self.conf] + list(args),
                              capture_output=True, text=True)

    def start(self):
        r = self.postfix("start")
        if r.returncode != 0:
            raise RuntimeError("postfix start: " + r.stdout + r.stderr)
        wait_port(self.port)

    def stop(self):
        self.postfix("stop")
        pidfile = os.path.join(self.queue, "pid", "master.pid")
        deadline = time.monotonic() + 10
        while os.path.exists(pidfile) and time.monotonic() < deadline:
            time.sleep(0.1)

    def queued(self, subdir="hold"):
        n = 0
        for _, _, files in os.walk(os.path.join(self.queue, subdir)):
            n += len(files)
        return n

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
