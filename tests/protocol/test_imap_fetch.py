# SPDX-License-Identifier: MIT
"""FETCH and UID FETCH (RFC 3501 sections 6.4.5, 6.4.8, 7.4.2): every item
and macro, sections and partials, \\Seen, expunged messages, streaming of
large messages with output backpressure, and malformed arguments."""
import re
import socket
import time

import pytest

from imap_wire import Wire, crlf, fetch_map, parse_fetch

USER, PASS = "fetch", "secret"
LOGIN = f"{USER}@example.com"
pytestmark = pytest.mark.coffer(users={USER: PASS}, services="imap")

SIMPLE = crlf(b"From: Alice <alice@example.org>\n"
              b"To: bob@example.com\n"
              b"Subject: simple\n"
              b"Date: Sat, 24 Mar 2007 23:00:00 +0200\n"
              b"Message-ID: <simple@example.org>\n"
              b"\n"
              b"line one\n"
              b"line two\n")

COMPLEX = crlf(b"From: a@b.c\n"
               b"Subject: complex\n"
               b"Content-Type: multipart/mixed; boundary=YY\n"
               b"\n"
               b"--YY\n"
               b"\n"
               b"abc\n"
               b"--YY\n"
               b"Content-Type: message/rfc822\n"
               b"\n"
               b"From: x@y.z\n"
               b"Subject: inner\n"
               b"Content-Type: multipart/alternative; boundary=ZZ\n"
               b"\n"
               b"--ZZ\n"
               b"\n"
               b"plain\n"
               b"--ZZ\n"
               b"Content-Type: text/html\n"
               b"\n"
               b"<b>h</b>\n"
               b"--ZZ--\n"
               b"\n"
               b"--YY--\n")


def login(coffer):
    coffer.require("imap")
    return Wire.connect(coffer, LOGIN, PASS)


def mailbox(coffer, *messages, select=b"SELECT"):
    """A session with INBOX holding `messages` (bytes, or (bytes, flags,
    date) tuples), selected."""
    w = login(coffer)
    for m in messages:
        if isinstance(m, tuple):
            w.append(b"INBOX", m[0], flags=m[1], date=m[2])
        else:
            w.append(b"INBOX", m)
    w.ok(select + b" INBOX")
    return w


def one(w, cmd, seq=1):
    """The items of the FETCH response for message seq."""
    return w.fetch(cmd)[seq]


def test_simple_items(coffer):
    w = mailbox(coffer, (SIMPLE, b"\\Flagged $label",
                         "02-Jan-2020 10:11:12 +0000"))
    r = one(w, b"FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE)")
    assert r["FLAGS"] == [("atom", b"\\Flagged"), ("atom", b"\\Recent"),
                          ("atom", b"$label")]
    assert r["UID"] == ("atom", b"1")
    assert r["RFC822.SIZE"] == ("atom", str(len(SIMPLE)).encode())
    # the server runs in UTC here (see test_internaldate_zone)
    assert r["INTERNALDATE"] == b"02-Jan-2020 10:11:12 +0000"


def test_macros(coffer):
    """RFC 3501 section 6.4.5: ALL, FAST and FULL."""
    w = mailbox(coffer, SIMPLE)
    fast = ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]
    for macro, items in ((b"FAST", fast), (b"ALL", fast + ["ENVELOPE"]),
                         (b"FULL", fast + ["ENVELOPE", "BODY"])):
        untagged = w.ok(b"FETCH 1 " + macro)
        seq, pairs = parse_fetch(untagged[0])
        assert [k for k, _ in pairs] == items, macro


def test_envelope_and_bodystructure(coffer):
    w = mailbox(coffer, SIMPLE, COMPLEX)
    r = one(w, b"FETCH 1 (ENVELOPE BODY BODYSTRUCTURE)")
    assert r["ENVELOPE"] == [
        b"Sat, 24 Mar 2007 23:00:00 +0200", b"simple",
        [[b"Alice", None, b"alice", b"example.org"]],
        [[b"Alice", None, b"alice", b"example.org"]],
        [[b"Alice", None, b"alice", b"example.org"]],
        [[None, None, b"bob", b"example.com"]], None, None, None,
        b"<simple@example.org>"]
    assert r["BODY"] == [b"text", b"plain", [b"charset", b"us-ascii"], None,
                         None, b"7bit", ("atom", b"20"), ("atom", b"2")]
    assert r["BODYSTRUCTURE"][:8] == r["BODY"]
    r = one(w, b"FETCH 2 BODYSTRUCTURE", 2)
    bs = r["BODYSTRUCTURE"]
    assert bs[2] == b"mixed"
    assert bs[1][:2] == [b"message", b"rfc822"]
    assert bs[1][8][2] == b"alternative"


