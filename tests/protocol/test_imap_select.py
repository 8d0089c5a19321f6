# SPDX-License-Identifier: MIT
"""SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, EXPUNGE and UID EXPUNGE (RFC
3501 sections 6.3.1, 6.3.2, 6.4.1-6.4.3; RFC 3691; RFC 4315), \\Recent,
and unsolicited EXISTS/EXPUNGE updates between sessions (RFC 3501
sections 5.5 and 7.4.1)."""
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


def append(c, flags="", n=1, box="INBOX"):
    flags = f" {flags}" if flags else ""
    for i in range(n):
        c.ok("ap", f"APPEND {box}{flags} {{9+}}\r\nmessage {i % 10}")


def test_select_responses(coffer):
    c = session(coffer)
    append(c, "(\\Seen)", 2)
    append(c, "", 1)
    append(c, "(\\Seen $Work)", 1)
    untagged, tagged = c.cmd("a", "SELECT INBOX")
    assert tagged == "a OK [READ-WRITE] Select completed."
    assert untagged[0] == \
        "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Work)"
    assert untagged[1] == ("* OK [PERMANENTFLAGS (\\Seen \\Answered "
                           "\\Flagged \\Deleted \\Draft $Work \\*)] "
                           "Flags permitted.")
    assert "* 4 EXISTS" in untagged
    assert "* 4 RECENT" in untagged
    assert "* OK [UNSEEN 3] First unseen." in untagged
    assert any(re.fullmatch(r"\* OK \[UIDVALIDITY \d+\] UIDs valid\.", u)
               for u in untagged)
    assert "* OK [UIDNEXT 5] Predicted next UID." in untagged
    # \Recent belongs to the first session that sees the messages
    other = session(coffer)
    assert "* 0 RECENT" in other.ok("b", "SELECT INBOX")
    # EXAMINE: read-only, no PERMANENTFLAGS
    untagged, tagged = other.cmd("c", "EXAMINE INBOX")
    assert untagged[0] == "* OK [CLOSED] Previous mailbox closed."
    assert tagged == "c OK [READ-ONLY] Examine completed."
    assert "* OK [PERMANENTFLAGS ()] Read-only mailbox." in untagged


def test_select_failures(coffer):
    c = session(coffer)
    c.ok("a", "SELECT INBOX")
    _, tagged = c.cmd("b", "SELECT nothing")
    assert tagged.startswith("b NO [NONEXISTENT]"), tagged
    # the old mailbox is closed even when the new one fails
    assert c.cmd("c", "CHECK")[1].startswith("c BAD")
    c.ok("d", "CREATE p/q")
    assert c.cmd("e", "SELECT p")[1].startswith("e NO")
    assert c.cmd("f", "SELECT")[1].startswith("f BAD")
    assert c.cmd("g", "SELECT INBOX (QRESYNC (1 2))")[1].startswith("g BAD")
    c.ok("h", "SELECT inbox")


def test_expunge(coffer):
    c = session(coffer)
    append(c, "(\\Deleted)", 1)   # 1
    append(c, "", 1)              # 2
    append(c, "(\\Deleted)", 2)   # 3, 4
    append(c, "", 1)              # 5
    c.ok("a", "SELECT INBOX")
    untagged = c.ok("b", "EXPUNGE")
    # descending, each number valid when sent
    assert untagged == ["* 4 EXPUNGE", "* 3 EXPUNGE", "* 1 EXPUNGE"]
    assert c.ok("c", "EXPUNGE") == []
    st = c.ok("d", "STATUS INBOX (MESSAGES)")
    assert st == ["* STATUS INBOX (MESSAGES 2)"]


def test_uid_expunge(coffer):
    c = session(coffer)
    append(c, "(\\Deleted)", 4)   # UIDs 1-4
    c.ok("a", "SELECT INBOX")
    assert c.ok("b", "UID EXPUNGE 2:3") == ["* 3 EXPUNGE", "* 2 EXPUNGE"]
    assert c.ok("c", "UID EXPUNGE 100:200") == []
    assert c.ok("d", "UID EXPUNGE 4:*") == ["* 2 EXPUNGE"]
    assert c.cmd("e", "UID EXPUNGE x")[1].startswith("e BAD")
    assert c.ok("f", "UID EXPUNGE 1") == ["* 1 EXPUNGE"]
    # an empty mailbox: "*" names nothing
    assert c.ok("g", "UID EXPUNGE 1:*") == []


