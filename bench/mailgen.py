"""bench/mailgen.py: a deterministic corpus of realistic messages.

make_message(rng, i) returns message number i as bytes (LF line ends,
as a Maildir holds them): 2 to 50 KB, a mix of plain text (some of it
8-bit UTF-8 or quoted-printable), multipart/alternative (text and
HTML), multipart/mixed with base64 attachments (some nested inside an
alternative part), a forwarded message/rfc822; Received chains,
Cc lists, References and In-Reply-To, List-Id, encoded-word subjects,
long folded headers, and now and then an 8-bit header.

About 1% of the subjects carry SUBJECT_WORD and about 1% of the
bodies BODY_WORD (never a subject), for SEARCH.  The same seed gives
the same bytes.  make_maildir() delivers the corpus with
build/tests/maildir_put, so the file names carry S= and W= sizes as
Petrel's delivery writes them.

Usage: python3 bench/mailgen.py [--count N] [--seed N] MAILDIR
"""

import base64
import os
import random
import shutil
import subprocess
import sys
import tempfile

SUBJECT_WORD = "quarterly"
BODY_WORD = "zebrafish"

WORDS = ("the of and to in is that for it as was with be by on not he "
         "this are or his from at which but have an they you were her "
         "all she there would their we him been has when who will no "
         "more if out so said what up its about than into them can only "
         "other new some could time these two may then do first any my "
         "now such like our over man me even most made after also did "
         "many before must through back years where much your way well "
         "down should because each just those people how too little "
         "state good very make world still own see men work long get "
         "here between both life being under never day same another "
         "know while last might us great old year off come since against "
         "go came right used take three meeting report budget server "
         "invoice release deploy review schedule project update").split()
UTF8_WORDS = ("Grüße", "façade", "naïve", "Ærøskøbing", "smörgåsbord",
              "Привет", "こんにちは", "Straße", "jalapeño", "crème brûlée")
NAMES = ("Alice Martin", "Bob Chen", "Carol Díaz", "Dave O'Brien",
         "Eve Nakamura", "Frank Müller", "Grace Hopper", "Heidi Klum",
         "Ivan Petrov", "Judy Smith", "Mallory Jones", "Oscar Wilde")
DOMAINS = ("example.org", "example.net", "lists.example.com",
           "corp.example", "mail.example.edu")
SUBJECTS = ("Re: meeting notes", "Budget for next year", "Fwd: invoice",
            "Release plan", "lunch?", "Server maintenance tonight",
            "[dev] build broken on main", "Photos from the trip",
            "Your order has shipped", "Weekly report", "Question about "
            "the contract", "Re: Re: schedule change", "Draft proposal")


def addr(rng):
    name = rng.choice(NAMES)
    local = name.split()[0].lower()
    return name, "%s@%s" % (local, rng.choice(DOMAINS))


def fmt_addr(rng, encode_ok=True):
    name, a = addr(rng)
    if any(ord(c) > 127 for c in name):
        if encode_ok and rng.random() < 0.8:
            name = "=?UTF-8?B?%s?=" % base64.b64encode(
                name.encode()).decode()
        # else: raw 8-bit in a header, as some mailers still send
    return '"%s" <%s>' % (name, a) if "'" in name else "%s <%s>" % (name,
                                                                      a)


def text(rng, size, utf8=False, word=False):
    out, n = [], 0
    line = []
    while n < size:
        w = rng.choice(UTF8_WORDS) if utf8 and rng.random() < 0.05 \
            else rng.choice(WORDS)
        line.append(w)
        n += len(w) + 1
        if len(" ".join(line)) > 66:
            out.append(" ".join(line))
            line = []
            if rng.random() < 0.1:
                out.append("")
    out.append(" ".join(line))
    if word:
        k = rng.randrange(len(out))
        out[k] = out[k] + " the %s data" % BODY_WORD
    return "\n".join(out) + "\n"


def qp(s):
    """Quoted-printable of UTF-8 text, soft breaks at 76."""
    out = []
    for line in s.split("\n"):
        enc = ""
        for ch in line.encode():
            c = chr(ch)
            if ch in (61,) or ch > 126:
                c = "=%02X" % ch
            if len(enc.split("\n")[-1]) + len(c) > 75:
                enc += "=\n"
            enc += c
        out.append(enc)
    return "\n".join(out)