def test_body_sections(coffer):
    w = mailbox(coffer, SIMPLE, COMPLEX)
    hdr, text = SIMPLE.split(b"\r\n\r\n", 1)
    r = one(w, b"FETCH 1 (BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
               b"BODY.PEEK[1] BODY.PEEK[1.MIME] RFC822.HEADER)")
    assert r["BODY[]"] == SIMPLE
    assert r["BODY[HEADER]"] == hdr + b"\r\n\r\n"
    assert r["RFC822.HEADER"] == hdr + b"\r\n\r\n"
    assert r["BODY[TEXT]"] == text
    assert r["BODY[1]"] == text
    # a non-multipart message: part 1's MIME header is the message header
    assert r["BODY[1.MIME]"] == hdr + b"\r\n\r\n"
    r = one(w, b"FETCH 2 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2] "
               b"BODY.PEEK[2.MIME] BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] "
               b"BODY.PEEK[2.1] BODY.PEEK[2.2] BODY.PEEK[2.2.MIME])", 2)
    assert r["BODY[1]"] == b"abc"
    assert r["BODY[1.MIME]"] == b"\r\n"
    assert r["BODY[2.MIME]"] == b"Content-Type: message/rfc822\r\n\r\n"
    assert r["BODY[2.HEADER]"] == (
        b"From: x@y.z\r\nSubject: inner\r\nContent-Type: multipart/"
        b"alternative; boundary=ZZ\r\n\r\n")
    assert r["BODY[2.TEXT]"].startswith(b"--ZZ\r\n")
    assert r["BODY[2]"] == r["BODY[2.HEADER]"] + r["BODY[2.TEXT]"]
    assert r["BODY[2.1]"] == b"plain"
    assert r["BODY[2.2]"] == b"<b>h</b>"
    assert r["BODY[2.2.MIME]"] == b"Content-Type: text/html\r\n\r\n"


def test_absent_sections_are_empty(coffer):
    """Sections that do not exist answer as an empty string, as Dovecot
    does (RFC 3501 does not say)."""
    w = mailbox(coffer, SIMPLE, COMPLEX)
    r = one(w, b"FETCH 1 (BODY.PEEK[2] BODY.PEEK[1.2] BODY.PEEK[1.HEADER] "
               b"BODY.PEEK[3.MIME])")
    assert r == {"BODY[2]": b"", "BODY[1.2]": b"", "BODY[1.HEADER]": b"",
                 "BODY[3.MIME]": b""}
    r = one(w, b"FETCH 2 (BODY.PEEK[1.HEADER] BODY.PEEK[9] "
               b"BODY.PEEK[2.3] BODY.PEEK[1.1.1])", 2)
    assert set(r.values()) == {b""}


def test_header_fields(coffer):
    msg = crlf(b"From: a@b.c\nX-Long: one\n two\nsubject: s1\n"
               b"Date: Sat, 24 Mar 2007 23:00:00 +0200\nSubject: again\n"
               b"\nbody\n")
    w = mailbox(coffer, msg)
    r = one(w, b"FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] "
               b"BODY.PEEK[HEADER.FIELDS.NOT (Subject DATE)] "
               b"BODY.PEEK[HEADER.FIELDS (x-long xyz)] "
               b"BODY.PEEK[HEADER.FIELDS (XYZ)])")
    assert r["BODY[HEADER.FIELDS (SUBJECT)]"] == \
        b"subject: s1\r\nSubject: again\r\n\r\n"
    # (response names keep the client's spelling; the helper upper-cases)
    assert r["BODY[HEADER.FIELDS.NOT (SUBJECT DATE)]"] == \
        b"From: a@b.c\r\nX-Long: one\r\n two\r\n\r\n"
    assert r["BODY[HEADER.FIELDS (X-LONG XYZ)]"] == \
        b"X-Long: one\r\n two\r\n\r\n"
    assert r["BODY[HEADER.FIELDS (XYZ)]"] == b"\r\n"
    # more names than the linear search handles: the hashed path
    names = b" ".join(b"X-N%d" % i for i in range(40)) + b" DATE"
    r = one(w, b"FETCH 1 BODY.PEEK[HEADER.FIELDS (" + names + b")]")
    assert list(r.values()) == \
        [b"Date: Sat, 24 Mar 2007 23:00:00 +0200\r\n\r\n"]
    r = one(w, b"FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (" + names + b")]")
    assert list(r.values())[0].startswith(b"From: a@b.c\r\nX-Long")


