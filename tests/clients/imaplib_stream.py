#!/usr/bin/env python3
"""Python imaplib against imapd over stdio (IMAP4_stream spawns `imapd MAILDIR`).

Usage: imaplib_stream.py IMAPD MAILDIR  (MAILDIR holds `imapd --sample`'s mailbox).
Exercises LIST, SELECT, FETCH, SEARCH, APPEND, COPY, STORE, EXPUNGE and IDLE end to end;
IDLE is spoken with raw send/readline (Python 3.11's imaplib has no idle()). Exits non-zero
with a message on the first failed check.
"""
import imaplib
import os
import re
import select
import shlex
import sys
import time

imapd, maildir = sys.argv[1], sys.argv[2]
command = f"{shlex.quote(imapd)} {shlex.quote(maildir)}"


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")
    print(f"ok - {what}")


def ok(resp, what):
    typ, data = resp
    check(typ == "OK", f"{what} -> {typ} {data!r}")
    return data


def read_line(m, timeout):
    """One response line from the server, or None after `timeout` seconds."""
    out = m.readfile
    if not select.select([out], [], [], timeout)[0] and not out.peek(1):
        return None
    return m.readline().decode()


m = imaplib.IMAP4_stream(command)
check(m.welcome.startswith(b"* PREAUTH"), f"PREAUTH greeting: {m.welcome!r}")
check("IDLE" in m.capabilities, "IDLE advertised")

names = [line.decode() for line in ok(m.list(), "LIST")]
for want in ['"." INBOX', "INBOX.Sent", "INBOX.Archive.2023", "INBOX.Re&AOc-us"]:
    check(any(want in n for n in names), f"LIST has {want}")

count = int(ok(m.select("INBOX"), "SELECT INBOX")[0])
check(count == 17, f"INBOX has 17 messages (got {count})")
check(m.untagged_responses.get("RECENT") == [b"3"], "3 \\Recent (the new/ arrivals)")

hdr = ok(m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "FETCH header field")
check(b"Subject: Maildir migration plan" in hdr[0][1], "FETCH returns the subject")

# Message bodies come back exactly as stored (LF on disk, CRLF on the wire).
uid1 = ok(m.fetch("6", "(UID BODY.PEEK[])"), "FETCH BODY[]")[0]
with open(os.path.join(maildir, "courierimapuiddb")) as f:
    base = dict(line.split() for line in f.read().splitlines()[1:])["6"]
on_disk = [f for f in os.listdir(os.path.join(maildir, "cur")) if f.startswith(base + ":")]
check(len(on_disk) == 1, "message 6's file found via courierimapuiddb")
with open(os.path.join(maildir, "cur", on_disk[0]), "rb") as f:
    disk = f.read()
check(uid1[1].replace(b"\r\n", b"\n") == disk, "BODY[] equals the file, line ends aside")
check(b"application/pdf" in uid1[1], "message 6 carries the PDF attachment")

check(ok(m.search(None, "FROM", "alice"), "SEARCH FROM")[0].split() == [b"1", b"9", b"15"],
      "SEARCH FROM alice")
unseen = ok(m.search(None, "UNSEEN"), "SEARCH UNSEEN")[0].split()
check(unseen == [b"5", b"9", b"10", b"15", b"16", b"17"], f"SEARCH UNSEEN {unseen}")
check(ok(m.uid("SEARCH", "KEYWORD", "work"), "UID SEARCH KEYWORD")[0].split() == [b"1", b"6"],
      "UID SEARCH KEYWORD work")
m.literal = "照片".encode()  # sent as a literal after SUBJECT
chinese = ok(m.search("UTF-8", "SUBJECT"), "SEARCH non-ASCII SUBJECT")
check(chinese[0].split() == [b"7"], "SEARCH SUBJECT decodes RFC 2047 words")

data = ok(m.store("3", "+FLAGS", r"(\Flagged $Label1)"), "STORE +FLAGS")
check(b"\\Flagged" in data[0] and b"$Label1" in data[0], f"STORE answers new flags {data}")

msg = b"From: py@example.com\r\nSubject: appended by imaplib\r\n\r\nhello\r\n"
typ, data = m.append("INBOX.Drafts", r"(\Draft \Seen)", imaplib.Time2Internaldate(1709290000), msg)
check(typ == "OK" and b"APPENDUID" in data[0], f"APPEND with APPENDUID {data}")
typ, data = m.copy("1:2", "INBOX.Archive")
check(typ == "OK" and b"COPYUID" in data[0], f"COPY with COPYUID {data}")
check(m.status("INBOX.Archive", "(MESSAGES)")[1][0].endswith(b"(MESSAGES 4)"),
      "STATUS after COPY")

ok(m.store("2", "+FLAGS", r"(\Deleted)"), "STORE \\Deleted")
expunged = ok(m.expunge(), "EXPUNGE")
check(expunged == [b"2"], f"EXPUNGE reports message 2 ({expunged})")

# IDLE: a second session changes the mailbox; the first hears at once (RFC 2177).
other = imaplib.IMAP4_stream(command)
ok(other.select("INBOX"), "second session SELECT")
m.send(b"i1 IDLE\r\n")
cont = m.readline().decode()
check(cont.startswith("+"), f"IDLE continuation {cont.strip()!r}")
t0 = time.monotonic()
ok(other.store("1", "+FLAGS", r"(\Seen \Answered \Flagged)"), "other session STORE")
line = read_line(m, 5)
check(line is not None and re.match(r"\* 1 FETCH \(FLAGS \(.*\\Flagged", line),
      f"idler got the STORE: {line!r} after {1000 * (time.monotonic() - t0):.1f} ms")
t0 = time.monotonic()
ok(other.append("INBOX", None, None, b"Subject: while idling\r\n\r\nhi\r\n"), "other APPEND")
line = read_line(m, 5)
check(line == "* 17 EXISTS\r\n", f"idler got EXISTS: {line!r} after "
      f"{1000 * (time.monotonic() - t0):.1f} ms")
m.send(b"DONE\r\n")
while True:
    line = read_line(m, 5)
    check(line is not None, "IDLE ends")
    if line.startswith("i1 "):
        check(line.startswith("i1 OK"), f"DONE -> {line.strip()!r}")
        break
other.logout()

ok(m.close(), "CLOSE")
typ, data = m.logout()
check(typ == "BYE", f"LOGOUT -> {typ}")
print("imaplib: all checks passed")
