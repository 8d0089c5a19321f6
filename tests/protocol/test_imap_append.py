# SPDX-License-Identifier: MIT
"""APPEND (RFC 3501 section 6.3.11): flags and dates, MULTIAPPEND (RFC
3502), LITERAL+ (RFC 7888), APPENDUID (RFC 4315), TRYCREATE, APPENDLIMIT
(RFC 7889), streaming of large literals and LF -> CRLF normalisation."""
import imaplib
import pathlib
import re
import time

import pytest

from imap_raw import Raw

USERS = {"alice": "secret"}
pytestmark = pytest.mark.coffer(users=USERS, services="imap")


def session(coffer):
    c = Raw.connect(coffer)
    c.login("alice", "secret")
    return c


def message_files(coffer, mailbox_dir=None):
    """Stored message files of alice's INBOX, by UID."""
    path = pathlib.Path(coffer.msadm("path", "alice").stdout.strip())
    files = {}
    for f in path.rglob("msg/*"):
        if mailbox_dir is None or f.parent.parent.name == mailbox_dir:
            uid = int(f.name.split(".")[0])
            files[uid] = f
    return files


def appenduid(tagged):
    m = re.search(r"\[APPENDUID (\d+) ([\d:,]+)\]", tagged)
    assert m, tagged
    return int(m.group(1)), m.group(2)


def test_append_basic(coffer):
    c = session(coffer)
    msg = b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    c.send(f"a APPEND INBOX (\\Seen \\Flagged $Label) "
           f"\" 5-Mar-2024 10:00:00 +0100\" {{{len(msg)}}}\r\n")
    assert c.line().startswith("+ ")
    c.send(msg + b"\r\n")
    _, tagged = c.until_tagged("a")
    uidvalidity, uids = appenduid(tagged)
    assert uids == "1"
    untagged = c.ok("b", "SELECT INBOX")
    assert "* 1 EXISTS" in untagged
    flags = [u for u in untagged if u.startswith("* FLAGS")][0]
    assert "$Label" in flags
    assert f"* OK [UIDVALIDITY {uidvalidity}] UIDs valid." in untagged
    st = c.ok("c", "STATUS INBOX (UNSEEN MESSAGES)")
    assert st == ["* STATUS INBOX (UNSEEN 0 MESSAGES 1)"]
    files = message_files(coffer)
    assert files[1].read_bytes() == msg


def test_append_imaplib(coffer):
    c = coffer.imap("alice", "secret")
    typ, data = c.append("INBOX", "(\\Draft)",
                         imaplib.Time2Internaldate(time.time()),
                         b"Subject: x\r\n\r\ny\r\n")
    assert typ == "OK", data
    assert b"APPENDUID" in data[0]
    c.logout()


def test_multiappend_and_literal_plus(coffer):
    c = session(coffer)
    m1, m2, m3 = b"Subject: 1\r\n\r\na", b"Subject: 2\r\n\r\nbb", b"x" * 10
    c.send(b"a APPEND INBOX {%d+}\r\n%s (\\Seen) {%d+}\r\n%s "
           b'"01-Jan-2020 00:00:00 +0000" {%d+}\r\n%s\r\n'
           % (len(m1), m1, len(m2), m2, len(m3), m3))
    _, tagged = c.until_tagged("a")
    _, uids = appenduid(tagged)
    assert uids == "1:3"
    st = c.ok("b", "STATUS INBOX (MESSAGES UNSEEN)")
    assert st == ["* STATUS INBOX (MESSAGES 3 UNSEEN 2)"]


def test_multiappend_is_atomic(coffer):
    c = session(coffer)
    # the second message's flags are bad: nothing is appended
    c.send(b"a APPEND INBOX {3+}\r\nabc (\\Bogus) {3+}\r\ndef\r\n")
    _, tagged = c.until_tagged("a")
    assert tagged.startswith("a BAD"), tagged
    c.ok("b", "NOOP")
    # an empty second message
    c.send(b"c APPEND INBOX {3+}\r\nabc {0+}\r\n\r\n")
    _, tagged = c.until_tagged("c")
    assert tagged.startswith("c NO"), tagged
    c.ok("d", "NOOP")
    st = c.ok("e", "STATUS INBOX (MESSAGES)")
    assert st == ["* STATUS INBOX (MESSAGES 0)"]