def test_header_fields_without_blank_line(coffer):
    """RFC 3501 section 6.4.5: no blank line for a message that has no
    body and no blank line."""
    w = mailbox(coffer, b"Subject: only\r\n")
    r = one(w, b"FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
               b"BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822.SIZE)")
    assert r["BODY[HEADER]"] == b"Subject: only\r\n"
    assert r["BODY[TEXT]"] == b""
    assert r["BODY[HEADER.FIELDS (SUBJECT)]"] == b"Subject: only\r\n"


def test_partial(coffer):
    w = mailbox(coffer, SIMPLE)
    text = SIMPLE.split(b"\r\n\r\n", 1)[1]
    untagged = w.ok(b"FETCH 1 (BODY.PEEK[TEXT]<0.4> BODY.PEEK[TEXT]<5.3> "
                    b"BODY.PEEK[TEXT]<18.100> BODY.PEEK[TEXT]<20.1> "
                    b"BODY.PEEK[TEXT]<500.1>)")
    # the response names carry only the origin (RFC 3501 section 7.4.2)
    assert [k for k, _ in parse_fetch(untagged[0])[1]] == [
        "BODY[TEXT]<0>", "BODY[TEXT]<5>", "BODY[TEXT]<18>",
        "BODY[TEXT]<20>", "BODY[TEXT]<500>"]
    r = fetch_map(untagged)[1]
    assert r["BODY[TEXT]<0>"] == text[0:4]
    assert r["BODY[TEXT]<5>"] == text[5:8]
    assert r["BODY[TEXT]<18>"] == text[18:]
    assert r["BODY[TEXT]<20>"] == b""
    assert r["BODY[TEXT]<500>"] == b""
    # a partial of a subset is taken after subsetting
    r = one(w, b"FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT TO)]<4.10>")
    subset = b"To: bob@example.com\r\nSubject: simple\r\n\r\n"
    assert list(r.values()) == [subset[4:14]]


def test_partial_4gb(coffer):
    """Offsets and counts up to 2^32-1 (RFC 3501 section 9: number)."""
    w = mailbox(coffer, SIMPLE)
    r = one(w, b"FETCH 1 (BODY.PEEK[]<0.4294967295> "
               b"BODY.PEEK[]<4294967295.4294967295> "
               b"BODY.PEEK[TEXT]<4294967290.4294967295>)")
    assert r == {"BODY[]<0>": SIMPLE, "BODY[]<4294967295>": b"",
                 "BODY[TEXT]<4294967290>": b""}
    for bad in (b"BODY[]<4294967296.1>", b"BODY[]<0.4294967296>",
                b"BODY[]<0.0>", b"BODY[]<1>", b"BODY[]<-1.2>",
                b"BODY[]<1.2", b"BODY[HEADER]<0.1><0.1>"):
        status, _, _ = w.status(b"FETCH 1 " + bad)
        assert status == "BAD", bad


def test_rfc822_items(coffer):
    w = mailbox(coffer, SIMPLE)
    hdr, text = SIMPLE.split(b"\r\n\r\n", 1)
    r = one(w, b"FETCH 1 (RFC822.HEADER RFC822.SIZE)")
    assert r["RFC822.HEADER"] == hdr + b"\r\n\r\n"
    r = one(w, b"FETCH 1 RFC822.TEXT")
    assert r["RFC822.TEXT"] == text
    r = one(w, b"FETCH 1 RFC822")
    assert r["RFC822"] == SIMPLE


