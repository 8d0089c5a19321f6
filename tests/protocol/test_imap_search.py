# SPDX-License-Identifier: MIT
"""SEARCH and UID SEARCH (RFC 3501 sections 6.4.4, 6.4.8, 7.2.5): every
key, sets, OR/NOT/parentheses, dates, sizes, header and body text with
RFC 2047, transfer encodings and charsets, CHARSET and BADCHARSET, limits
and malformed programs."""
import base64

import pytest

from imap_wire import Wire, crlf, search_result

USER, PASS = "search", "secret"
LOGIN = f"{USER}@example.com"
pytestmark = pytest.mark.coffer(users={USER: PASS}, services="imap")

M1 = crlf("From: =?utf-8?q?=C3=84rger_=C3=96lmann?= <aerger@example.org>\n"
          "To: Bob <bob@example.com>\n"
          "Cc: carol@example.net\n"
          "Bcc: dave@example.org\n"
          "Subject: =?iso-8859-1?q?Caf=E9_cr=E8me?=\n"
          "Date: Sat, 24 Mar 2007 23:00:00 +0200\n"
          "X-Custom: Special Value\n"
          "\n"
          "The quick brown fox\n"
          "jumps over the lazy dog.\n".encode())
M2 = crlf(b"From: zed@example.com\n"
          b"To: bob@example.com\n"
          b"Subject: Re: hello\n"
          b"Date: Sun, 25 Mar 2007 04:00:00 +0300\n"
          b"Content-Type: multipart/mixed; boundary=XX\n"
          b"\n"
          b"--XX\n"
          b"Content-Type: text/plain; charset=utf-8\n"
          b"Content-Transfer-Encoding: base64\n"
          b"\n" + base64.encodebytes("Quite na\u00efve text\n".encode()) +
          b"--XX\n"
          b"Content-Type: image/png\n"
          b"\n"
          b"fox fox fox (binary, not text)\n"
          b"--XX--\n")
M3 = crlf(b"From: yann@example.com\n"
          b"Subject: latin\n"
          b"Date: Mon, 26 Mar 2007 00:00:00 +0300\n"
          b"Content-Type: text/plain; charset=iso-8859-1\n"
          b"Content-Transfer-Encoding: quoted-printable\n"
          b"\n"
          b"na=EFve and soft=\n"
          b"break\n")
M4 = crlf(b"From: xavier@example.com\n"
          b"Subject: forwarded\n"
          b"Content-Type: multipart/mixed; boundary=YY\n"
          b"\n"
          b"--YY\n"
          b"\n"
          b"see attached\n"
          b"--YY\n"
          b"Content-Type: message/rfc822\n"
          b"\n"
          b"From: inner@example.com\n"
          b"Subject: innersubject\n"
          b"\n"
          b"innerbody\n"
          b"--YY--\n")
M5 = b"Subject: no body, no date\r\n"
MESSAGES = [M1, M2, M3, M4, M5]


def login(coffer):
    coffer.require("imap")
    return Wire.connect(coffer, LOGIN, PASS)


def corpus(coffer):
    w = login(coffer)
    dates = ["24-Mar-2007 23:00:00 +0200", "25-Mar-2007 12:00:00 +0000",
             "26-Mar-2007 00:30:00 +0000", "01-Jan-2020 00:00:00 +0000",
             "31-Dec-2019 23:59:59 +0000"]
    for m, d in zip(MESSAGES, dates):
        w.append(b"INBOX", m, date=d)
    w.ok(b"SELECT INBOX")
    return w


def search(w, program):
    if isinstance(program, str):
        program = program.encode()
    return search_result(w.ok(b"SEARCH " + program))


def utf8(w, key, text):
    """SEARCH CHARSET UTF-8 <key> <literal>."""
    data = text.encode()
    return search_result(w.ok(b"SEARCH CHARSET UTF-8 %s {%d+}\r\n%s" %
                              (key.encode(), len(data), data)))


def test_address_and_subject_keys(coffer):
    w = corpus(coffer)
    assert search(w, "FROM aerger") == [1]
    assert utf8(w, "FROM", "\u00f6lmann") == [1]  # RFC 2047, any case
    assert search(w, "FROM example.com") == [2, 3, 4]
    assert search(w, "TO bob") == [1, 2]
    assert search(w, "TO \"Bob <bob\"") == [1]
    assert search(w, "CC carol") == [1]
    assert search(w, "BCC dave") == [1]
    assert search(w, "BCC bob") == []
    assert utf8(w, "SUBJECT", "CAF\u00c9 CR\u00c8ME") == [1]
    assert search(w, "SUBJECT hello") == [2]
    assert search(w, "SUBJECT \"RE: HEL\"") == [2]
    # SUBJECT is the message's own header, not an embedded one's
    assert search(w, "SUBJECT innersubject") == []
    assert search(w, "SUBJECT \"\"") == [1, 2, 3, 4, 5]


