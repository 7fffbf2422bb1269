"""Fake network peers for Petrel's delivery tests: a DNS server and an
SMTP/LMTP sink.  Python standard library only; everything on loopback.

FakeDNS(zones, ttl=300)
    An authoritative-looking DNS server on 127.0.0.1 (UDP and TCP, the same
    free port).  zones maps a name to a list of records or to one of the
    strings "NXDOMAIN", "SERVFAIL", "REFUSED" or "DROP" (never answer):

        {"example.org": [("MX", 10, "mx1.example.org"),
                         ("MX", 0, ".")],              # null MX
         "mx1.example.org": [("A", "127.0.0.1"), ("AAAA", "::1")],
         "alias.example.org": [("CNAME", "mx1.example.org")],
         "t.example.org": [("TXT", "v=spf1 -all")],
         "_25._tcp.mx1.example.org": [("TLSA", 3, 1, 1, "ab12...")],
         "broken.example.org": "SERVFAIL"}

    Other record shapes: ("NS", host), ("PTR", host), ("SRV", prio, weight,
    port, host).  A record may end with an int TTL tuple item via the
    form ("A", "1.2.3.4", {"ttl": 5}).  Unknown names answer NXDOMAIN; a
    known name without the asked type answers NOERROR with no answer and an
    SOA in the authority section (NODATA).  CNAMEs are followed inside the
    zones.  EDNS OPT in a query is answered with an OPT (DO bit clear).
    UDP answers larger than the client's limit are truncated (TC) so the
    client retries over TCP.  zones may be changed while running.

    .port, .address ("127.0.0.1@PORT", for dns_resolver_address),
    .queries (collections.Counter of lower-case names without the final
    dot), .log (list of (name, type-name, "udp"|"tcp")), .stop().

SmtpSink(port=0, host="127.0.0.1", lmtp=False, unix_path=None,
         greeting="220 sink ESMTP", ehlo=[...], starttls=None,
         mail_reply=None, rcpt_reply=None, data_reply=None, ...)
    A scriptable SMTP (or LMTP, lmtp=True) server on host:port or on a
    UNIX-domain socket (unix_path).  Hooks mail_reply(session, arg),
    rcpt_reply(session, arg) and data_reply(session, arg) return None (the
    default 250 reply) or a full reply "450 4.2.0 try later" (several
    lines joined with "\\n" become a multi-line reply), or SmtpSink.DROP to
    close the connection without a reply.  For MAIL and RCPT arg is the
    text after the colon ("<a@b> SIZE=10"); for DATA it is the message
    (bytes, unstuffed).  In LMTP mode data_reply is called once per
    accepted recipient with session.current_rcpt set.  starttls =
    (certfile, keyfile) offers STARTTLS (make_cert() makes a pair).

    .messages: list of Message (mail_from, mail_params, rcpts,
    rcpt_params, data, tls, helo, peer, lmtp, replies); a message is
    recorded when its DATA (or last BDAT) got a 2xx reply, with the
    recipients that were accepted (in LMTP: those whose data reply was
    2xx).  .connections (count), .sessions (list of Session, each with a
    .transcript of (direction, line) pairs), .wait_messages(n, timeout),
    .port, .address ("127.0.0.1:PORT"), .stop().

make_cert(dirname, cn="mx1.example.org") -> (certfile, keyfile)
    A self-signed certificate made with the openssl command.
"""

import collections
import ipaddress
import os
import selectors
import socket
import ssl
import struct
import subprocess
import threading
import time

__all__ = ["FakeDNS", "SmtpSink", "Message", "make_cert", "dns_query"]

# ---------------------------------------------------------------- DNS

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41, "TLSA": 52,
         "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3,
          "NOTIMP": 4, "REFUSED": 5}


def norm(name):
    """norm - a DNS name in lower case without the final dot."""
    name = name.lower()
    return name[:-1] if name.endswith(".") and name != "." else name