def b64(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


def html(rng, size, word):
    t = text(rng, size, word=word)
    paras = "".join("<p>%s</p>\n" % p for p in t.split("\n\n"))
    return "<html><body>\n%s</body></html>\n" % paras


def headers(rng, i, date):
    h = []
    for hop in range(rng.randint(1, 4)):
        h.append("Received: from mx%d.%s (mx%d.%s [192.0.2.%d])\n\tby "
                 "mail.example.test (Petrel) with ESMTPS id %08X%d\n\t"
                 "for <demo@example.test>; %s"
                 % (hop, rng.choice(DOMAINS), hop, rng.choice(DOMAINS),
                    rng.randint(1, 254), rng.getrandbits(32), hop, date))
    if rng.random() < 0.3:
        h.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; "
                 "d=%s; s=sel1;\n\th=from:to:subject:date:message-id;\n\t"
                 "bh=%s;\n\tb=%s" % (rng.choice(DOMAINS),
                                     base64.b64encode(rng.randbytes(32))
                                     .decode(),
                                     base64.b64encode(rng.randbytes(96))
                                     .decode()))
    h.append("From: " + fmt_addr(rng, encode_ok=rng.random() < 0.95))
    h.append("To: " + ", ".join(["demo@example.test"] + [
        fmt_addr(rng) for _ in range(rng.randint(0, 3))]))
    if rng.random() < 0.4:
        h.append("Cc: " + ",\n\t".join(fmt_addr(rng)
                                       for _ in range(rng.randint(1, 6))))
    subj = rng.choice(SUBJECTS)
    if rng.random() < 0.01:
        subj = "%s %s figures" % (subj, SUBJECT_WORD)
    r = rng.random()
    if r < 0.1:
        subj = "=?UTF-8?Q?%s?=" % qp(subj + " " + rng.choice(UTF8_WORDS)) \
            .replace(" ", "_").replace("=\n", "").replace("?", "=3F")
    elif r < 0.12:
        subj = subj + " " + rng.choice(UTF8_WORDS)   # raw 8-bit header
    h.append("Subject: %s #%d" % (subj, i))
    h.append("Date: " + date)
    h.append("Message-ID: <%d.%08x@%s>" % (i, rng.getrandbits(32),
                                           rng.choice(DOMAINS)))
    if rng.random() < 0.4:
        refs = ["<%d.%08x@%s>" % (rng.randrange(i + 1), rng.getrandbits(32),
                                  rng.choice(DOMAINS))
                for _ in range(rng.randint(1, 5))]
        h.append("In-Reply-To: " + refs[-1])
        h.append("References: " + "\n\t".join(refs))
    if rng.random() < 0.25:
        h.append("List-Id: Dev list <dev.lists.example.com>")
        h.append("List-Unsubscribe: <mailto:dev-leave@lists.example.com>")
        h.append("Precedence: list")
    if rng.random() < 0.2:
        h.append("X-Spam-Status: No, score=-%d.%d" % (rng.randint(0, 5),
                                                      rng.randint(0, 9)))
    h.append("MIME-Version: 1.0")
    return h