def test_address_forms(coffer):
    """FROM/TO/CC/BCC match the envelope's addresses, not the header's
    spelling: comments, quoting and folding do not count, a comment after
    an address is its display name, groups are found by name and member
    (the imaptest "search-addresses" cases)."""
    w = login(coffer)
    for hdr in (b"From: user-from@domain.org",
                b"From: RealFrom <user-from@domain.org>",
                b"From: <user-from (comment)@ (comment) domain.org>",
                b"From: user-from@domain.org (RealFrom)",
                b"From: user-from1@domain.org, user-from2@domain.org",
                b"To: groupname: groupuser1@domain.org,\r\n"
                b" groupuser2@domain.org;, groupname2: g3@domain.org;",
                b"To: \"Quoted, Name\" <q@x.y>"):
        w.append(b"INBOX", hdr + b"\r\n\r\nbody\r\n")
    w.ok(b"SELECT INBOX")
    assert search(w, "FROM user-from@domain.org") == [1, 2, 3, 4]
    assert search(w, "FROM realfrom") == [2, 4]
    assert search(w, "FROM ser-fro") == [1, 2, 3, 4, 5]
    assert search(w, "FROM comment") == []
    assert search(w, "FROM user-from2") == [5]
    assert search(w, "TO groupname") == [6]
    assert search(w, "TO groupuser2") == [6]
    assert search(w, "TO \"groupname2: <g3@\"") == [6]
    assert search(w, "TO \"quoted, name <q@x.y>\"") == [7]
    assert search(w, "TO \"\"") == [6, 7]
    assert search(w, "CC \"\"") == []


def test_header_key(coffer):
    w = corpus(coffer)
    assert search(w, "HEADER X-Custom special") == [1]
    assert search(w, "HEADER x-custom \"value\"") == [1]
    assert search(w, "HEADER X-Custom \"\"") == [1]  # has the field
    assert search(w, "HEADER X-Missing \"\"") == []
    assert search(w, "HEADER Content-Transfer-Encoding quoted") == [3]
    assert search(w, "HEADER Date 2007") == [1, 2, 3]


def test_body_and_text_keys(coffer):
    w = corpus(coffer)
    assert search(w, "BODY fox") == [1]  # not the image part of 2
    assert utf8(w, "BODY", "NA\u00cfVE") == [2, 3]  # base64, QP latin-1
    assert search(w, "BODY softbreak") == [3]  # soft line break joined
    assert search(w, "BODY \"LAZY DOG\"") == [1]
    assert search(w, "BODY innerbody") == [4]
    # the header of an embedded message is body text of the outer one
    assert search(w, "BODY innersubject") == [4]
    assert search(w, "BODY aerger") == []
    assert search(w, "TEXT aerger") == [1]
    assert search(w, "TEXT \"subject: latin\"") == [3]
    assert search(w, "TEXT innerbody") == [4]
    assert search(w, "BODY \"\"") == [1, 2, 3, 4, 5]
    assert search(w, "TEXT nowhere-to-be-found") == []


def test_flag_keys(coffer):
    """The imaptest "search-flags" cases."""
    w = corpus(coffer)
    w.ok(b"STORE 1 FLAGS ($$hello)")
    w.ok(b"STORE 2 FLAGS (\\Seen \\Flagged)")
    w.ok(b"STORE 3 FLAGS (\\Answered $$hello)")
    w.ok(b"STORE 4 FLAGS (\\Flagged \\Draft)")
    w.ok(b"STORE 5 FLAGS (\\Deleted \\Answered)")
    cases = {"ANSWERED": [3, 5], "UNANSWERED": [1, 2, 4],
             "DELETED": [5], "UNDELETED": [1, 2, 3, 4],
             "DRAFT": [4], "UNDRAFT": [1, 2, 3, 5],
             "FLAGGED": [2, 4], "UNFLAGGED": [1, 3, 5],
             "SEEN": [2], "UNSEEN": [1, 3, 4, 5],
             "KEYWORD $$hello": [1, 3], "KEYWORD $$HELLO": [1, 3],
             "UNKEYWORD $$hello": [2, 4, 5], "KEYWORD nosuch": [],
             "UNKEYWORD nosuch": [1, 2, 3, 4, 5],
             "NEW": [1, 3, 4, 5], "OLD": [], "RECENT": [1, 2, 3, 4, 5],
             "ALL": [1, 2, 3, 4, 5], "NOT ALL": [],
             "SEEN FLAGGED": [2], "NOT SEEN FLAGGED": [4]}
    for program, want in cases.items():
        assert search(w, program) == want, program
    # a second session does not see \Recent
    v = login(coffer)
    v.ok(b"SELECT INBOX")
    assert search(v, "RECENT") == []
    assert search(v, "OLD") == [1, 2, 3, 4, 5]
    assert search(v, "NEW") == []