def encode_name(name):
    """encode_name - a name in wire format (no compression)."""
    name = norm(name)
    if name in ("", "."):
        return b"\x00"
    out = b""
    for label in name.split("."):
        raw = label.encode("idna") if not label.isascii() else label.encode()
        if not 0 < len(raw) < 64:
            raise ValueError("bad label in %r" % name)
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def decode_name(msg, off):
    """decode_name - (name, next offset); follows compression pointers."""
    labels = []
    end = None
    jumps = 0
    while True:
        if off >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise ValueError("truncated pointer")
            if end is None:
                end = off + 2
            jumps += 1
            if jumps > 32:
                raise ValueError("pointer loop")
            off = ((n & 0x3F) << 8) | msg[off + 1]
            continue
        if n & 0xC0:
            raise ValueError("bad label type")
        off += 1
        if n == 0:
            break
        if off + n > len(msg):
            raise ValueError("label runs past the message")
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    return (".".join(labels) or "."), (end if end is not None else off)


def _rdata(rtype, fields):
    """_rdata - wire rdata for one record of the zones table."""
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, fields[0])
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, fields[0])
    if rtype in ("CNAME", "NS", "PTR"):
        return encode_name(fields[0])
    if rtype == "MX":
        return struct.pack("!H", int(fields[0])) + encode_name(fields[1])
    if rtype == "TXT":
        out = b""
        for s in fields:
            raw = s.encode() if isinstance(s, str) else bytes(s)
            for i in range(0, max(len(raw), 1), 255):
                part = raw[i:i + 255]
                out += bytes([len(part)]) + part
        return out
    if rtype == "SRV":
        return struct.pack("!HHH", *map(int, fields[:3])) + \
            encode_name(fields[3])
    if rtype == "TLSA":
        data = fields[3]
        if isinstance(data, str):
            data = bytes.fromhex(data)
        return struct.pack("!BBB", *map(int, fields[:3])) + data
    if rtype == "SOA":
        return (encode_name(fields[0]) + encode_name(fields[1]) +
                struct.pack("!IIIII", *map(int, fields[2:7])))
    raise ValueError("unsupported record type %r" % rtype)


def _rr(name, rtype, ttl, rdata):
    return (encode_name(name) + struct.pack("!HHIH", TYPES[rtype], 1, ttl,
                                            len(rdata)) + rdata)


def _split_record(rec, default_ttl):
    """_split_record - (type, fields, ttl) of one zones-table record."""
    rtype = rec[0].upper()
    fields = list(rec[1:])
    ttl = default_ttl
    if fields and isinstance(fields[-1], dict):
        ttl = int(fields.pop().get("ttl", default_ttl))
    return rtype, fields, ttl