def make_message(rng, i):
    size = int(2048 * (25 ** rng.random()))          # 2 KB .. 50 KB
    word = rng.random() < 0.01
    day = 1 + i % 28
    date = "%s, %d Nov 2026 %02d:%02d:%02d +0000" % (
        ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")[day % 7], day,
        rng.randrange(24), rng.randrange(60), rng.randrange(60))
    h = headers(rng, i, date)
    kind = rng.random()
    bnd = "=_b%08x" % rng.getrandbits(32)
    body_budget = max(500, size - sum(len(x) + 1 for x in h) - 200)
    if kind < 0.35:
        utf8 = rng.random() < 0.3
        body = text(rng, body_budget, utf8=utf8, word=word)
        if utf8 and rng.random() < 0.5:
            h.append("Content-Type: text/plain; charset=utf-8")
            h.append("Content-Transfer-Encoding: quoted-printable")
            body = qp(body)
        elif utf8:
            h.append("Content-Type: text/plain; charset=utf-8")
            h.append("Content-Transfer-Encoding: 8bit")
        else:
            h.append("Content-Type: text/plain; charset=us-ascii; "
                     "format=flowed")
    elif kind < 0.6:
        h.append('Content-Type: multipart/alternative; boundary="%s"' % bnd)
        t = text(rng, body_budget // 3, word=word)
        body = ("This is a multi-part message in MIME format.\n\n--%s\n"
                "Content-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: 7bit\n\n%s\n--%s\n"
                "Content-Type: text/html; charset=utf-8\n"
                "Content-Transfer-Encoding: quoted-printable\n\n%s\n--%s--\n"
                % (bnd, t, bnd, qp(html(rng, body_budget // 2, word)), bnd))
    elif kind < 0.92:
        h.append('Content-Type: multipart/mixed; boundary="%s"' % bnd)
        parts = []
        t = text(rng, min(body_budget // 4, 3000), word=word)
        if rng.random() < 0.5:
            b2 = "=_a%08x" % rng.getrandbits(32)
            parts.append('Content-Type: multipart/alternative; '
                         'boundary="%s"\n\n--%s\nContent-Type: text/plain; '
                         'charset=utf-8\n\n%s\n--%s\nContent-Type: '
                         'text/html; charset=utf-8\n\n%s\n--%s--\n'
                         % (b2, b2, t, b2, html(rng, len(t), False), b2))
        else:
            parts.append("Content-Type: text/plain; charset=utf-8\n\n" + t)
        left = body_budget - len(t) - 300
        n = rng.randint(1, 3)
        for k in range(n):
            raw = rng.randbytes(max(200, left * 3 // 4 // n))
            ctype, name = rng.choice((
                ("application/pdf", "report-%d.pdf" % k),
                ("image/png", "photo%d.png" % k),
                ("application/octet-stream", "data%d.bin" % k),
                ("application/zip", "archive %d.zip" % k)))
            parts.append('Content-Type: %s; name="%s"\n'
                         'Content-Disposition: attachment; filename="%s"\n'
                         'Content-Transfer-Encoding: base64\n\n%s'
                         % (ctype, name, name, b64(raw)))
        body = "".join("--%s\n%s\n" % (bnd, p) for p in parts) + \
            "--%s--\n" % bnd
    else:
        h.append('Content-Type: multipart/mixed; boundary="%s"' % bnd)
        inner = "\n".join(headers(rng, i + 100000, date)) + \
            "\nContent-Type: text/plain; charset=utf-8\n\n" + \
            text(rng, body_budget - 600, word=word)
        body = ("--%s\nContent-Type: text/plain\n\nForwarded message "
                "below.\n\n--%s\nContent-Type: message/rfc822\n"
                "Content-Disposition: inline\n\n%s\n--%s--\n"
                % (bnd, bnd, inner, bnd))
    return ("\n".join(h) + "\n\n" + body).encode("utf-8")


def write_corpus(outdir, count, seed=1):
    """count messages as outdir/NNNNN.eml; the list of paths."""
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        p = os.path.join(outdir, "%05d.eml" % i)
        with open(p, "wb") as f:
            f.write(make_message(rng, i))
        paths.append(p)
    return paths


def make_maildir(maildir, count, seed, maildir_put):
    """Deliver the corpus into maildir with maildir_put; total bytes."""
    tmp = tempfile.mkdtemp(prefix="mailgen-")
    try:
        os.chmod(tmp, 0o755)
        paths = write_corpus(tmp, count, seed)
        for p in paths:
            os.chmod(p, 0o644)
        total = sum(os.path.getsize(p) for p in paths)
        for k in range(0, len(paths), 500):
            subprocess.run([maildir_put, maildir] + paths[k:k + 500],
                           stdout=subprocess.DEVNULL, check=True)
        return total
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("maildir")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    tool = os.path.join(here, "..", "build", "tests", "maildir_put")
    n = make_maildir(a.maildir, a.count, a.seed, tool)
    print("%d messages, %d bytes" % (a.count, n))
    sys.exit(0)
