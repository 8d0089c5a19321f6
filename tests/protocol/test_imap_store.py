# SPDX-License-Identifier: MIT
"""STORE and UID STORE (RFC 3501 sections 6.4.6 and 6.4.8): FLAGS, +FLAGS,
-FLAGS, .SILENT, keywords and their announcement, \\Recent, read-only
mailboxes, other sessions, expunged messages and malformed arguments."""
import pytest

from imap_wire import Wire, fetch_map

USER, PASS = "store", "secret"
LOGIN = f"{USER}@example.com"
pytestmark = pytest.mark.coffer(users={USER: PASS}, services="imap")

MSG = b"Subject: s\r\n\r\nbody\r\n"


def mailbox(coffer, n=4, select=b"SELECT"):
    coffer.require("imap")
    w = Wire.connect(coffer, LOGIN, PASS)
    for _ in range(n):
        w.append(b"INBOX", MSG)
    w.ok(select + b" INBOX")
    return w


def flags_of(w, seqset=b"1:*"):
    return {seq: [v[1].decode() for v in items["FLAGS"]]
            for seq, items in w.fetch(b"FETCH %s FLAGS" % seqset).items()}


def test_replace_add_remove(coffer):
    w = mailbox(coffer)
    assert w.ok(b"STORE 1:2 FLAGS (\\Seen \\Flagged)") == [
        b"* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))",
        b"* 2 FETCH (FLAGS (\\Seen \\Flagged \\Recent))"]
    assert w.ok(b"STORE 2:3 +FLAGS (\\Answered \\Draft)") == [
        b"* 2 FETCH (FLAGS (\\Seen \\Answered \\Flagged \\Draft \\Recent))",
        b"* 3 FETCH (FLAGS (\\Answered \\Draft \\Recent))"]
    assert w.ok(b"STORE 1:3 -FLAGS (\\Flagged \\Draft)") == [
        b"* 1 FETCH (FLAGS (\\Seen \\Recent))",
        b"* 2 FETCH (FLAGS (\\Seen \\Answered \\Recent))",
        b"* 3 FETCH (FLAGS (\\Answered \\Recent))"]
    # FLAGS () clears everything but \Recent
    assert w.ok(b"STORE 2 FLAGS ()") == [b"* 2 FETCH (FLAGS (\\Recent))"]
    # the "flag *(SP flag)" form without parentheses
    assert w.ok(b"STORE 4 +FLAGS \\Deleted \\Seen") == [
        b"* 4 FETCH (FLAGS (\\Seen \\Deleted \\Recent))"]
    # every message of the set is answered, changed or not
    assert len(w.ok(b"STORE 1:4 +FLAGS ()")) == 4


def test_silent(coffer):
    w = mailbox(coffer)
    for item in (b"FLAGS.SILENT", b"+FLAGS.SILENT", b"-FLAGS.SILENT"):
        assert w.ok(b"STORE 1:* %s (\\Seen)" % item) == []
    w.ok(b"STORE 1 +FLAGS.SILENT (\\Flagged)")
    assert flags_of(w)[1] == ["\\Flagged", "\\Recent"]


def test_uid_store(coffer):
    w = mailbox(coffer)
    w.ok(b"STORE 2 +FLAGS.SILENT (\\Deleted)")
    w.ok(b"EXPUNGE")
    assert w.ok(b"UID STORE 3:4 +FLAGS (\\Seen)") == [
        b"* 2 FETCH (UID 3 FLAGS (\\Seen \\Recent))",
        b"* 3 FETCH (UID 4 FLAGS (\\Seen \\Recent))"]
    # UIDs that do not exist: nothing to do, no error
    assert w.ok(b"UID STORE 2 +FLAGS (\\Seen)") == []
    assert w.ok(b"UID STORE 100:200 +FLAGS (\\Seen)") == []
    assert w.ok(b"UID STORE 1:4294967295 -FLAGS.SILENT (\\Seen)") == []


def test_keywords_announced(coffer):
    """RFC 3501 sections 7.2.6 and 7.1: a new keyword comes with FLAGS
    and PERMANENTFLAGS before the FETCH responses that use it."""
    w = mailbox(coffer, 2)
    untagged = w.ok(b"STORE 1 +FLAGS ($Label1 Work)")
    assert untagged[0].startswith(b"* FLAGS (")
    assert b"$Label1" in untagged[0] and b"Work" in untagged[0]
    assert untagged[1].startswith(b"* OK [PERMANENTFLAGS (")
    assert b"\\*)]" in untagged[1]
    assert untagged[2] == b"* 1 FETCH (FLAGS (\\Recent $Label1 Work))"
    # known keywords (in any case): no new announcement, the mailbox's
    # spelling
    assert w.ok(b"STORE 2 +FLAGS (work)") == [
        b"* 2 FETCH (FLAGS (\\Recent Work))"]
    untagged = w.ok(b"STORE 1 -FLAGS ($label1)")
    assert untagged == [b"* 1 FETCH (FLAGS (\\Recent Work))"]
    # .SILENT still announces new keywords
    untagged = w.ok(b"STORE 2 +FLAGS.SILENT (Fresh)")
    assert len(untagged) == 2 and b"Fresh" in untagged[0]


def test_keywords_seen_by_other_session(coffer):
    a = mailbox(coffer, 2)
    b = Wire.connect(coffer, LOGIN, PASS)
    b.ok(b"SELECT INBOX")
    a.ok(b"STORE 2 +FLAGS (NewKw \\Answered)")
    untagged = b.ok(b"NOOP")
    assert any(u.startswith(b"* FLAGS (") and b"NewKw" in u
               for u in untagged)
    assert b"* 2 FETCH (FLAGS (\\Answered NewKw))" in untagged