def test_internal_date_keys(coffer):
    """BEFORE/ON/SINCE: the day of INTERNALDATE in the server's zone
    (UTC here), disregarding time."""
    w = corpus(coffer)
    assert search(w, "ON 24-Mar-2007") == [1]  # 21:00 UTC
    assert search(w, "ON 25-Mar-2007") == [2]
    assert search(w, "BEFORE 25-Mar-2007") == [1]
    assert search(w, "SINCE 26-Mar-2007") == [3, 4, 5]
    assert search(w, "SINCE 1-Jan-2020") == [4]
    assert search(w, "ON 31-Dec-2019") == [5]
    assert search(w, "BEFORE \"1-Jan-2020\" SINCE 26-Mar-2007") == [3, 5]
    assert search(w, "BEFORE 1-Jan-1970") == []


def test_sent_date_keys(coffer):
    """SENT*: the day of the Date header in its own zone (the imaptest
    "search-date" cases); no Date header matches no SENT* key."""
    w = login(coffer)
    dates = ["Sat, 24 Mar 2007 23:00:00 +0200",
             "Sun, 25 Mar 2007 00:00:00 +0200",
             "Sun, 25 Mar 2007 23:00:00 +0300",
             "Mon, 26 Mar 2007 00:00:00 +0300",
             "Mon, 26 Mar 2007 00:00:00 -1200"]
    for d in dates:
        w.append(b"INBOX", b"Date: %s\r\n\r\nbody\r\n" % d.encode())
    w.append(b"INBOX", b"Date: garbage\r\n\r\nbody\r\n")
    w.append(b"INBOX", b"Subject: none\r\n\r\nbody\r\n")
    w.ok(b"SELECT INBOX")
    assert search(w, "SENTBEFORE 25-Mar-2007") == [1]
    assert search(w, "SENTON 25-Mar-2007") == [2, 3]
    assert search(w, "SENTON 26-Mar-2007") == [4, 5]
    assert search(w, "SENTSINCE 25-Mar-2007") == [2, 3, 4, 5]
    assert search(w, "SENTSINCE 27-Mar-2007") == []
    assert search(w, "NOT SENTON 25-Mar-2007") == [1, 4, 5, 6, 7]
    assert search(w, "SENTBEFORE 1-Jan-2100") == [1, 2, 3, 4, 5]


def test_size_keys(coffer):
    w = corpus(coffer)
    size = len(M3)
    assert search(w, "LARGER %d" % (size - 1)) == \
        [i + 1 for i, m in enumerate(MESSAGES) if len(m) > size - 1]
    assert 3 not in search(w, "LARGER %d" % size)
    assert 3 not in search(w, "SMALLER %d" % size)
    assert search(w, "NOT LARGER %d NOT SMALLER %d" % (size, size)) == [3]
    assert search(w, "LARGER 0") == [1, 2, 3, 4, 5]
    assert search(w, "SMALLER 4294967296") == [1, 2, 3, 4, 5]
    assert search(w, "LARGER 4294967296") == []
    assert search(w, "SMALLER 1") == []


def test_sets(coffer):
    """The imaptest "search-sets" cases."""
    w = corpus(coffer)
    w.append(b"INBOX", M5)
    w.ok(b"NOOP")
    w.ok(b"STORE 2 +FLAGS.SILENT (\\Deleted)")
    w.ok(b"EXPUNGE")
    # sequence numbers 1..5 now map to UIDs 1, 3, 4, 5, 6
    assert search(w, "1:3,5") == [1, 2, 3, 5]
    assert search(w, "4:2") == [2, 3, 4]
    assert search(w, "UID 1:3,5") == [1, 2, 4]
    assert search(w, "UID 4:2") == [2, 3]
    assert search(w, "1:3 NOT UID 3") == [1, 3]
    assert search(w, "NOT 2,4") == [1, 3, 5]
    assert search(w, "OR 1 UID 3") == [1, 2]
    assert search(w, "*") == [5]
    assert search(w, "UID *") == [5]
    assert search(w, "UID 7:*") == [5]
    assert search(w, "*:3") == [3, 4, 5]
    assert search(w, "1,4,*") == [1, 4, 5]
    assert search(w, "(3) UID 4") == [3]
    assert search(w, "3 (UID 4)") == [3]
    # numbers beyond the mailbox match nothing (not an error)
    assert search(w, "6:*") == [5]
    assert search(w, "9") == []
    assert search_result(w.ok(b"UID SEARCH UID 1:4294967295")) == \
        [1, 3, 4, 5, 6]
    assert search_result(w.ok(b"UID SEARCH UID 7:4294967295")) == []
    assert search_result(w.ok(b"UID SEARCH 2:3")) == [3, 4]