def test_close_unselect_readonly(coffer):
    c = session(coffer)
    append(c, "(\\Deleted)", 2)
    c.ok("a", "EXAMINE INBOX")
    assert c.cmd("b", "EXPUNGE")[1].startswith("b NO")
    assert c.ok("c", "CLOSE") == []          # read-only: no expunge
    assert c.ok("d", "STATUS INBOX (MESSAGES)") == \
        ["* STATUS INBOX (MESSAGES 2)"]
    c.ok("e", "SELECT INBOX")
    assert c.ok("f", "UNSELECT") == []
    assert c.ok("g", "STATUS INBOX (MESSAGES)") == \
        ["* STATUS INBOX (MESSAGES 2)"]
    c.ok("h", "SELECT INBOX")
    assert c.ok("i", "CLOSE") == []          # expunged silently
    assert c.ok("j", "STATUS INBOX (MESSAGES)") == \
        ["* STATUS INBOX (MESSAGES 0)"]
    assert c.cmd("k", "CLOSE")[1].startswith("k BAD")


def test_updates_from_other_session(coffer):
    a = session(coffer)
    b = session(coffer)
    a.ok("a", "SELECT INBOX")
    append(b, "", 2)
    untagged = a.ok("b", "NOOP")
    assert untagged == ["* 2 EXISTS", "* 2 RECENT"]
    append(b, "(\\Deleted)", 1)
    # b selects first and takes \Recent of the new message
    b.ok("c", "SELECT INBOX")
    assert a.ok("d", "CHECK") == ["* 3 EXISTS"]
    b.ok("e", "EXPUNGE")
    assert a.ok("f", "NOOP") == ["* 3 EXPUNGE"]
    # a new keyword announces new FLAGS first (RFC 3501 section 7.2.6)
    append(b, "($New)", 1)
    untagged = a.ok("g", "NOOP")
    assert untagged[0] == "* 3 EXISTS"
    assert any(u.startswith("* FLAGS (") and "$New" in u for u in untagged)
    assert any(u.startswith("* OK [PERMANENTFLAGS (") and "$New" in u
               for u in untagged)


def test_no_expunge_during_fetch_store_search(coffer):
    """RFC 3501 section 7.4.1: an EXPUNGE from another session waits
    until a command that may report it."""
    a = session(coffer)
    b = session(coffer)
    append(b, "(\\Deleted)", 2)
    a.ok("a", "SELECT INBOX")
    b.ok("b", "SELECT INBOX")
    b.ok("c", "EXPUNGE")
    for tag, cmd in (("d", "FETCH 1 FLAGS"), ("e", "STORE 1 +FLAGS (x)"),
                     ("f", "SEARCH ALL")):
        untagged, _ = a.cmd(tag, cmd)
        assert not any("EXPUNGE" in u for u in untagged), (cmd, untagged)
    assert a.ok("g", "NOOP") == ["* 2 EXPUNGE", "* 1 EXPUNGE"]


@pytest.mark.coffer(users=USERS, services="imap",
                    options={"max_net_buffer": "8192"})
def test_many_expunges_do_not_overflow(coffer):
    """3,000 EXPUNGE responses (45 KB) flow through an 8 KB output buffer
    by backpressure, without the connection being closed as a slow
    reader."""
    c = session(coffer)
    n = 3000
    batch = b"".join(b" (\\Deleted) {1+}\r\nx" for _ in range(1000))
    for i in range(n // 1000):
        c.send(b"a%d APPEND INBOX%s\r\n" % (i, batch))
        assert c.until_tagged(f"a{i}")[1].startswith(f"a{i} OK")
    c.ok("b", "SELECT INBOX")
    c.sock.settimeout(120)
    c.send("c EXPUNGE\r\n")
    time.sleep(0.5)  # let the server hit the full buffer
    untagged, tagged = c.until_tagged("c")
    assert tagged.startswith("c OK")
    assert len(untagged) == n
    assert untagged[0] == f"* {n} EXPUNGE" and untagged[-1] == "* 1 EXPUNGE"


def test_flag_updates_from_other_session(coffer):
    """RFC 3501 section 7.4.2: flags changed elsewhere arrive as FETCH
    FLAGS (with UID during UID commands); our own changes are not echoed
    twice."""
    a = session(coffer)
    b = session(coffer)
    append(a, "", 3)
    a.ok("a", "SELECT INBOX")
    b.ok("b", "SELECT INBOX")
    b.ok("c", "STORE 2 +FLAGS.SILENT (\\Flagged $Blue)")
    untagged = a.ok("d", "NOOP")
    assert untagged[0].startswith("* FLAGS (") and "$Blue" in untagged[0]
    # a holds \Recent for all three
    assert "* 2 FETCH (FLAGS (\\Flagged \\Recent $Blue))" in untagged
    b.ok("e", "STORE 3 +FLAGS.SILENT (\\Seen)")
    untagged = a.ok("f", "UID SEARCH ALL")
    assert "* 3 FETCH (UID 3 FLAGS (\\Seen \\Recent))" in untagged
    # a's own STORE reports once, from STORE itself
    untagged = a.ok("g", "STORE 1 +FLAGS (\\Answered)")
    assert len(untagged) == 1 and untagged[0].startswith("* 1 FETCH (")
    assert "\\Answered" in untagged[0]
    assert a.ok("h", "NOOP") == []