def test_implicit_seen(coffer):
    """RFC 3501 section 6.4.5: BODY[], RFC822 and RFC822.TEXT set \\Seen
    and the new FLAGS come with the response; the PEEK forms and
    RFC822.HEADER do not."""
    w = mailbox(coffer, SIMPLE, SIMPLE, SIMPLE, SIMPLE, SIMPLE)
    for item in (b"BODY.PEEK[]", b"RFC822.HEADER", b"BODY.PEEK[TEXT]<0.1>",
                 b"RFC822.SIZE", b"BODYSTRUCTURE"):
        r = one(w, b"FETCH 1 " + item)
        assert "FLAGS" not in r, item
    assert one(w, b"FETCH 1 FLAGS")["FLAGS"] == [("atom", b"\\Recent")]
    for seq, item in ((1, b"BODY[]"), (2, b"RFC822"), (3, b"RFC822.TEXT"),
                      (4, b"BODY[HEADER.FIELDS (FROM)]<0.1>")):
        r = one(w, b"FETCH %d %s" % (seq, item), seq)
        assert r["FLAGS"] == [("atom", b"\\Seen"), ("atom", b"\\Recent")]
    # already seen: no FLAGS unless asked for
    r = one(w, b"FETCH 1 BODY[]")
    assert "FLAGS" not in r
    r = one(w, b"FETCH 5 (FLAGS BODY[TEXT])", 5)
    assert r["FLAGS"] == [("atom", b"\\Seen"), ("atom", b"\\Recent")]
    untagged = w.ok(b"FETCH 5 (FLAGS BODY[TEXT])")
    assert len(untagged) == 1
    assert w.ok(b"SEARCH UNSEEN") == [b"* SEARCH"]


def test_seen_reported_to_other_session(coffer):
    a = mailbox(coffer, SIMPLE)
    b = login(coffer)
    b.ok(b"SELECT INBOX")
    a.ok(b"FETCH 1 BODY[]")
    untagged = b.ok(b"NOOP")
    assert b"* 1 FETCH (FLAGS (\\Seen))" in untagged


def test_examine_does_not_set_seen(coffer):
    w = mailbox(coffer, SIMPLE, select=b"EXAMINE")
    r = one(w, b"FETCH 1 (BODY[] FLAGS)")
    # EXAMINE shows \Recent without claiming it
    assert r["FLAGS"] == [("atom", b"\\Recent")]
    assert r["BODY[]"] == SIMPLE
    untagged = w.ok(b"FETCH 1 RFC822")
    assert fetch_map(untagged)[1].keys() == {"RFC822"}
    w.ok(b"SELECT INBOX")
    assert one(w, b"FETCH 1 FLAGS")["FLAGS"] == [("atom", b"\\Recent")]


def test_uid_fetch(coffer):
    w = mailbox(coffer, SIMPLE, SIMPLE, SIMPLE)
    w.ok(b"STORE 2 +FLAGS (\\Deleted)")
    w.ok(b"EXPUNGE")
    untagged = w.ok(b"UID FETCH 1:* FLAGS")
    assert untagged == [b"* 1 FETCH (UID 1 FLAGS (\\Recent))",
                        b"* 2 FETCH (UID 3 FLAGS (\\Recent))"]
    # UID is not repeated when asked for (RFC 3501 section 6.4.8)
    untagged = w.ok(b"UID FETCH 3 (UID RFC822.SIZE UID)")
    assert untagged == [b"* 2 FETCH (UID 3 RFC822.SIZE %d)" % len(SIMPLE)]
    # UIDs that do not exist are no error
    assert w.ok(b"UID FETCH 2 FLAGS") == []
    assert w.ok(b"UID FETCH 4:100 FLAGS") == []
    # "*" is the highest UID, even when the range starts above it
    assert w.ok(b"UID FETCH 100:* UID") == [b"* 2 FETCH (UID 3)"]
    assert w.ok(b"UID FETCH 1:4294967295 UID") == [
        b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 3)"]


def test_duplicates_answered_once(coffer):
    w = mailbox(coffer, SIMPLE)
    untagged = w.ok(b"FETCH 1 (FLAGS UID FLAGS UID BODY.PEEK[HEADER] "
                    b"BODY.PEEK[HEADER] RFC822.SIZE)")
    keys = [k for k, _ in parse_fetch(untagged[0])[1]]
    assert keys == ["FLAGS", "UID", "BODY[HEADER]", "RFC822.SIZE"]