def test_boolean_structure(coffer):
    w = corpus(coffer)
    w.ok(b"STORE 2,4 +FLAGS.SILENT (\\Flagged)")
    assert search(w, "OR 1 2") == [1, 2]
    assert search(w, "OR FLAGGED SUBJECT latin") == [2, 3, 4]
    assert search(w, "NOT OR FLAGGED 1") == [3, 5]
    assert search(w, "OR (FLAGGED 2) (NOT FLAGGED 5)") == [2, 5]
    assert search(w, "(OR 1 (2)) NOT (NOT 2)") == [2]
    assert search(w, "NOT NOT NOT 1") == [2, 3, 4, 5]
    assert search(w, "((((((((1:3))))))))") == [1, 2, 3]
    # an OR chain as clients build it for multi-word searches
    chain = "OR " * 59 + " ".join("SUBJECT w%d" % i for i in range(60))
    assert search(w, chain) == []
    chain = "OR " * 59 + " ".join("%d" % (i % 5 + 1) for i in range(60))
    assert search(w, chain) == [1, 2, 3, 4, 5]
    # cheap keys decide before text: the result is the same either way
    assert search(w, "OR BODY fox FLAGGED") == [1, 2, 4]
    assert search(w, "FLAGGED BODY innerbody") == [4]


def test_uid_search(coffer):
    w = corpus(coffer)
    w.ok(b"STORE 1:2 +FLAGS.SILENT (\\Deleted)")
    w.ok(b"EXPUNGE")
    assert search_result(w.ok(b"UID SEARCH ALL")) == [3, 4, 5]
    assert search_result(w.ok(b"UID SEARCH BODY innerbody")) == [4]
    assert search_result(w.ok(b"UID SEARCH 1")) == [3]


def test_charset(coffer):
    w = corpus(coffer)
    for cs in (b"UTF-8", b"utf-8", b"US-ASCII", b"us-ascii"):
        assert search_result(w.ok(b"SEARCH CHARSET %s SUBJECT hello" %
                                  cs)) == [2]
    for cs in (b"ISO-8859-1", b"KOI8-R", b"X-UNKNOWN", b"\"UTF-16\""):
        status, untagged, tagged = w.status(b"SEARCH CHARSET %s ALL" % cs)
        assert status == "NO", cs
        assert b"[BADCHARSET (US-ASCII UTF-8)]" in tagged
        assert untagged == []
    # 8-bit search strings are UTF-8 (no CHARSET means US-ASCII, but the
    # server reads valid UTF-8 as UTF-8)
    data = "na\u00efve".encode()
    assert search_result(w.ok(b"SEARCH BODY {%d+}\r\n%s" %
                              (len(data), data))) == [2, 3]


def test_bad_programs(coffer):
    w = corpus(coffer)
    bad = [b"", b"FOO", b"(", b")", b"(ALL", b"ALL)", b"()",
           b"BEFORE", b"BEFORE 32-Jan-2020", b"BEFORE 1-Foo-2020",
           b"ON 2020-01-01", b"0", b"1:0", b"UID 0", b"UID", b"UID x",
           b"LARGER", b"LARGER -1", b"LARGER x", b"SMALLER 1.5",
           b"HEADER", b"HEADER From", b"HEADER \"\" x", b"HEADER a:b x",
           b"NOT", b"OR 1", b"OR", b"KEYWORD", b"KEYWORD \\Seen",
           b"KEYWORD (x)", b"SUBJECT", b"CHARSET", b"CHARSET UTF-8",
           b"ALL ALL )", b"1,,2", b"1:*:2"]
    for program in bad:
        status, untagged, tagged = w.status(b"SEARCH " + program)
        assert status == "BAD", (program, tagged)
        assert untagged == []
        w.ok(b"NOOP")  # 20 BAD replies in a row end the session
    # nesting beyond the parser's bound
    status, _, _ = w.status(b"SEARCH " + b"(" * 200 + b"ALL" + b")" * 200)
    assert status == "BAD"
    w.ok(b"NOOP")
    status, _, _ = w.status(b"SEARCH " + b"NOT " * 300 + b"ALL")
    assert status == "BAD"