class FakeDNS:
    """A DNS server for tests; see the module documentation."""

    def __init__(self, zones=None, ttl=300, host="127.0.0.1"):
        self.zones = zones if zones is not None else {}
        self.ttl = ttl
        self.queries = collections.Counter()
        self.log = []
        self.lock = threading.Lock()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # One port number for both: retry until UDP and TCP agree.
        for _ in range(100):
            self.udp.bind((host, 0))
            port = self.udp.getsockname()[1]
            try:
                self.tcp.bind((host, port))
                break
            except OSError:
                self.udp.close()
                self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        else:
            raise RuntimeError("FakeDNS: no free port for UDP and TCP")
        self.host = host
        self.port = port
        self.address = "%s@%d" % (host, port)
        self.tcp.listen(16)
        self.running = True
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.udp, selectors.EVENT_READ, "udp")
        self.sel.register(self.tcp, selectors.EVENT_READ, "tcp")
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    # -- lifecycle

    def stop(self):
        """stop - close the sockets and end the server thread."""
        if not self.running:
            return
        self.running = False
        self.thread.join(2)
        self.sel.close()
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def reset_counts(self):
        with self.lock:
            self.queries.clear()
            del self.log[:]

    # -- network

    def _loop(self):
        while self.running:
            for key, _ in self.sel.select(0.1):
                try:
                    if key.data == "udp":
                        self._udp_one()
                    else:
                        conn, _ = self.tcp.accept()
                        threading.Thread(target=self._tcp_conn, args=(conn,),
                                         daemon=True).start()
                except OSError:
                    pass

    def _udp_one(self):
        data, peer = self.udp.recvfrom(65535)
        reply = self.answer(data, "udp")
        if reply is not None:
            self.udp.sendto(reply, peer)

    def _tcp_conn(self, conn):
        conn.settimeout(10)
        try:
            while self.running:
                head = _recv_exact(conn, 2)
                if head is None:
                    return
                (n,) = struct.unpack("!H", head)
                data = _recv_exact(conn, n)
                if data is None:
                    return
                reply = self.answer(data, "tcp")
                if reply is None:
                    return
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            pass
        finally:
            conn.close()

    # -- protocol

    def answer(self, msg, proto="udp"):
        """answer - the reply to one query message, or None for no reply."""
        if len(msg) < 12:
            return None
        qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
        if flags & 0x8000:
            return None                     # a response: ignore
        opcode = (flags >> 11) & 0xF
        rd = flags & 0x0100
        try:
            if qd != 1:
                raise ValueError("qdcount %d" % qd)
            qname, off = decode_name(msg, 12)
            if off + 4 > len(msg):
                raise ValueError("short question")
            qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
            question = msg[12:off + 4] if msg[12] & 0xC0 == 0 else \
                encode_name(qname) + msg[off:off + 4]
            off += 4
            edns = self._find_opt(msg, off, an + ns, ar)
        except (ValueError, struct.error, IndexError):
            return struct.pack("!HHHHHH", qid, 0x8000 | rd | 1, 0, 0, 0, 0)
        key = norm(qname)
        tname = TYPE_NAMES.get(qtype, str(qtype))
        with self.lock:
            self.queries[key] += 1
            self.log.append((key, tname, proto))
        if opcode != 0 or qclass not in (1, 255):
            return self._reply(qid, rd, RCODES["NOTIMP"], question, [], [],
                               edns, proto)
        rcode, answers, authority = self.lookup(key, qtype)
        if rcode is None:
            return None                     # "DROP"
        return self._reply(qid, rd, rcode, question, answers, authority,
                           edns, proto)

    def _find_opt(self, msg, off, skip, ar):
        """_find_opt - the client's EDNS UDP size, or None without OPT."""
        for i in range(skip + ar):
            _, off = decode_name(msg, off)
            rtype, rclass, _, rdlen = struct.unpack("!HHIH",
                                                    msg[off:off + 10])
            off += 10 + rdlen
            if i >= skip and rtype == TYPES["OPT"]:
                return max(512, rclass)
        return None

    def lookup(self, key, qtype):
        """lookup - (rcode, answer RRs, authority RRs) for a question.

        rcode None means: send no reply at all."""
        zones = {norm(k): v for k, v in list(self.zones.items())}
        answers = []
        seen = set()
        name = key
        while True:
            entry = zones.get(name)
            if entry is None or isinstance(entry, str):
                what = entry or "NXDOMAIN"
                if what == "DROP":
                    return None, [], []
                if what not in RCODES:
                    raise ValueError("FakeDNS: bad zone entry %r" % what)
                if answers and what == "NXDOMAIN":
                    # A CNAME into nothing: the CNAME answer, NXDOMAIN.
                    return RCODES["NXDOMAIN"], answers, [self._soa(name)]
                auth = [self._soa(name)] if what == "NXDOMAIN" else []
                return RCODES[what], answers, auth
            recs = [_split_record(r, self.ttl) for r in entry]
            want = [r for r in recs
                    if qtype == TYPES["ANY"] or TYPES.get(r[0]) == qtype]
            if want:
                for rtype, fields, ttl in want:
                    answers.append(_rr(name, rtype, ttl,
                                       _rdata(rtype, fields)))
                return RCODES["NOERROR"], answers, []
            cname = [r for r in recs if r[0] == "CNAME"]
            if cname and qtype != TYPES["CNAME"] and name not in seen:
                seen.add(name)
                _, fields, ttl = cname[0]
                answers.append(_rr(name, "CNAME", ttl,
                                   _rdata("CNAME", fields)))
                name = norm(fields[0])
                continue
            return RCODES["NOERROR"], answers, [self._soa(name)]

    def _soa(self, name):
        labels = name.split(".")
        zone = ".".join(labels[-2:]) if len(labels) >= 2 else name
        return _rr(zone, "SOA", self.ttl,
                   _rdata("SOA", ["ns.fake.test", "hostmaster.fake.test",
                                  1, 3600, 600, 86400, self.ttl]))

    def _reply(self, qid, rd, rcode, question, answers, authority, edns,
               proto):
        flags = 0x8000 | 0x0400 | rd | 0x0080 | rcode   # QR AA RD RA
        opt = b""
        if edns is not None:
            opt = b"\x00" + struct.pack("!HHIH", TYPES["OPT"], 4096, 0, 0)
        body = question + b"".join(answers) + b"".join(authority) + opt
        head = struct.pack("!HHHHHH", qid, flags, 1, len(answers),
                           len(authority), 1 if opt else 0)
        limit = 65535 if proto == "tcp" else (edns or 512)
        if len(head) + len(body) > limit:
            head = struct.pack("!HHHHHH", qid, flags | 0x0200, 1, 0, 0,
                               1 if opt else 0)
            body = question + opt
        return head + body


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def dns_query(port, name, qtype="A", host="127.0.0.1", tcp=False, edns=True,
              qid=0x1234, timeout=3.0):
    """dns_query - ask a server one question by hand.

    Returns a dict: rcode, flags, answers (list of (name, type, ttl,
    rdata-bytes)), authority (same), additional count."""
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    q += encode_name(name) + struct.pack("!HH", TYPES[qtype], 1)
    if edns:
        q += b"\x00" + struct.pack("!HHIH", TYPES["OPT"], 1232, 0x8000, 0)
    if tcp:
        with socket.create_connection((host, port), timeout) as s:
            s.sendall(struct.pack("!H", len(q)) + q)
            (n,) = struct.unpack("!H", _recv_exact(s, 2))
            msg = _recv_exact(s, n)
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(q, (host, port))
            msg, _ = s.recvfrom(65535)
    rid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    if rid != qid:
        raise ValueError("id mismatch")
    off = 12
    for _ in range(qd):
        _, off = decode_name(msg, off)
        off += 4

    def rrs(count, off):
        out = []
        for _ in range(count):
            rname, off = decode_name(msg, off)
            rtype, _, ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            off += 10
            out.append((norm(rname), TYPE_NAMES.get(rtype, rtype), ttl,
                        msg[off:off + rdlen], off))
            off += rdlen
        return out, off
    answers, off = rrs(an, off)
    authority, off = rrs(ns, off)
    strip = lambda l: [r[:4] for r in l]                    # noqa: E731
    out = {"rcode": flags & 0xF, "flags": flags,
           "answers": strip(answers), "authority": strip(authority),
           "additional": ar, "msg": msg}
    # Readable forms of common answer types.
    out["values"] = []
    for rname, rtype, _, rdata, roff in answers:
        if rtype == "A":
            out["values"].append(str(ipaddress.IPv4Address(rdata)))
        elif rtype == "AAAA":
            out["values"].append(str(ipaddress.IPv6Address(rdata)))
        elif rtype == "MX":
            out["values"].append((struct.unpack("!H", rdata[:2])[0],
                                  norm(decode_name(msg, roff + 2)[0])))
        elif rtype == "CNAME":
            out["values"].append(norm(decode_name(msg, roff)[0]))
        else:
            out["values"].append(rdata)
    return out


