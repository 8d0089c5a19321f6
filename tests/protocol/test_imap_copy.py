# SPDX-License-Identifier: MIT
"""COPY, UID COPY, MOVE and UID MOVE (RFC 3501 sections 6.4.7 and 6.4.8,
RFC 6851) with COPYUID (RFC 4315), TRYCREATE and imap_keepalive."""
import re

import pytest

from imap_raw import Raw

USERS = {"alice": "secret"}
pytestmark = pytest.mark.coffer(users=USERS, services="imap")


def session(coffer, n=0, flags=""):
    c = Raw.connect(coffer)
    c.login("alice", "secret")
    flags = f" {flags}" if flags else ""
    for i in range(n):
        c.ok("ap", f"APPEND INBOX{flags} {{5+}}\r\nmsg {i % 10}")
    return c


def messages(c, box):
    st = c.ok("st", f"STATUS {box} (MESSAGES)")
    return int(re.search(r"MESSAGES (\d+)", st[0]).group(1))


def test_copy(coffer):
    c = session(coffer, 5)
    c.ok("a", "CREATE dst")
    c.ok("b", "SELECT INBOX")
    untagged, tagged = c.cmd("c", "COPY 2:4 dst")
    m = re.fullmatch(r"c OK \[COPYUID (\d+) 2:4 1:3\] Copy completed\.",
                     tagged)
    assert m, tagged
    assert messages(c, "dst") == 3
    _, tagged = c.cmd("d", "UID COPY 1,5 dst")
    assert re.fullmatch(r"d OK \[COPYUID \d+ 1,5 4:5\] Copy completed\.",
                        tagged), tagged
    # to the selected mailbox itself: EXISTS follows
    untagged = c.ok("e", "COPY 1 INBOX")
    assert "* 6 EXISTS" in untagged
    assert messages(c, "INBOX") == 6


def test_copy_errors(coffer):
    c = session(coffer, 2)
    c.ok("a", "SELECT INBOX")
    assert c.cmd("b", "COPY 1 nothing")[1].startswith("b NO [TRYCREATE]")
    assert c.cmd("c", "UID COPY 99 nothing")[1].startswith("c NO [TRYCREATE]")
    assert c.cmd("d", "COPY 3 INBOX")[1].startswith("d BAD")
    assert c.cmd("e", "COPY 0 INBOX")[1].startswith("e BAD")
    assert c.cmd("f", "COPY 1:x INBOX")[1].startswith("f BAD")
    assert c.cmd("g", "COPY 1")[1].startswith("g BAD")
    assert c.ok("h", "UID COPY 50:60 INBOX") == []
    c.ok("i", "CREATE p/q")
    assert c.cmd("j", "COPY 1 p")[1].startswith("j NO")


def test_move(coffer):
    c = session(coffer, 4)
    c.ok("a", "CREATE dst")
    c.ok("b", "SELECT INBOX")
    untagged, tagged = c.cmd("c", "MOVE 2:3 dst")
    assert re.fullmatch(r"\* OK \[COPYUID \d+ 2:3 1:2\] Moved UIDs\.",
                        untagged[0]), untagged
    assert untagged[1:] == ["* 3 EXPUNGE", "* 2 EXPUNGE"]
    assert tagged == "c OK Move completed."
    untagged = c.ok("d", "UID MOVE 4 dst")
    assert untagged[1:] == ["* 2 EXPUNGE"]
    assert messages(c, "dst") == 3 and messages(c, "INBOX") == 1
    c.ok("e", "EXAMINE INBOX")
    assert c.cmd("f", "MOVE 1 dst")[1].startswith("f NO")


def test_move_reported_to_other_session(coffer):
    a = session(coffer, 3)
    b = session(coffer)
    a.ok("a", "CREATE dst")
    a.ok("b", "SELECT INBOX")
    b.ok("c", "SELECT INBOX")
    a.ok("d", "MOVE 1:2 dst")
    assert b.ok("e", "NOOP") == ["* 2 EXPUNGE", "* 1 EXPUNGE"]


@pytest.mark.coffer(users=USERS, services="imap",
                    options={"imap_keepalive": "1"})
def test_copy_chunked_with_keepalive(coffer):
    """With imap_keepalive the set is copied in chunks; the result is the
    same as one atomic COPY."""
    c = session(coffer)
    batch = b"".join(b" {1+}\r\nx" for _ in range(1200))
    c.send(b"a APPEND INBOX%s\r\n" % batch)
    assert c.until_tagged("a")[1].startswith("a OK")
    c.ok("b", "CREATE dst")
    c.ok("c", "SELECT INBOX")
    untagged, tagged = c.cmd("d", "COPY 1:* dst")
    assert all(u.startswith("* OK Copy in progress") for u in untagged)
    assert re.fullmatch(r"d OK \[COPYUID \d+ 1:1200 1:1200\] "
                        r"Copy completed\.", tagged), tagged
    assert messages(c, "dst") == 1200
    untagged, tagged = c.cmd("e", "MOVE 1:* dst")
    assert tagged == "e OK Move completed."
    assert len([u for u in untagged if u.endswith(" EXPUNGE")]) == 1200
    assert messages(c, "dst") == 2400
