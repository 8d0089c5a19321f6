# SPDX-License-Identifier: MIT
"""Mailbox management: CREATE (CREATE-SPECIAL-USE), DELETE, RENAME,
SUBSCRIBE, UNSUBSCRIBE, LIST (LIST-EXTENDED, CHILDREN, SPECIAL-USE,
LIST-STATUS), LSUB and STATUS (RFC 3501 section 6.3; RFC 5258, 3348,
6154, 5819), with modified UTF-7 names."""
import pytest

from imap_raw import Raw

USERS = {"alice": "secret"}
pytestmark = pytest.mark.coffer(users=USERS, services="imap")


def session(coffer):
    c = Raw.connect(coffer)
    c.login("alice", "secret")
    return c


def lists(lines):
    """{name: attributes} of LIST/LSUB lines."""
    out = {}
    for ln in lines:
        head, _, rest = ln.partition(") ")
        attrs = head.split("(", 1)[1].split()
        delim, _, name = rest.partition(" ")
        assert delim == '"/"', ln
        out[name.strip('"').split('" (')[0].split(" (")[0]] = attrs
    return out


def test_create_delete_rename(coffer):
    c = session(coffer)
    c.ok("a", "CREATE work")
    c.ok("b", "CREATE work/2024/")   # trailing separator
    c.ok("c", "CREATE deep/a/b")      # parents are made
    assert c.cmd("d", "CREATE work")[1].startswith("d NO [ALREADYEXISTS]")
    assert c.cmd("e", "CREATE inbox")[1].startswith("e NO [ALREADYEXISTS]")
    for bad in ('"a//b"', '"/x"', '""', '"a//"'):
        assert c.cmd("f", f"CREATE {bad}")[1].startswith("f NO"), bad
    got = lists(c.ok("g", 'LIST "" *'))
    assert set(got) == {"INBOX", "work", "work/2024", "deep", "deep/a",
                        "deep/a/b"}
    assert "\\HasChildren" in got["work"]
    assert "\\HasNoChildren" in got["work/2024"]
    assert "\\Noselect" in got["deep"]
    c.ok("h", "RENAME work job")
    got = lists(c.ok("i", 'LIST "" *'))
    assert "job/2024" in got and "work" not in got
    assert c.cmd("j", "RENAME nothing x")[1].startswith("j NO")
    assert c.cmd("k", "RENAME job deep")[1].startswith("k NO")
    assert c.cmd("l", "DELETE INBOX")[1].startswith("l NO")
    assert c.cmd("m", "DELETE nothing")[1].startswith("m NO [NONEXISTENT]")
    # a mailbox with children becomes \Noselect (RFC 3501 6.3.4)
    c.ok("n", "DELETE job")
    got = lists(c.ok("o", 'LIST "" job*'))
    assert "\\Noselect" in got["job"] and "job/2024" in got
    c.ok("p", "DELETE job/2024")
    c.ok("q", "DELETE deep/a/b")


def test_rename_inbox(coffer):
    c = session(coffer)
    c.ok("a", "APPEND INBOX {5+}\r\nhello")
    c.ok("b", "RENAME INBOX old")
    st = c.ok("c", "STATUS old (MESSAGES)")
    assert st == ["* STATUS old (MESSAGES 1)"]
    st = c.ok("d", "STATUS INBOX (MESSAGES)")
    assert st == ["* STATUS INBOX (MESSAGES 0)"]


def test_modified_utf7_names(coffer):
    c = session(coffer)
    c.ok("a", "CREATE &ZeVnLIqe-")            # 日本語
    c.ok("b", 'CREATE "Entw&APw-rfe"')        # Entwürfe
    got = lists(c.ok("c", 'LIST "" *'))
    assert "&ZeVnLIqe-" in got and "Entw&APw-rfe" in got
    assert lists(c.ok("d", 'LIST "" Entw*')) == \
        {"Entw&APw-rfe": ["\\HasNoChildren"]}
    for bad in ("&Jjo!", "&U,BTFw-&ZeVnLIqe-", "a&", "&AGE-"):
        _, tagged = c.cmd("e", f'CREATE "{bad}"')
        assert tagged.startswith("e NO"), bad
    c.ok("f", "SELECT &ZeVnLIqe-")


