# SPDX-License-Identifier: MIT
"""FETCH of real-world MIME messages (the mime layer's test corpus):
ENVELOPE, BODY, BODYSTRUCTURE and every BODY[section] over IMAP compared

  1. with the MIME layer's own answers (tests/mime-oracle/mime-dump on
     the stored bytes): FETCH must deliver exactly what the layer
     computes, byte for byte;
  2. with a private Dovecot (started from a temporary directory on a
     loopback port, stopped by PID; needs root and dovecot-imapd): equal,
     except for the messages where the MIME layer differs from Dovecot on
     purpose (tests/mime-oracle/README.md gives each reason).
"""
import importlib.util
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from conftest import build_dir, is_root
from imap_wire import Wire

USER, PASS = "corpus", "secret"
pytestmark = pytest.mark.coffer(users={USER: PASS}, services="imap")

SOURCE = pathlib.Path(__file__).resolve().parents[2]
CORPUS = SOURCE / "tests" / "unit" / "mime" / "messages"
# Sections fetched per message (parts-10000.eml has 10,000).
MAX_SECTIONS = 200

# Messages whose answers differ from Dovecot 2.3's on purpose; the reasons
# are in tests/mime-oracle/README.md ("deliberate differences"). The
# README's other cases (bare LF, multipart without parts, NUL bytes) give
# the same answers over IMAP: both stores keep CRLF, an absent section is
# an empty string in both, and both send NUL as 0x80.
KNOWN_DIFFERENCES = {
    "addresses-broken.eml": "address lists: empty elements, CFWS",
    "addresses-odd.eml": "address lists: obsolete syntax kept",
    "boundary-100.eml": "boundaries longer than 76 bytes honoured",
    "boundary-empty.eml": "boundary=\"\" is no boundary",
    "boundary-prefix.eml": "line ending after a nested close delimiter",
    "ct-empty-subtype.eml": "invalid Content-Type: RFC 2045 default",
    "ct-garbage.eml": "invalid Content-Type: RFC 2045 default",
    "ct-no-subtype.eml": "invalid Content-Type: RFC 2045 default",
    "deep-200.eml": "nesting limit 50 (Dovecot 100)",
    "deep-message-200.eml": "nesting limit 50 (Dovecot 100)",
    "disposition-no-type.eml": "invalid Content-Disposition: NIL",
    "forwarded.eml": "line ending after a nested close delimiter",
    "header-only.eml": "HEADER.FIELDS without body and blank line",
    "params-broken.eml": "malformed parameters: valid ones kept",
    "parts-10000.eml": "part limit 5000 (Dovecot 10000)",
    "rfc822-base64.eml": "encoded message/rfc822 is not parsed",
}


def oracle_module():
    path = SOURCE / "tests" / "mime-oracle" / "dovecot_oracle.py"
    spec = importlib.util.spec_from_file_location("dovecot_oracle", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Adapter:
    """The oracle's client interface on top of a Wire."""

    def __init__(self, wire):
        self.wire = wire

    def command(self, cmd, literal=None):
        assert literal is None
        untagged, tagged = self.wire.cmd(cmd)
        if b" OK " not in tagged[:12]:
            raise RuntimeError(tagged)
        return untagged


def answers(o, imap, uid):
    """Canonical "ITEM<TAB>value" lines for one message: the oracle's
    item list, with at most MAX_SECTIONS sections."""
    res = imap.command(b"UID FETCH %d (ENVELOPE BODY BODYSTRUCTURE)" % uid)
    items = o.fetch_items(res[0])
    lines = ["%s\t%s" % (k, o.canon(items[k]))
             for k in ("ENVELOPE", "BODY", "BODYSTRUCTURE")]
    bs = items["BODYSTRUCTURE"]
    lines += o.fetch_lines(imap, uid, [
        b"BODY.PEEK[HEADER]", b"BODY.PEEK[TEXT]",
        b"BODY.PEEK[HEADER.FIELDS " + o.FILTER + b"]",
        b"BODY.PEEK[HEADER.FIELDS.NOT " + o.FILTER + b"]"])
    multi = isinstance(bs[0], list)
    secs = o.sections(bs) if multi else ["1"] + o.sections(bs, "1.")
    for s in secs[:MAX_SECTIONS]:
        atts = [b"BODY.PEEK[%s.MIME]" % s.encode(),
                b"BODY.PEEK[%s]" % s.encode()]
        if o.is_message(o.part_of(bs, s)):
            atts += [b"BODY.PEEK[%s.HEADER]" % s.encode(),
                     b"BODY.PEEK[%s.TEXT]" % s.encode()]
        lines += o.fetch_lines(imap, uid, atts)
    return dict(line.split("\t", 1) for line in lines)


@pytest.fixture
def stored(coffer):
    """Every corpus message APPENDed to Coffer: [(name, uid, bytes as
    stored)], and the logged-in session."""
    coffer.require("imap")
    w = Wire.connect(coffer, f"{USER}@example.com", PASS)
    out = []
    for path in sorted(CORPUS.glob("*.eml")):
        data = path.read_bytes()
        untagged, tagged = w.cmd(b"APPEND INBOX {%d+}\r\n%s" %
                                 (len(data), data))
        if b" OK " not in tagged[:12]:
            # APPEND refuses the empty message and the one with NUL
            # bytes: nothing to compare
            continue
        uid = len(out) + 1
        out.append([path.name, uid, None])
    w.ok(b"SELECT INBOX")
    for item in out:
        r = w.fetch(b"UID FETCH %d BODY.PEEK[]" % item[1])
        item[2] = next(iter(r.values()))["BODY[]"]
    return w, out


def test_corpus_matches_mime_layer(stored):
    o = oracle_module()
    dump = build_dir() / "tests" / "mime-oracle" / "mime-dump"
    if not dump.exists():
        pytest.skip("mime-dump is not built")
    w, msgs = stored
    assert len(msgs) >= 58
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="coffer-corpus-"))
    try:
        for name, uid, data in msgs:
            f = tmp / name
            f.write_bytes(data)
            ours = answers(o, Adapter(w), uid)
            theirs = dict(line.split("\t", 1)
                          for line in o.coffer_answers(str(dump), f))
            for key, value in ours.items():
                # absent sections are an empty string over IMAP
                assert theirs.get(key, '""') == value, (name, key)
            for key in theirs:
                if key.count(".") < 40:  # beyond MAX_SECTIONS otherwise
                    assert key in ours or name == "parts-10000.eml", \
                        (name, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_corpus_matches_dovecot(stored):
    if not is_root() or shutil.which("dovecot") is None:
        pytest.skip("needs root and dovecot-imapd")
    o = oracle_module()
    w, msgs = stored
    dc = o.Dovecot()
    differ = {}
    try:
        imap = o.Imap(dc.port)
        imap.command(b"SELECT INBOX")
        duid = 0
        for name, uid, data in msgs:
            imap.command(b"APPEND INBOX", data)
            duid += 1
            ours = answers(o, Adapter(w), uid)
            theirs = answers(o, imap, duid)
            keys = [k for k in set(ours) | set(theirs)
                    if ours.get(k) != theirs.get(k)]
            if keys:
                differ[name] = sorted(keys)[:3]
    finally:
        dc.stop()
    unexpected = {k: v for k, v in differ.items()
                  if k not in KNOWN_DIFFERENCES}
    assert unexpected == {}