# ---------------------------------------------------------------- SMTP

MAX_LINE = 65536
MAX_DATA = 64 * 1024 * 1024


class Message:
    """One accepted message as the sink received it."""

    def __init__(self, session):
        self.mail_from = session.mail_from          # address, no <>
        self.mail_params = dict(session.mail_params)
        self.mail_arg = session.mail_arg            # text after "FROM:"
        self.rcpts = []                             # addresses, no <>
        self.rcpt_params = []                       # dicts, same order
        self.rcpt_args = []
        self.data = b""                             # unstuffed, CRLF as sent
        self.tls = session.tls
        self.helo = session.helo
        self.peer = session.peer
        self.lmtp = session.sink.lmtp
        self.replies = []                           # replies to the data
        self.time = time.time()

    def header(self, name):
        """header - the first value of a header (unfolded), or None."""
        head = self.data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        lines = head.replace("\r\n", "\n").split("\n")
        for i, line in enumerate(lines):
            k, sep, v = line.partition(":")
            if sep and k.strip().lower() == name.lower():
                parts = [v.strip()]
                for cont in lines[i + 1:]:
                    if cont[:1] in (" ", "\t"):
                        parts.append(cont.strip())
                    else:
                        break
                return " ".join(parts)
        return None

    def __repr__(self):
        return "<Message from=%r rcpts=%r %d bytes%s>" % (
            self.mail_from, self.rcpts, len(self.data),
            " tls" if self.tls else "")