def test_sequence_order_and_ranges(coffer):
    w = mailbox(coffer, *[SIMPLE] * 6)
    seqs = [parse_fetch(u)[0] for u in w.ok(b"FETCH 5,2:3,1,*,4:2 UID")]
    assert seqs == [1, 2, 3, 4, 5, 6]
    assert [parse_fetch(u)[0] for u in w.ok(b"FETCH *:5 UID")] == [5, 6]


def test_internaldate_zone(coffer_factory, monkeypatch):
    """INTERNALDATE is shown in the server's time zone (here EET/EEST,
    with daylight saving time)."""
    monkeypatch.setenv("TZ", "EET-2EEST,M3.5.0/3,M10.5.0/4")
    srv = coffer_factory(users={USER: PASS}, services="imap", start=True)
    w = login(srv)
    w.append(b"INBOX", SIMPLE, date="01-Jan-2020 10:00:00 +0000")
    w.append(b"INBOX", SIMPLE, date="01-Jul-2020 23:30:00 -0100")
    w.ok(b"SELECT INBOX")
    r = w.fetch(b"FETCH 1:2 INTERNALDATE")
    assert r[1]["INTERNALDATE"] == b"01-Jan-2020 12:00:00 +0200"
    assert r[2]["INTERNALDATE"] == b"02-Jul-2020 03:30:00 +0300"
    # BEFORE/ON/SINCE use the same local day
    assert w.ok(b"SEARCH ON 2-Jul-2020") == [b"* SEARCH 2"]
    assert w.ok(b"SEARCH BEFORE 2-Jul-2020") == [b"* SEARCH 1"]


def test_large_message_streamed(coffer):
    """A message much larger than the output buffer arrives intact while
    the client reads slowly."""
    body = b"".join(b"%07d abcdefghijklmnopqrstuvwxyz0123456789\r\n" % i
                    for i in range(60000))
    msg = b"Subject: big\r\n\r\n" + body
    w = mailbox(coffer, msg)
    tag = w.tag()
    w.send(tag + b" FETCH 1 (BODY.PEEK[] BODY.PEEK[TEXT]<1000.100000>)\r\n")
    time.sleep(1)  # let the server fill the buffers and wait for us
    untagged, tagged = w.until_tagged(tag)
    assert tagged == tag + b" OK Fetch completed."
    r = fetch_map(untagged)[1]
    assert r["BODY[]"] == msg
    assert r["BODY[TEXT]<1000>"] == body[1000:101000]


@pytest.mark.coffer(users={USER: PASS}, services="imap",
                    options={"max_net_buffer": "4096"})
def test_tiny_output_buffer(coffer):
    """With the smallest max_net_buffer, large strings (a BODYSTRUCTURE
    of 1000 parts, a big body) are written in pieces and never overflow
    the connection's buffer."""
    parts = b"".join(b"--b\r\nContent-Type: text/plain; name=\"part%d\""
                     b"\r\n\r\np%d\r\n" % (i, i) for i in range(1000))
    msg = (b"Subject: parts\r\nContent-Type: multipart/mixed; boundary=b"
           b"\r\n\r\n" + parts + b"--b--\r\n")
    w = mailbox(coffer, msg, msg)
    r = w.fetch(b"FETCH 1:2 (BODYSTRUCTURE BODY.PEEK[] UID)")
    assert len(r[2]["BODYSTRUCTURE"]) == 1000 + 5
    assert r[1]["BODY[]"] == msg
    assert w.ok(b"SEARCH BODY p999") == [b"* SEARCH 1 2"]


def test_many_messages_flags(coffer):
    """FETCH 1:* (UID FLAGS) over many messages: one response each, in
    order, quickly (index data only)."""
    n = 2000
    w = login(coffer)
    msgs = b"".join(b" {%d+}\r\n%s" % (len(SIMPLE), SIMPLE)
                    for _ in range(n))
    w.ok(b"APPEND INBOX" + msgs)  # MULTIAPPEND: one transaction
    w.ok(b"SELECT INBOX")
    w.ok(b"STORE 1:* +FLAGS.SILENT (\\Seen)")
    start = time.monotonic()
    untagged = w.ok(b"FETCH 1:* (UID FLAGS)")
    elapsed = time.monotonic() - start
    assert len(untagged) == n
    assert untagged[-1] == b"* %d FETCH (UID %d FLAGS (\\Seen \\Recent))" \
        % (n, n)
    assert elapsed < 10, elapsed


