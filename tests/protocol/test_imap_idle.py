# SPDX-License-Identifier: MIT
"""IDLE (RFC 2177): updates pushed within a second of a change made by
another session of the same cofferd and by another cofferd process on the
same store; DONE, timeouts and the memory an idle connection costs."""
import socket
import time

import pytest

from imap_raw import Raw

USERS = {"alice": "secret"}
pytestmark = pytest.mark.coffer(users=USERS, services="imap")


def session(server):
    c = Raw.connect(server)
    c.login("alice", "secret")
    return c


def wait_line(c, timeout):
    """The next line, or None if none arrives within timeout."""
    c.sock.settimeout(timeout)
    try:
        return c.line()
    except socket.timeout:
        return None
    finally:
        c.sock.settimeout(20)


def idle(c, tag="i"):
    c.send(f"{tag} IDLE\r\n")
    assert c.line() == "+ idling"


def done(c, tag="i"):
    c.send("DONE\r\n")
    return c.until_tagged(tag)


def test_idle_push_same_process(coffer):
    a = session(coffer)
    b = session(coffer)
    a.ok("s", "SELECT INBOX")
    idle(a)
    assert wait_line(a, 0.5) is None
    start = time.monotonic()
    b.ok("x", "APPEND INBOX (\\Deleted) {3+}\r\nabc")
    assert wait_line(a, 2) == "* 1 EXISTS"
    assert wait_line(a, 2) == "* 1 RECENT"
    assert time.monotonic() - start < 1
    # EXPUNGE may be sent during IDLE
    b.ok("y", "SELECT INBOX")
    b.ok("z", "EXPUNGE")
    assert wait_line(a, 2) == "* 1 EXPUNGE"
    untagged, tagged = done(a)
    assert untagged == [] and tagged == "i OK Idle completed."
    a.ok("n", "NOOP")


def test_idle_push_other_process(coffer, coffer_factory):
    """A second cofferd on the same data directory appends: the first
    learns it through inotify and pushes within about a second."""
    other = coffer_factory(services="imap", share_store=coffer, start=True)
    a = session(coffer)
    b = session(other)
    a.ok("s", "SELECT INBOX")
    idle(a)
    start = time.monotonic()
    b.ok("x", "APPEND INBOX {3+}\r\nabc")
    assert wait_line(a, 3) == "* 1 EXISTS"
    assert time.monotonic() - start < 1.5
    assert wait_line(a, 2) == "* 1 RECENT"
    done(a)


@pytest.mark.coffer(users=USERS, services="imap")
def test_idle_push_lmtp_other_process(coffer, coffer_factory):
    """Delivery over LMTP by another cofferd process on the same store
    reaches an IDLE session within about a second."""
    lmtp = coffer_factory(services="lmtp", share_store=coffer, start=True)
    lmtp.require("lmtp")
    a = session(coffer)
    a.ok("s", "SELECT INBOX")
    idle(a)
    start = time.monotonic()
    res = lmtp.deliver("alice@example.com",
                       "From: bob@example.org\r\nSubject: pushed\r\n\r\nhi\r\n")
    assert res["alice@example.com"][0] == 250, res
    assert wait_line(a, 3) == "* 1 EXISTS"
    assert time.monotonic() - start < 1.5
    done(a)


def test_idle_without_mailbox_and_errors(coffer):
    a = session(coffer)
    idle(a, "a")
    untagged, tagged = done(a, "a")
    assert tagged == "a OK Idle completed."
    idle(a, "b")
    a.send("NOTDONE\r\n")
    assert a.until_tagged("b")[1].startswith("b BAD")
    assert a.cmd("c", "IDLE x")[1].startswith("c BAD")
    # "done" in any case
    idle(a, "d")
    a.send("done\r\n")
    assert a.until_tagged("d")[1] == "d OK Idle completed."


def test_idle_pending_updates_sent_at_start(coffer):
    a = session(coffer)
    b = session(coffer)
    a.ok("s", "SELECT INBOX")
    b.ok("x", "APPEND INBOX {3+}\r\nabc")
    a.send("i IDLE\r\n")
    lines = [a.line() for _ in range(3)]
    assert "* 1 EXISTS" in lines and "+ idling" in lines
    done(a)


def test_idle_commands_pipelined_after_done(coffer):
    a = session(coffer)
    a.ok("s", "SELECT INBOX")
    idle(a)
    a.send("DONE\r\nn NOOP\r\n")
    assert a.until_tagged("i")[1].startswith("i OK")
    assert a.until_tagged("n")[1].startswith("n OK")


def test_idle_disconnect(coffer):
    a = session(coffer)
    a.ok("s", "SELECT INBOX")
    idle(a)
    a.close()
    b = session(coffer)
    b.ok("x", "APPEND INBOX {3+}\r\nabc")
    coffer.wait_log(r"imap logout: user=alice@example\.com .* "
                    r"reason=\"[^\"]*\"")


def test_many_idle_connections(coffer):
    """200 sessions IDLE on one mailbox; one append reaches them all."""
    sessions = []
    for _ in range(200):
        c = session(coffer)
        c.ok("s", "SELECT INBOX")
        idle(c)
        sessions.append(c)
    writer = session(coffer)
    writer.ok("x", "APPEND INBOX {3+}\r\nabc")
    for c in sessions:
        assert wait_line(c, 5) == "* 1 EXISTS"
    for c in sessions:
        c.close()