def parse_path(arg):
    """parse_path - ("address", {PARAM: value}) from "<a@b> K=V ..."."""
    arg = arg.strip()
    if arg.startswith("<"):
        end = arg.find(">")
        if end < 0:
            raise ValueError("no closing >")
        addr, rest = arg[1:end], arg[end + 1:]
    else:
        addr, _, rest = arg.partition(" ")
    if ":" in addr and addr.startswith("@"):        # source route
        addr = addr.split(":", 1)[1]
    params = {}
    for word in rest.split():
        k, sep, v = word.partition("=")
        params[k.upper()] = v if sep else True
    return addr, params


class Session:
    """State of one client connection (passed to the reply hooks)."""

    def __init__(self, sink, sock, peer):
        self.sink = sink
        self.sock = sock
        self.peer = peer
        self.buf = b""
        self.tls = False
        self.helo = None
        self.esmtp = False
        self.transcript = []
        self.starttls_injection = False
        self.current_rcpt = None
        self.reset()

    def reset(self):
        self.mail_from = None
        self.mail_params = {}
        self.mail_arg = None
        self.rcpts = []
        self.rcpt_params = []
        self.rcpt_args = []
        self.chunks = []
        self.bdat_failed = False

    # -- I/O

    def readline(self):
        """readline - one line incl. its LF; None at EOF."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            if len(self.buf) > MAX_LINE:
                line, self.buf = self.buf, b""
                return line
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data

    def read_exact(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, reply):
        """send - a reply; multi-line when it holds newlines."""
        lines = [l for l in reply.replace("\r\n", "\n").split("\n") if l]
        code = lines[0][:3]
        out = []
        for i, line in enumerate(lines):
            text = line[4:] if line[:3] == code and len(line) >= 4 else line
            sep = " " if i == len(lines) - 1 else "-"
            out.append("%s%s%s\r\n" % (code, sep, text))
        self.transcript.append(("S", "".join(out)))
        self.sock.sendall("".join(out).encode("utf-8"))


class _Drop(Exception):
    pass


class SmtpSink:
    """A scriptable SMTP/LMTP server; see the module documentation."""

    DROP = "__DROP__"

    def __init__(self, port=0, host="127.0.0.1", lmtp=False, unix_path=None,
                 greeting="220 sink ESMTP",
                 ehlo=("PIPELINING", "SIZE 10240000", "8BITMIME",
                       "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES"),
                 starttls=None, mail_reply=None, rcpt_reply=None,
                 data_reply=None, helo_reply=None, chunking=False,
                 hostname="sink.example.test", timeout=60):
        self.lmtp = lmtp
        self.greeting = greeting
        self.ehlo = list(ehlo)
        if chunking and "CHUNKING" not in self.ehlo:
            self.ehlo.append("CHUNKING")
        self.hostname = hostname
        self.mail_reply = mail_reply
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.helo_reply = helo_reply
        self.timeout = timeout
        self.tls_context = None
        if starttls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(starttls[0], starttls[1])
            self.tls_context = ctx
        self.messages = []
        self.sessions = []
        self.connections = 0
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.unix_path = unix_path
        if unix_path:
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                os.unlink(unix_path)
            except FileNotFoundError:
                pass
            self.listener.bind(unix_path)
            os.chmod(unix_path, 0o666)
            self.port = None
            self.address = unix_path
        else:
            self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.listener.bind((host, port))
            self.port = self.listener.getsockname()[1]
            self.address = "%s:%d" % (host, self.port)
        self.host = host
        self.listener.listen(128)
        self.listener.settimeout(0.1)
        self.running = True
        self.open = set()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    # -- lifecycle

    def stop(self):
        """stop - stop listening and close every open connection."""
        if not self.running:
            return
        self.running = False
        self.thread.join(2)
        self.listener.close()
        with self.lock:
            socks = list(self.open)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        if self.unix_path:
            try:
                os.unlink(self.unix_path)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def wait_messages(self, n, timeout=10.0):
        """wait_messages - wait until n messages are in; return them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("SmtpSink: %d of %d messages after "
                                         "%.1fs" % (len(self.messages), n,
                                                    timeout))
                self.cond.wait(left)
            return list(self.messages)

    def wait_connections(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.connections < n:
            if time.monotonic() > deadline:
                raise AssertionError("SmtpSink: %d of %d connections"
                                     % (self.connections, n))
            time.sleep(0.02)

    # -- server

    def _accept_loop(self):
        while self.running:
            try:
                sock, peer = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.open.add(sock)
            threading.Thread(target=self._serve, args=(sock, peer),
                             daemon=True).start()

    def _serve(self, sock, peer):
        sock.settimeout(self.timeout)
        sess = Session(self, sock, peer)
        with self.lock:
            self.sessions.append(sess)
        try:
            sess.send(self.greeting)
            while self.running:
                line = sess.readline()
                if line is None:
                    break
                sess.transcript.append(("C", line))
                if not self._command(sess, line):
                    break
        except (_Drop, OSError, ssl.SSLError):
            pass
        finally:
            with self.lock:
                self.open.discard(sess.sock)
            try:
                sess.sock.close()
            except OSError:
                pass

    def _hook(self, sess, hook, arg, default):
        reply = hook(sess, arg) if hook else None
        if reply == self.DROP:
            raise _Drop()
        reply = reply or default
        sess.send(reply)
        return reply

    def _command(self, sess, raw):
        """_command - handle one command line; False ends the session."""
        line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        hello = "LHLO" if self.lmtp else None
        if verb in ("EHLO", "HELO", "LHLO"):
            if (verb == "LHLO") != bool(self.lmtp):
                sess.send("500 5.5.1 use %s" % (hello or "EHLO or HELO"))
                return True
            sess.reset()
            sess.helo = arg.strip()
            sess.esmtp = verb != "HELO"
            if self.helo_reply:
                r = self.helo_reply(sess, arg)
                if r == self.DROP:
                    raise _Drop()
                if r:
                    sess.send(r)
                    return True
            if verb == "HELO":
                sess.send("250 %s" % self.hostname)
                return True
            ext = list(self.ehlo)
            if self.tls_context and not sess.tls:
                ext.append("STARTTLS")
            sess.send("\n".join(["250 " + self.hostname] +
                                ["250 " + e for e in ext]))
        elif verb == "STARTTLS":
            if not self.tls_context or sess.tls:
                sess.send("502 5.5.1 no STARTTLS here")
                return True
            if sess.buf:
                sess.starttls_injection = True
                sess.buf = b""
            sess.send("220 2.0.0 go ahead")
            sess.sock = self.tls_context.wrap_socket(sess.sock,
                                                     server_side=True)
            with self.lock:
                self.open.add(sess.sock)
            sess.tls = True
            sess.helo = None
            sess.reset()
        elif verb == "MAIL":
            if not line[5:].upper().startswith("FROM:"):
                sess.send("501 5.5.4 syntax: MAIL FROM:<address>")
            elif sess.helo is None:
                sess.send("503 5.5.1 send %s first" % (hello or "EHLO"))
            elif sess.mail_from is not None:
                sess.send("503 5.5.1 nested MAIL command")
            else:
                arg = line[10:]
                try:
                    addr, params = parse_path(arg)
                except ValueError:
                    sess.send("501 5.1.7 bad sender address syntax")
                    return True
                r = self._hook(sess, self.mail_reply, arg, "250 2.1.0 ok")
                if r.startswith("2"):
                    sess.mail_from, sess.mail_params = addr, params
                    sess.mail_arg = arg
        elif verb == "RCPT":
            if not line[5:].upper().startswith("TO:"):
                sess.send("501 5.5.4 syntax: RCPT TO:<address>")
            elif sess.mail_from is None:
                sess.send("503 5.5.1 need MAIL first")
            else:
                arg = line[8:]
                try:
                    addr, params = parse_path(arg)
                except ValueError:
                    sess.send("501 5.1.3 bad recipient address syntax")
                    return True
                r = self._hook(sess, self.rcpt_reply, arg, "250 2.1.5 ok")
                if r.startswith("2"):
                    sess.rcpts.append(addr)
                    sess.rcpt_params.append(params)
                    sess.rcpt_args.append(arg)
        elif verb == "DATA":
            if sess.mail_from is None or not sess.rcpts:
                sess.send("503 5.5.1 need %s first"
                          % ("MAIL" if sess.mail_from is None else "RCPT"))
                return True
            sess.send("354 end data with <CR><LF>.<CR><LF>")
            data = self._read_data(sess)
            if data is None:
                return False
            self._finish(sess, data)
        elif verb == "BDAT":
            return self._bdat(sess, arg)
        elif verb == "RSET":
            sess.reset()
            sess.send("250 2.0.0 ok")
        elif verb == "NOOP":
            sess.send("250 2.0.0 ok")
        elif verb == "VRFY":
            sess.send("252 2.0.0 maybe")
        elif verb == "QUIT":
            sess.send("221 2.0.0 bye")
            return False
        else:
            sess.send("500 5.5.2 command not recognized")
        return True

    def _read_data(self, sess):
        """_read_data - message lines up to ".", unstuffed; None at EOF."""
        parts = []
        size = 0
        while True:
            line = sess.readline()
            if line is None:
                return None
            if line == b".\r\n":
                return b"".join(parts)
            if line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size <= MAX_DATA:
                parts.append(line)

    def _bdat(self, sess, arg):
        words = arg.split()
        if not words or not words[0].isdigit() or len(words) > 2 or \
                (len(words) == 2 and words[1].upper() != "LAST"):
            sess.send("501 5.5.4 syntax: BDAT size [LAST]")
            return False        # the stream is out of sync now
        n = int(words[0])
        if n > MAX_DATA:
            sess.send("552 5.3.4 chunk too big")
            return False
        chunk = sess.read_exact(n)
        if chunk is None:
            return False
        last = len(words) == 2
        if sess.mail_from is None or not sess.rcpts:
            sess.send("503 5.5.1 need MAIL and RCPT first")
            return True
        sess.chunks.append(chunk)
        if not last:
            sess.send("250 2.0.0 %d octets received" % n)
            return True
        self._finish(sess, b"".join(sess.chunks))
        return True

    def _finish(self, sess, data):
        """_finish - reply to the end of a message and record it."""
        msg = Message(sess)
        msg.data = data
        if self.lmtp:
            for addr, params, rarg in zip(sess.rcpts, sess.rcpt_params,
                                          sess.rcpt_args):
                sess.current_rcpt = addr
                r = self._hook(sess, self.data_reply, data,
                               "250 2.0.0 <%s> delivered" % addr)
                msg.replies.append(r)
                if r.startswith("2"):
                    msg.rcpts.append(addr)
                    msg.rcpt_params.append(params)
                    msg.rcpt_args.append(rarg)
            sess.current_rcpt = None
        else:
            r = self._hook(sess, self.data_reply, data, "250 2.0.0 queued")
            msg.replies.append(r)
            if r.startswith("2"):
                msg.rcpts = list(sess.rcpts)
                msg.rcpt_params = list(sess.rcpt_params)
                msg.rcpt_args = list(sess.rcpt_args)
        if msg.rcpts:
            with self.cond:
                self.messages.append(msg)
                self.cond.notify_all()
        sess.reset()


def make_cert(dirname, cn="mx1.example.org"):
    """make_cert - a self-signed certificate and key in dirname."""
    cert = os.path.join(dirname, "sink-cert.pem")
    key = os.path.join(dirname, "sink-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=DNS:" + cn],
                   check=True, capture_output=True)
    return cert, key