def test_extensions_not_offered(coffer):
    w = corpus(coffer)
    for program in (b"RETURN (ALL) ALL", b"RETURN () ALL", b"$",
                    b"MODSEQ 5", b"OLDER 10", b"YOUNGER 10",
                    b"SAVEDBEFORE 1-Jan-2020", b"SAVEDATESUPPORTED",
                    b"EMAILID abc", b"THREADID abc"):
        status, _, tagged = w.status(b"SEARCH " + program)
        assert status == "BAD", (program, tagged)
        w.ok(b"NOOP")


def test_text_key_limit(coffer):
    """More than 256 text keys (HEADER, BODY, TEXT) in one program:
    NO [LIMIT]; 256 work. ENVELOPE keys do not count."""
    w = corpus(coffer)
    keys = b" ".join(b"HEADER X k%d" % i for i in range(256))
    assert search(w, keys) == []
    keys = b" ".join(b"SUBJECT k%d" % i for i in range(1000))
    assert search(w, keys) == []
    keys = b" ".join(b"BODY k%d" % i for i in range(257))
    status, _, tagged = w.status(b"SEARCH " + keys)
    assert status == "NO" and b"[LIMIT]" in tagged
    # and a search string beyond the matcher's bound
    long = b"x" * 7000
    for key in (b"BODY", b"SUBJECT"):
        status, _, tagged = w.status(b"SEARCH %s {%d+}\r\n%s" %
                                     (key, len(long), long))
        assert status == "NO" and b"[LIMIT]" in tagged


def test_large_message(coffer):
    """Body text is streamed: a match at the end of a big message, and
    base64 split across read chunks."""
    body = b"".join(b"line %d of filler text\r\n" % i for i in range(200000))
    w = login(coffer)
    w.append(b"INBOX", b"Subject: big\r\n\r\n" + body + b"needle-at-end\r\n")
    b64 = base64.encodebytes(b"z" * 300000 + b"hidden-in-base64")
    w.append(b"INBOX", crlf(b"Subject: b64\nContent-Transfer-Encoding: "
                            b"base64\n\n") + crlf(b64))
    w.ok(b"SELECT INBOX")
    assert search(w, "BODY needle-at-end") == [1]
    assert search(w, "BODY hidden-in-base64") == [2]
    assert search(w, "HEADER Subject big") == [1]


def test_many_messages(coffer):
    w = login(coffer)
    n = 2000
    msg = b"Subject: m\r\n\r\nx\r\n"
    w.ok(b"APPEND INBOX" + b"".join(b" {%d+}\r\n%s" % (len(msg), msg)
                                    for _ in range(n)))
    w.ok(b"SELECT INBOX")
    assert search(w, "ALL") == list(range(1, n + 1))
    assert search_result(w.ok(b"UID SEARCH UID 1990:*")) == \
        list(range(1990, n + 1))
    assert search(w, "1990:* SUBJECT m") == list(range(1990, n + 1))


def test_expunged_meanwhile(coffer):
    """No EXPUNGE during SEARCH (RFC 3501 section 7.4.1); a message
    expunged by another session has no data left and matches nothing
    (RFC 2180 section 4.3)."""
    a = corpus(coffer)
    b = login(coffer)
    b.ok(b"SELECT INBOX")
    b.ok(b"STORE 2 +FLAGS.SILENT (\\Deleted)")
    b.ok(b"EXPUNGE")
    untagged = a.ok(b"SEARCH OR DELETED 1")
    assert search_result(untagged) == [1]
    assert not any(b"EXPUNGE" in u for u in untagged)
    assert search(a, "NOT DELETED") == [1, 3, 4, 5]
    assert search(a, "BODY fox") == [1]
    assert b"* 2 EXPUNGE" in a.ok(b"NOOP")
    assert search(a, "ALL") == [1, 2, 3, 4]


def test_empty_mailbox_and_state(coffer):
    w = login(coffer)
    status, _, _ = w.status(b"SEARCH ALL")
    assert status in ("BAD", "NO")  # not selected
    w.ok(b"SELECT INBOX")
    assert search(w, "ALL") == []
    assert search(w, "1:* UID *") == []
    status, _, _ = w.status(b"SEARCH FOO")
    assert status == "BAD"
    status, _, tagged = w.status(b"SEARCH CHARSET KOI8-R ALL")
    assert status == "NO" and b"BADCHARSET" in tagged