def test_list_patterns(coffer):
    c = session(coffer)
    for name in ("a", "a/b", "a/b/c", "a/bb", "x", "Inbox/sub"):
        c.ok("c", f"CREATE {name}")
    assert set(lists(c.ok("l", 'LIST "" %'))) == {"INBOX", "a", "x"}
    assert set(lists(c.ok("l", 'LIST "" a/%'))) == {"a/b", "a/bb"}
    assert set(lists(c.ok("l", 'LIST a/ %'))) == {"a/b", "a/bb"}
    assert set(lists(c.ok("l", 'LIST "" *c'))) == {"a/b/c"}
    assert set(lists(c.ok("l", 'LIST "" inbox'))) == {"INBOX"}
    assert set(lists(c.ok("l", 'LIST "" inbox/%'))) == {"INBOX/sub"}
    assert set(lists(c.ok("l", 'LIST "" nothing'))) == set()
    # the hierarchy delimiter (RFC 3501 section 6.3.8)
    assert c.ok("l", 'LIST "" ""') == ['* LIST (\\Noselect) "/" ""']


def test_list_extended(coffer):
    c = session(coffer)
    for name in ("t/one", "t/two/one", "t/three", "t/gone"):
        c.ok("c", f"CREATE {name}")
    for name in ("t/one", "t/two/one", "t/gone"):
        c.ok("s", f"SUBSCRIBE {name}")
    c.ok("d", "DELETE t/gone")
    # several patterns (RFC 5258 section 3)
    assert set(lists(c.ok("l", 'LIST "" (t/one t/three)'))) == \
        {"t/one", "t/three"}
    got = lists(c.ok("l", 'LIST (SUBSCRIBED) "" t/*'))
    assert got == {"t/one": ["\\HasNoChildren", "\\Subscribed"],
                   "t/two/one": ["\\HasNoChildren", "\\Subscribed"],
                   "t/gone": ["\\NonExistent", "\\Subscribed"]}
    lines = c.ok("l", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" t/%')
    assert '* LIST (\\Noselect \\HasChildren) "/" t/two ' \
        '("CHILDINFO" ("SUBSCRIBED"))' in lines
    got = lists(c.ok("l", 'LIST "" t/% RETURN (SUBSCRIBED CHILDREN)'))
    assert "\\Subscribed" in got["t/one"]
    assert "\\Subscribed" not in got["t/two"]
    assert "\\HasChildren" in got["t/two"]
    for bad in ('LIST (BOGUS) "" *', 'LIST (RECURSIVEMATCH) "" *',
                'LIST "" * RETURN (BOGUS)', 'LIST "" (',
                'LIST "" * RETURN (STATUS (BOGUS))'):
        assert c.cmd("b", bad)[1].startswith("b BAD"), bad
    c.ok("r", 'LIST (REMOTE) "" %')


def test_special_use(coffer):
    c = session(coffer)
    c.ok("a", "CREATE Sent (USE (\\Sent))")
    c.ok("b", "CREATE Bin (USE (\\trash))")
    c.ok("c", "CREATE Plain")
    assert c.cmd("d", "CREATE X (USE (\\Bogus))")[1].startswith(
        "d NO [USEATTR]")
    assert c.cmd("e", "CREATE Y (USE (\\Sent \\Trash))")[1].startswith(
        "e NO [USEATTR]")
    assert c.cmd("f", "CREATE Z (BOGUS (\\Sent))")[1].startswith("f BAD")
    got = lists(c.ok("g", 'LIST (SPECIAL-USE) "" *'))
    assert got == {"Sent": ["\\HasNoChildren", "\\Sent"],
                   "Bin": ["\\HasNoChildren", "\\Trash"]}
    got = lists(c.ok("h", 'LIST "" * RETURN (SPECIAL-USE)'))
    assert "\\Sent" in got["Sent"] and got["Plain"] == ["\\HasNoChildren"]


def test_list_status(coffer):
    c = session(coffer)
    c.ok("a", "CREATE box")
    c.ok("a", "CREATE box/child")
    c.ok("b", "APPEND box {3+}\r\nabc")
    lines = c.ok("c", 'LIST "" box* RETURN (STATUS (MESSAGES UIDNEXT))')
    assert lines == [
        '* LIST (\\HasChildren) "/" box',
        "* STATUS box (MESSAGES 1 UIDNEXT 2)",
        '* LIST (\\HasNoChildren) "/" box/child',
        "* STATUS box/child (MESSAGES 0 UIDNEXT 1)",
    ]


def test_lsub_and_subscriptions(coffer):
    c = session(coffer)
    for name in ("m", "m/a", "n/b"):
        c.ok("c", f"CREATE {name}")
    c.ok("s", "SUBSCRIBE m")
    c.ok("s", "SUBSCRIBE n/b")
    c.ok("s", "SUBSCRIBE ghost")     # need not exist (RFC 3501 6.3.6)
    got = lists(c.ok("l", 'LSUB "" %'))
    # n is not subscribed but has a subscribed child: \Noselect
    assert got == {"m": [], "n": ["\\Noselect"], "ghost": ["\\Noselect"]}
    got = lists(c.ok("l", 'LSUB "" *'))
    assert set(got) == {"m", "n/b", "ghost"}
    c.ok("u", "UNSUBSCRIBE n/b")
    assert set(lists(c.ok("l", 'LSUB "" *'))) == {"m", "ghost"}
    assert c.ok("l", 'LSUB "" ""') == []


def test_status(coffer):
    c = session(coffer)
    c.ok("a", "APPEND INBOX (\\Seen) {3+}\r\nabc")
    c.ok("b", "APPEND INBOX {3+}\r\ndef")
    st = c.ok("c", "STATUS INBOX (UNSEEN MESSAGES RECENT UIDNEXT "
                   "UIDVALIDITY messages)")
    assert len(st) == 1
    words = st[0].split("(")[1].rstrip(")").split()
    assert words[:8] == ["UNSEEN", "1", "MESSAGES", "2", "RECENT", "2",
                         "UIDNEXT", "3"]
    assert words[8] == "UIDVALIDITY" and int(words[9]) > 0
    assert c.cmd("d", "STATUS nothing (MESSAGES)")[1].startswith(
        "d NO [NONEXISTENT]")
    c.ok("e", "CREATE p/q")
    assert c.cmd("f", "STATUS p (MESSAGES)")[1].startswith("f NO")
    for bad in ("STATUS INBOX ()", "STATUS INBOX MESSAGES",
                "STATUS INBOX (HIGHESTMODSEQ)", "STATUS INBOX"):
        assert c.cmd("g", bad)[1].startswith("g BAD"), bad


def test_delete_and_rename_selected(coffer):
    c = session(coffer)
    c.ok("a", "CREATE sel")
    c.ok("b", "SELECT sel")
    c.ok("c", "DELETE sel")
    # the mailbox was closed with it
    assert c.cmd("d", "CHECK")[1].startswith("d BAD")
    c.ok("e", "CREATE sel2")
    c.ok("f", "SELECT sel2")
    c.ok("g", "RENAME sel2 sel3")
    assert c.cmd("h", "CHECK")[1].startswith("h BAD")
    c.ok("i", "SELECT sel3")


def test_mailbox_deleted_by_other_session(coffer):
    a = session(coffer)
    b = session(coffer)
    a.ok("a", "CREATE shared")
    a.ok("b", "SELECT shared")
    b.ok("c", "DELETE shared")
    a.send("d NOOP\r\n")
    assert a.line() == \
        "* BYE Selected mailbox was deleted, have to disconnect."
    assert a.closed()