def test_expunged_meanwhile(coffer):
    """RFC 2180 section 4.1: messages another session expunged stay in the
    view (no EXPUNGE during FETCH) but have no data left: they get no
    FETCH response and the command ends NO [EXPUNGEISSUED]; the next
    command that may, reports the EXPUNGE."""
    a = mailbox(coffer, SIMPLE, COMPLEX, SIMPLE)
    b = login(coffer)
    b.ok(b"SELECT INBOX")
    b.ok(b"STORE 2 +FLAGS.SILENT (\\Deleted)")
    b.ok(b"EXPUNGE")
    status, untagged, tagged = a.status(b"FETCH 1:3 (UID RFC822.SIZE)")
    assert status == "NO" and b"[EXPUNGEISSUED]" in tagged
    assert [parse_fetch(u)[0] for u in untagged] == [1, 3]
    status, untagged, tagged = a.status(b"FETCH 1:3 (UID BODY.PEEK[HEADER])")
    assert status == "NO" and b"[EXPUNGEISSUED]" in tagged
    r = fetch_map(untagged)
    assert sorted(r) == [1, 3]
    assert r[3]["BODY[HEADER]"] == SIMPLE.split(b"\r\n\r\n")[0] + \
        b"\r\n\r\n"
    assert not any(b"EXPUNGE" in u for u in untagged)
    # the next command that may, reports it
    untagged = a.ok(b"NOOP")
    assert b"* 2 EXPUNGE" in untagged
    assert a.ok(b"FETCH 2 UID") == [b"* 2 FETCH (UID 3)"]


def test_expunge_during_long_fetch(coffer):
    """An expunge by another session while a big FETCH is being sent:
    every announced literal is completed and the rest answered or left
    out cleanly."""
    big = b"Subject: big\r\n\r\n" + b"x" * 2_000_000 + b"\r\n"
    a = mailbox(coffer, big, big, big, big)
    b = login(coffer)
    b.ok(b"SELECT INBOX")
    tag = a.tag()
    a.send(tag + b" FETCH 1:4 BODY.PEEK[]\r\n")
    first = a.response()  # the first message is on its way
    b.ok(b"STORE 1:4 +FLAGS.SILENT (\\Deleted)")
    b.ok(b"EXPUNGE")
    untagged, tagged = a.until_tagged(tag)
    untagged.insert(0, first)
    got = fetch_map(untagged)
    for seq, items in got.items():
        assert items["BODY[]"] == big
    assert 1 in got
    if len(got) < 4:
        assert b"[EXPUNGEISSUED]" in tagged
    else:
        assert tagged.startswith(tag + b" OK")
    assert b"EXPUNGE" not in b"".join(untagged)
    a.ok(b"NOOP")
    assert a.ok(b"SEARCH ALL") == [b"* SEARCH"]


def test_bad_arguments(coffer):
    w = mailbox(coffer, SIMPLE, SIMPLE)
    for args in (b"", b"1", b"1 ()", b"1 (FLAGS", b"1 FLAGS)", b"1 FOO",
                 b"1 (FLAGS FOO)", b"0 FLAGS", b"3 FLAGS", b"1:3 FLAGS",
                 b"x FLAGS", b"1,,2 FLAGS", b"1 BODY[", b"1 BODY[]]",
                 b"1 BODY[HEADER.FIELDS]", b"1 BODY[HEADER.FIELDS ()]",
                 b"1 BODY[HEADER.FIELDS (A:B)]", b"1 BODY[0]",
                 b"1 BODY[1.0]", b"1 BODY[MIME]", b"1 BODY[TEXT.1]",
                 b"1 BODY[1.FOO]", b"1 BODY.PEEK", b"1 RFC822.PEEK",
                 b"1 (ALL)", b"1 ALL FAST", b"1 FLAGS FLAGS",
                 b"1 BODY[HEADER.FIELDS (FROM)", b"1 \"FLAGS\"",
                 b"1 {5+}\r\nFLAGS", b"1 (BODY[HEADER.FIELDS ((FROM))])"):
        status, untagged, tagged = w.status(b"FETCH " + args)
        assert status == "BAD", (args, tagged)
        assert untagged == []
        # the session ends after 20 BAD replies in a row
        w.ok(b"NOOP")