def test_append_errors(coffer):
    c = session(coffer)
    _, tagged = c.cmd("a", "APPEND nothing {3}")
    assert tagged.startswith("a NO [TRYCREATE]"), tagged
    # a non-synchronising literal is skipped with the rest of the command
    c.send(b"b APPEND nothing {3+}\r\nabc\r\n")
    assert c.until_tagged("b")[1].startswith("b NO [TRYCREATE]")
    for args, word in (("INBOX (\\Recent) {3}", "BAD"),
                       ("INBOX (\\Seen) junk {3}", "BAD"),
                       ('INBOX "99-Foo-2020 00:00:00 +0000" {3}', "BAD"),
                       ("INBOX {0}", "NO")):
        _, tagged = c.cmd("c", f"APPEND {args}")
        assert tagged.startswith(f"c {word}"), (args, tagged)
    c.send(b"d APPEND INBOX {3+}\r\nabc extra\r\n")
    assert c.until_tagged("d")[1].startswith("d BAD")
    # NUL is not a CHAR8 (RFC 3501 section 9)
    c.send(b"e APPEND INBOX {5+}\r\nab\0cd\r\n")
    assert c.until_tagged("e")[1].startswith("e NO")
    # literal8 needs BINARY, CATENATE is not offered
    c.send(b"f APPEND INBOX ~{3+}\r\nabc\r\n")
    assert c.until_tagged("f")[1].startswith("f BAD")
    c.send(b"g APPEND INBOX CATENATE (TEXT {3+}\r\nabc)\r\n")
    assert c.until_tagged("g")[1].startswith("g BAD")
    st = c.ok("h", "STATUS INBOX (MESSAGES)")
    assert st == ["* STATUS INBOX (MESSAGES 0)"]


@pytest.mark.coffer(users=USERS, services="imap",
                    options={"max_message_size": "100"})
def test_appendlimit(coffer):
    c = session(coffer)
    _, tagged = c.cmd("a", "APPEND INBOX {101}")
    assert "[TOOBIG]" in tagged, tagged
    c.send(b"b APPEND INBOX {101+}\r\n" + b"x" * 101 + b"\r\n")
    assert "[TOOBIG]" in c.until_tagged("b")[1]
    # 60 LFs become 120 octets: over the limit after normalisation
    c.send(b"c APPEND INBOX {60+}\r\n" + b"\n" * 60 + b"\r\n")
    assert "[TOOBIG]" in c.until_tagged("c")[1]
    c.send(b"d APPEND INBOX {100+}\r\n" + b"y" * 100 + b"\r\n")
    assert c.until_tagged("d")[1].startswith("d OK")


def test_bare_lf_normalised(coffer):
    c = session(coffer)
    raw = b"Subject: lf\n\nline1\nline2\r\nline3\r\rx\n"
    c.send(b"a APPEND INBOX {%d+}\r\n%s\r\n" % (len(raw), raw))
    assert c.until_tagged("a")[1].startswith("a OK")
    stored = message_files(coffer)[1].read_bytes()
    assert stored == b"Subject: lf\r\n\r\nline1\r\nline2\r\nline3\r\rx\r\n"


def test_large_append_streams(coffer):
    """A 20 MB message split over many reads, CR and LF of one CRLF in
    different chunks included."""
    c = session(coffer)
    line = b"0123456789" * 7 + b"\r\n"
    body = b"Subject: big\r\n\r\n" + line * (20 * 1024 * 1024 // len(line))
    c.send(b"a APPEND INBOX {%d}\r\n" % len(body))
    assert c.line().startswith("+ ")
    for i in range(0, len(body), 65521):
        c.send(body[i:i + 65521])
    c.send(b"\r\n")
    assert c.until_tagged("a")[1].startswith("a OK")
    f = message_files(coffer)[1]
    assert f.stat().st_size == len(body)
    assert f.read_bytes() == body


def test_append_to_selected_reports_exists(coffer):
    c = session(coffer)
    c.ok("a", "SELECT INBOX")
    untagged = c.ok("b", "APPEND INBOX {3+}\r\nabc")
    assert "* 1 EXISTS" in untagged and "* 1 RECENT" in untagged


def test_append_disconnect_midway(coffer):
    c = session(coffer)
    c.send(b"a APPEND INBOX {1000+}\r\n" + b"x" * 500)
    c.close()
    c = session(coffer)
    st = c.ok("b", "STATUS INBOX (MESSAGES)")
    assert st == ["* STATUS INBOX (MESSAGES 0)"]


def test_append_over_quota(coffer):
    coffer.msadm("quota", "set", "alice", "1")
    c = session(coffer)
    c.send(b"a APPEND INBOX {600+}\r\n" + b"x" * 600 + b"\r\n")
    assert c.until_tagged("a")[1].startswith("a OK")
    c.send(b"b APPEND INBOX {600+}\r\n" + b"y" * 600 + b"\r\n")
    assert c.until_tagged("b")[1].startswith("b NO [OVERQUOTA]")
    assert c.ok("c", "STATUS INBOX (MESSAGES)") == \
        ["* STATUS INBOX (MESSAGES 1)"]
