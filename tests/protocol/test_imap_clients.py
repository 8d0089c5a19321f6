# SPDX-License-Identifier: MIT
"""Real IMAP clients against cofferd: Python imaplib, curl (imap://),
mbsync (isync) and offlineimap3 syncing both ways, and fetchmail."""
import imaplib
import os
import shutil
import subprocess

import pytest

USERS = {"alice": "secret"}
pytestmark = pytest.mark.coffer(users=USERS, services="imap")


def need(program):
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed")
    return path


def run(args, timeout=180, **kw):
    r = subprocess.run(args, capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def message(i, lf=False):
    text = (f"From: bob@example.org\r\nTo: alice@example.com\r\n"
            f"Subject: test {i}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
            f"Message-ID: <m{i}@example.org>\r\n\r\nHello {i}\r\n")
    return text.replace("\r\n", "\n") if lf else text


def seed(coffer, n=3, box="INBOX"):
    c = coffer.imap("alice", "secret")
    if box != "INBOX":
        c.create(box)
    for i in range(n):
        assert c.append(box, None, None, message(i).encode())[0] == "OK"
    c.logout()


def remote(coffer, box):
    """{subject: flags} of a mailbox, read with imaplib."""
    c = coffer.imap("alice", "secret")
    typ, exists = c.select(box, readonly=True)
    assert typ == "OK", box
    out = {}
    if exists != [b"0"]:
        # like Dovecot, "1:*" in an empty mailbox is BAD
        typ, data = c.fetch("1:*",
                            "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        for item in data:
            if isinstance(item, tuple):
                flags = imaplib.ParseFlags(item[0])
                subject = item[1].decode().split(":", 1)[1].strip()
                # EXAMINE shows \\Recent without taking it
                out[subject] = set(f.decode() for f in flags) - \
                    {"\\Recent"}
    c.logout()
    return out


def mailboxes(coffer):
    c = coffer.imap("alice", "secret")
    typ, data = c.list()
    c.logout()
    return {d.decode().rsplit(" ", 1)[1].strip('"') for d in data}


def test_imaplib_round_trip(coffer):
    c = coffer.imap("alice", "secret")
    c.create("Archive")
    assert c.append("INBOX", "(\\Flagged)", None,
                    message(1).encode())[0] == "OK"
    c.select("INBOX")
    typ, data = c.fetch("1", "(RFC822)")
    assert data[0][1] == message(1).encode()
    typ, data = c.copy("1", "Archive")
    assert typ == "OK"
    typ, data = c.search(None, "FLAGGED")
    assert data == [b"1"]
    c.store("1", "+FLAGS", "\\Deleted")
    c.expunge()
    c.close()
    c.logout()
    # RFC822 set \Seen before the copy
    assert remote(coffer, "Archive") == {"test 1": {"\\Flagged",
                                                   "\\Seen"}}


def test_curl(coffer, tmp_path):
    curl = need("curl")
    seed(coffer)
    url = f"imap://127.0.0.1:{coffer.ports['imap']}"
    auth = ["--user", "alice:secret", "-s"]
    listing = run([curl, *auth, f"{url}/"])
    assert '"/" INBOX' in listing
    body = run([curl, *auth, f"{url}/INBOX;UID=2"])
    assert "Subject: test 1" in body
    found = run([curl, *auth, f"{url}/INBOX?SUBJECT%20%22test%202%22"])
    assert found.strip() == "* SEARCH 3"
    upload = tmp_path / "up.eml"
    upload.write_bytes(message(9).encode())
    run([curl, *auth, "-T", str(upload), f"{url}/INBOX"])
    status = run([curl, *auth, "-X", "STATUS INBOX (MESSAGES)", f"{url}/"])
    assert "MESSAGES 4" in status


def mbsync_conf(coffer, root):
    conf = root / "mbsyncrc"
    conf.write_text(f"""IMAPAccount coffer
Host 127.0.0.1
Port {coffer.ports['imap']}
User alice
Pass secret
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account coffer

MaildirStore local
Path {root}/mail/
Inbox {root}/mail/INBOX
SubFolders Verbatim

Channel coffer
Far :remote:
Near :local:
Patterns *
Create Both
Remove Both
Expunge Both
Sync All
SyncState *
""")
    return conf


def test_mbsync_both_ways(coffer, tmp_path):
    mbsync = need("mbsync")
    seed(coffer, 3)
    seed(coffer, 1, box="Work")
    conf = mbsync_conf(coffer, tmp_path)
    (tmp_path / "mail").mkdir()
    run([mbsync, "-c", str(conf), "coffer"])
    inbox = tmp_path / "mail" / "INBOX"
    assert len(list((inbox / "new").iterdir()) +
               list((inbox / "cur").iterdir())) == 3
    assert (tmp_path / "mail" / "Work").is_dir()
    # local changes: a new message (bare LF), a flag, a deletion, a folder
    (inbox / "new" / "local1").write_text(message(7, lf=True))
    first, second = sorted((inbox / "new").glob("*U=*"))[:2]
    first.rename(inbox / "cur" / (first.name + "F"))
    second.unlink()
    local = tmp_path / "mail" / "Local"
    for d in ("cur", "new", "tmp"):
        (local / d).mkdir(parents=True)
    (local / "new" / "l1").write_text(message(8, lf=True))
    run([mbsync, "-c", str(conf), "coffer"])
    got = remote(coffer, "INBOX")
    assert set(got) == {"test 0", "test 2", "test 7"} or \
        set(got) == {"test 1", "test 2", "test 7"}
    assert sum("\\Flagged" in f for f in got.values()) == 1
    assert remote(coffer, "Local") == {"test 8": set()}
    # a change on the server comes back
    c = coffer.imap("alice", "secret")
    c.append("INBOX", None, None, message(5).encode())
    c.logout()
    run([mbsync, "-c", str(conf), "coffer"])
    names = [p.read_text() for p in (inbox / "new").iterdir()] + \
        [p.read_text() for p in (inbox / "cur").iterdir()]
    assert sum("Subject: test 5" in n for n in names) == 1


def test_offlineimap_both_ways(coffer, tmp_path):
    offlineimap = shutil.which("offlineimap3") or need("offlineimap")
    seed(coffer, 3)
    conf = tmp_path / "rc"
    conf.write_text(f"""[general]
accounts = coffer
metadata = {tmp_path}/meta

[Account coffer]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {tmp_path}/mail

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {coffer.ports['imap']}
remoteuser = alice
remotepass = secret
ssl = no
starttls = no
""")
    cmd = [offlineimap, "-c", str(conf), "-u", "basic"]
    run(cmd)
    inbox = tmp_path / "mail" / "INBOX"
    files = list((inbox / "new").iterdir()) + list((inbox / "cur").iterdir())
    assert len(files) == 3
    (inbox / "new" / "oi1").write_text(message(6))
    victim = sorted((inbox / "new").glob("*U=1,*"))[0]
    victim.unlink()
    fresh = tmp_path / "mail" / "Fresh"
    for d in ("cur", "new", "tmp"):
        (fresh / d).mkdir(parents=True)
    (fresh / "new" / "f1").write_text(message(4))
    run(cmd)
    assert set(remote(coffer, "INBOX")) == {"test 1", "test 2", "test 6"}
    assert "Fresh" in mailboxes(coffer)
    assert set(remote(coffer, "Fresh")) == {"test 4"}


def test_fetchmail(coffer, tmp_path):
    fetchmail = need("fetchmail")
    seed(coffer, 4)
    out = tmp_path / "out"
    rc = tmp_path / "fetchmailrc"
    user = os.environ.get("USER") or "root"
    rc.write_text(f"""set no bouncemail
poll 127.0.0.1 service {coffer.ports['imap']} protocol IMAP auth password
  user "alice" password "secret" is {user} here
  mda "/bin/sh -c 'cat >> {out}'"
  folder INBOX
  fetchall
  sslproto ''
""")
    rc.chmod(0o600)
    run([fetchmail, "-f", str(rc), "--nosslcertck", "-s"],
        env={**os.environ, "HOME": str(tmp_path)})
    assert out.read_text().count("Subject: test") == 4
    # fetched messages are deleted on the server
    assert remote(coffer, "INBOX") == {}