def test_extensions_not_offered(coffer):
    """Items of extensions the server does not advertise are BAD."""
    w = mailbox(coffer, SIMPLE)
    for item in (b"MODSEQ", b"BINARY[]", b"BINARY.PEEK[1]",
                 b"BINARY.SIZE[1]", b"EMAILID", b"THREADID", b"SAVEDATE",
                 b"PREVIEW", b"FLAGS (CHANGEDSINCE 1)"):
        status, _, tagged = w.status(b"FETCH 1 " + item)
        assert status == "BAD", item
    status, _, _ = w.status(b"UID FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)")
    assert status == "BAD"


def test_huge_sequence_sets(coffer):
    w = mailbox(coffer, SIMPLE, SIMPLE, SIMPLE)
    # 10,000 ranges in one set, within the command line limit
    seqset = b",".join(b"%d" % (1 + i % 3) for i in range(10000))
    untagged = w.ok(b"FETCH " + seqset + b" UID")
    assert len(untagged) == 3
    uidset = b",".join(b"%d:%d" % (i * 10 + 1, i * 10 + 5)
                       for i in range(5000))
    assert len(w.ok(b"UID FETCH " + uidset + b" UID")) == 3
    # a command line beyond the server's limit (64 KiB) is refused
    try:
        status, _, _ = w.status(b"FETCH " + b"1," * 40000 + b"1 UID")
        assert status == "BAD"
    except (EOFError, ConnectionResetError):
        pass  # or the session ends: either way nothing was fetched
    assert len(mailbox(coffer).ok(b"FETCH 1:* UID")) == 3


def test_wrong_state(coffer):
    coffer.require("imap")
    w = Wire.connect(coffer)
    for cmd in (b"FETCH 1 FLAGS", b"UID FETCH 1 FLAGS"):
        status, _, _ = w.status(cmd)
        assert status in ("BAD", "NO")
    w.ok(b"LOGIN %s %s" % (LOGIN.encode(), PASS.encode()))
    for cmd in (b"FETCH 1 FLAGS", b"UID FETCH 1 FLAGS"):
        status, _, _ = w.status(cmd)
        assert status in ("BAD", "NO")


def test_empty_mailbox(coffer):
    w = mailbox(coffer)
    status, _, _ = w.status(b"FETCH 1:* FLAGS")
    assert status == "BAD"
    assert w.ok(b"UID FETCH 1:* FLAGS") == []


def test_connection_closed_mid_fetch(coffer):
    """A client that disconnects while a large FETCH is being sent does
    not disturb the server."""
    big = b"Subject: big\r\n\r\n" + b"y" * 3_000_000 + b"\r\n"
    w = mailbox(coffer, big, big)
    w.send(b"X FETCH 1:2 BODY.PEEK[]\r\n")
    w.sock.recv(1000)
    w.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                      b"\x01\x00\x00\x00\x00\x00\x00\x00")
    w.close()
    v = login(coffer)
    v.ok(b"SELECT INBOX")
    assert len(v.fetch(b"FETCH 1:2 RFC822.SIZE")) == 2


@pytest.mark.coffer(users={USER: PASS}, services="imap,lmtp")
def test_nul_bytes_sent_as_0x80(coffer):
    """RFC 3501 section 9: CHAR8 excludes NUL. A message with NUL bytes
    (APPEND refuses them, LMTP delivers them) is sent with 0x80 in their
    place; sizes stay exact. SEARCH still finds its text."""
    coffer.require("lmtp")
    msg = b"Subject: nul\r\n\r\nab\x00cd\r\n\x00\x00end\r\n"
    r = coffer.deliver(LOGIN, msg)
    assert r[LOGIN][0] == 250, r
    w = login(coffer)
    w.ok(b"SELECT INBOX")
    r = one(w, b"FETCH 1 (RFC822.SIZE BODY.PEEK[] BODY.PEEK[TEXT]<2.4>)")
    stored = r["BODY[]"]
    assert len(stored) == int(r["RFC822.SIZE"][1])
    assert b"\x00" not in stored
    assert stored.replace(b"\x80", b"\x00").endswith(
        b"ab\x00cd\r\n\x00\x00end\r\n")
    assert r["BODY[TEXT]<2>"] == b"\x80cd\r"
    assert w.ok(b"SEARCH BODY end") == [b"* SEARCH 1"]