def test_recent_not_storable(coffer):
    w = mailbox(coffer)
    for args in (b"1 FLAGS (\\Recent)", b"1 +FLAGS (\\Recent)",
                 b"1 -FLAGS (\\Seen \\Recent)"):
        status, _, _ = w.status(b"STORE " + args)
        assert status == "BAD", args
    assert flags_of(w, b"1")[1] == ["\\Recent"]


def test_read_only(coffer):
    w = mailbox(coffer, 2, select=b"EXAMINE")
    status, untagged, tagged = w.status(b"STORE 1 +FLAGS (\\Seen)")
    assert status == "NO" and untagged == []
    status, _, _ = w.status(b"UID STORE 1 FLAGS.SILENT (\\Seen)")
    assert status == "NO"
    # malformed arguments are still BAD
    status, _, _ = w.status(b"STORE 1 +FLAGS (\\Bogus)")
    assert status == "BAD"
    assert flags_of(w) == {1: ["\\Recent"], 2: ["\\Recent"]}


def test_concurrent_sessions_merge(coffer):
    """Two sessions changing different flags of one message do not
    overwrite each other (imaptest "store")."""
    a = mailbox(coffer, 1)
    b = Wire.connect(coffer, LOGIN, PASS)
    b.ok(b"SELECT INBOX")
    a.ok(b"STORE 1 +FLAGS.SILENT (\\Answered \\Seen)")
    b.ok(b"STORE 1 -FLAGS.SILENT (\\Seen)")
    a.ok(b"NOOP")
    assert flags_of(a)[1] == ["\\Answered", "\\Recent"]
    assert flags_of(b)[1] == ["\\Answered"]


def test_store_expunged_meanwhile(coffer):
    """RFC 2180 section 4.2: a message another session expunged is left
    alone and gets no FETCH; no EXPUNGE is sent during STORE."""
    a = mailbox(coffer, 3)
    b = Wire.connect(coffer, LOGIN, PASS)
    b.ok(b"SELECT INBOX")
    b.ok(b"STORE 2 +FLAGS.SILENT (\\Deleted)")
    b.ok(b"EXPUNGE")
    untagged = a.ok(b"STORE 1:3 +FLAGS (\\Flagged)")
    assert untagged == [b"* 1 FETCH (FLAGS (\\Flagged \\Recent))",
                        b"* 3 FETCH (FLAGS (\\Flagged \\Recent))"]
    assert b"* 2 EXPUNGE" in a.ok(b"NOOP")
    assert flags_of(a) == {1: ["\\Flagged", "\\Recent"],
                           2: ["\\Flagged", "\\Recent"]}


def test_many_messages(coffer):
    """A STORE over thousands of messages answers each in order."""
    coffer.require("imap")
    w = Wire.connect(coffer, LOGIN, PASS)
    n = 2000
    w.ok(b"APPEND INBOX" + b"".join(b" {%d+}\r\n%s" % (len(MSG), MSG)
                                    for _ in range(n)))
    w.ok(b"SELECT INBOX")
    untagged = w.ok(b"STORE 1:* +FLAGS (\\Seen)")
    assert len(untagged) == n
    assert untagged[-1] == b"* %d FETCH (FLAGS (\\Seen \\Recent))" % n
    assert w.ok(b"SEARCH UNSEEN") == [b"* SEARCH"]


def test_bad_arguments(coffer):
    w = mailbox(coffer, 2)
    for args in (b"", b"1", b"1 FLAGS", b"1 FOO (\\Seen)",
                 b"1 FLAGS (\\Seen", b"1 FLAGS (\"quoted\")",
                 b"1 FLAGS ({3+}\r\nabc)", b"1 FLAGS (\\Bogus)",
                 b"1 FLAGS ((\\Seen))", b"1 FLAGS.LOUD (\\Seen)",
                 b"0 FLAGS (\\Seen)", b"3 FLAGS (\\Seen)", b"* FOO",
                 b"1 FLAGS (a\x01b)", b"1 +FLAGS (" + b"k" * 200 + b")",
                 b"1 (UNCHANGEDSINCE 5) FLAGS (\\Seen)", b"1 FLAGS (%)"):
        status, untagged, tagged = w.status(b"STORE " + args)
        assert status == "BAD", (args, tagged)
        assert untagged == []
        w.ok(b"NOOP")
    assert flags_of(w) == {1: ["\\Recent"], 2: ["\\Recent"]}


def test_wrong_state(coffer):
    coffer.require("imap")
    w = Wire.connect(coffer)
    status, _, _ = w.status(b"STORE 1 FLAGS (\\Seen)")
    assert status in ("BAD", "NO")
    w.ok(b"LOGIN %s %s" % (LOGIN.encode(), PASS.encode()))
    status, _, _ = w.status(b"UID STORE 1 FLAGS (\\Seen)")
    assert status in ("BAD", "NO")


def test_keyword_limits(coffer):
    """Keywords per message are bounded by the store (256); going beyond
    is NO [LIMIT] and changes nothing."""
    w = mailbox(coffer, 1)
    kws = b" ".join(b"k%d" % i for i in range(300))
    status, _, tagged = w.status(b"STORE 1 +FLAGS (" + kws + b")")
    assert status == "NO" and b"[LIMIT]" in tagged
    items = fetch_map(w.ok(b"FETCH 1 FLAGS"))[1]["FLAGS"]
    assert items == [("atom", b"\\Recent")]
    kws = b" ".join(b"k%d" % i for i in range(256))
    assert len(w.ok(b"STORE 1 +FLAGS.SILENT (" + kws + b")")) == 2
    items = fetch_map(w.ok(b"FETCH 1 FLAGS"))[1]["FLAGS"]
    assert len(items) == 257
