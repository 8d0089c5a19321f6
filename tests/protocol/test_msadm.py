# SPDX-License-Identifier: MIT
"""msadm end to end: round trips of every account subcommand, batch mode,
usage errors, and the same checks as an ordinary user."""
import os
import pathlib
import pwd
import shutil
import stat
import subprocess
import tempfile

import pytest

from conftest import Coffer

SECRET = "Tr0ub4dor&3"


@pytest.fixture
def coffer(tmp_path):
    """msadm needs a configuration only, no running server."""
    return Coffer(tmp_path)


def ok(coffer, *args, **kw):
    r = coffer.run("msadm", *args, **kw)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def fails(coffer, code, *args, **kw):
    r = coffer.run("msadm", *args, **kw)
    assert r.returncode == code, (args, r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith(("msadm: ", "usage: ")), r.stderr
    return r.stderr


def listing(coffer, *args):
    """list output as {userid: [detail lines]}."""
    out, users = ok(coffer, "list", *args), {}
    current = None
    for line in out.splitlines():
        if line.startswith("\t"):
            users[current].append(line.strip())
        else:
            current = line
            users[current] = []
    return users


def all_files(root):
    for dirpath, _, files in os.walk(root):
        for f in files:
            yield pathlib.Path(dirpath) / f


def test_version_and_help(coffer):
    assert ok(coffer, "--version").startswith("msadm (Coffer) ")
    out = ok(coffer, "help")
    for cmd in ("add", "del", "ren", "passwd", "list", "du", "path",
                "quota", "service"):
        assert f"\n{cmd} " in "\n" + out


def test_add_list_round_trip(coffer):
    ok(coffer, "add", "-p", SECRET, "Alice", "mailLocalAddress=a.smith",
       "mailLocalAddress=alice@example.org", "givenName=Alice",
       "mboxMessageSizeQuota=1024", "isodeMboxMailExpirationPolicy=INBOX$86400",
       "ir-userName=alice1")
    ok(coffer, "add", "-d", "bob@example.org")
    ok(coffer, "add", "-m", "-n", "carol")
    users = listing(coffer)
    assert list(users) == ["alice@example.com", "carol@example.com",
                           "bob@example.org"]
    details = listing(coffer, "-v")["alice@example.com"]
    assert "status: enabled" in details
    assert "alias: a.smith@example.com" in details
    assert "alias: alice@example.org" in details
    assert "quota: 1024" in details
    assert "expiration: INBOX$86400" in details
    assert "prop: givenName=Alice" in details
    assert "prop: ir-userName=alice1" in details
    assert "prop: mail=alice@example.com" in details  # -r is the default
    assert not any(d.startswith("password") for d in details)
    assert listing(coffer, "-v")["carol@example.com"] == ["status: migrating"]
    assert "status: disabled" in listing(coffer, "-v")["bob@example.org"]
    # -p shows the stored hash, never the password
    hashed = listing(coffer, "-p")
    assert hashed["alice@example.com"][0].startswith("password: $y$")
    assert hashed["bob@example.org"] == ["password: (none)"]
    for f in all_files(coffer.data_dir):
        assert SECRET.encode() not in f.read_bytes()
    # filters: regular expressions on the domain and on the local part
    assert list(listing(coffer, "-d", r"\.org$")) == ["bob@example.org"]
    assert list(listing(coffer, "-u", "^(a|c)")) == ["alice@example.com",
                                                     "carol@example.com"]
    assert listing(coffer, "-d", "nomatch") == {}
    # records are private to the service user
    record = coffer.data_dir / "accounts/users/example.com/alice"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600


def test_add_conflicts(coffer):
    ok(coffer, "add", "-p", "x", "alice", "mailLocalAddress=al")
    err = fails(coffer, 1, "add", "-p", "y", "alice")
    assert "exists" in err and "-f" in err
    err = fails(coffer, 1, "add", "-d", "bob", "mailLocalAddress=al")
    assert "al@example.com is already used by alice@example.com" in err
    fails(coffer, 1, "add", "-d", "al")
    assert list(listing(coffer)) == ["alice@example.com"]
    # -f replaces the account
    ok(coffer, "add", "-f", "-d", "alice")
    assert listing(coffer, "-v")["alice@example.com"] == [
        "status: disabled", "prop: mail=alice@example.com"]
    ok(coffer, "add", "-d", "bob", "mailLocalAddress=al")


def test_passwd(coffer):
    ok(coffer, "add", "-p", "old", "dave")
    before = listing(coffer, "-p")["dave@example.com"]
    ok(coffer, "passwd", "-p", "new", "dave")
    after = listing(coffer, "-p")["dave@example.com"]
    assert before != after and after[0].startswith("password: $y$")
    fails(coffer, 1, "passwd", "-p", "x", "nobody")


def test_service(coffer):
    coffer.write_conf("<accessible_services>pop=deny</accessible_services>")
    ok(coffer, "add", "-p", "x", "erin")
    assert ok(coffer, "service", "pop", "query", "erin") == \
        "pop deny implicit\n"
    assert ok(coffer, "service", "imap", "query", "erin") == \
        "imap allow implicit\n"
    ok(coffer, "service", "pop", "grant", "erin")
    assert ok(coffer, "service", "pop", "query", "erin") == \
        "pop allow explicit\n"
    ok(coffer, "service", "imap", "deny", "erin")
    ok(coffer, "service", "sieve", "allow", "erin")
    assert ok(coffer, "service", "imap", "query", "erin") == \
        "imap deny explicit\n"
    ok(coffer, "service", "pop", "default", "erin")
    assert ok(coffer, "service", "pop", "query", "erin") == \
        "pop deny implicit\n"
    assert "service-sieve: allow" in listing(coffer, "-v")["erin@example.com"]
    fails(coffer, 1, "service", "pop", "query", "nobody")


def test_quota(coffer):
    coffer.write_conf("<quota_limit>500</quota_limit>")
    ok(coffer, "add", "-p", "x", "fay")
    assert ok(coffer, "quota", "get", "fay") == "500 (default)\n"
    ok(coffer, "quota", "set", "fay", "2048")
    assert ok(coffer, "quota", "get", "fay") == "2048\n"
    ok(coffer, "quota", "set", "fay", "0")
    assert ok(coffer, "quota", "get", "fay") == "0\n"
    ok(coffer, "quota", "set", "fay", "default")
    assert ok(coffer, "quota", "get", "fay") == "500 (default)\n"
    fails(coffer, 1, "quota", "get", "nobody")
    fails(coffer, 2, "quota", "set", "fay", "lots")


def mail_dir(coffer, user):
    return pathlib.Path(ok(coffer, "path", user).strip())


def test_path(coffer):
    assert ok(coffer, "path", "Gus") == \
        f"{coffer.data_dir}/user/example.com/gus\n"
    assert ok(coffer, "path", "-e", "Gus@Example.com") == \
        f"{coffer.data_dir}/user/Example.com/Gus\n"
    ok(coffer, "add", "-d", "hal", "mboxRootUserDir=/srv/other")
    assert ok(coffer, "path", "hal") == "/srv/other/example.com/hal\n"
    fails(coffer, 2, "path", "-e", "nodomain")


def test_del(coffer):
    ok(coffer, "add", "-p", "x", "ivy", "mailLocalAddress=ivy2")
    inbox = mail_dir(coffer, "ivy") / "INBOX"
    inbox.mkdir(parents=True)
    (inbox / "1").write_text("Subject: hi\r\n\r\nhello\r\n")
    ok(coffer, "del", "ivy")
    assert not mail_dir(coffer, "ivy").exists()
    assert listing(coffer) == {}
    fails(coffer, 1, "del", "ivy")
    # the alias is free again
    ok(coffer, "add", "-p", "x", "jim", "mailLocalAddress=ivy2")
    inbox = mail_dir(coffer, "jim") / "INBOX"
    inbox.mkdir(parents=True)
    ok(coffer, "del", "-k", "jim")
    assert inbox.exists()
    assert listing(coffer) == {}
    ok(coffer, "add", "-d", "kim", "mailLocalAddress=k")
    err = fails(coffer, 1, "del", "k")
    assert "alias" in err


def test_ren(coffer):
    ok(coffer, "add", "-p", "x", "lea", "mailLocalAddress=l")
    inbox = mail_dir(coffer, "lea") / "INBOX"
    inbox.mkdir(parents=True)
    (inbox / "1").write_text("x")
    ok(coffer, "ren", "-l", "lena@example.org", "lea")
    assert list(listing(coffer)) == ["lena@example.org"]
    details = listing(coffer, "-v")["lena@example.org"]
    assert "alias: l@example.com" in details
    assert "prop: mail=lena@example.org" in details
    assert not mail_dir(coffer, "lea").exists()
    assert (mail_dir(coffer, "lena@example.org") / "INBOX/1").read_text() \
        == "x"
    # ren without -l also moves the mail
    ok(coffer, "ren", "lea", "lena@example.org")
    assert (mail_dir(coffer, "lea") / "INBOX/1").exists()
    ok(coffer, "add", "-d", "max")
    fails(coffer, 1, "ren", "max", "lea")
    fails(coffer, 1, "ren", "new", "nobody")
    # a mail directory in the way stops the rename before anything changes
    mail_dir(coffer, "ned").mkdir(parents=True)
    fails(coffer, 1, "ren", "ned", "lea")
    assert "lea@example.com" in listing(coffer)


def test_commands_not_yet_available(coffer):
    ok(coffer, "add", "-d", "olga")
    for args in (("acl", "list", "olga", "INBOX"),
                 ("expire_mail", "-p", "x"), ("dump", "vacation", "olga")):
        err = fails(coffer, 1, *args)
        assert "not yet available" in err


def test_du_and_reconstruct(coffer):
    ok(coffer, "add", "-d", "olga")
    # no mail yet: zero usage, and nothing created by looking
    assert ok(coffer, "du", "olga").split("\t")[:3] == ["0", "0", "0"]
    fails(coffer, 1, "reconstruct", "-n", "olga")
    out = ok(coffer, "reconstruct", "olga")
    assert "INBOX: ok, 0 messages" in out
    # messages dropped into the store by hand are adopted, with CRLF
    msg = pathlib.Path(ok(coffer, "path", "olga").strip()) / \
        "INBOX/.mdir/msg"
    (msg / "a.eml").write_text("Subject: a\n\nhello\n")
    (msg / "b.eml").write_bytes(b"Subject: b\r\n\r\nworld\r\n")
    out = ok(coffer, "reconstruct", "-n", "olga", "INBOX")
    assert "would change" in out and "2 adopted" in out
    assert (msg / "a.eml").exists()
    out = ok(coffer, "reconstruct", "olga", "INBOX")
    assert "repaired" in out and "2 adopted" in out
    assert not (msg / "a.eml").exists()
    size = len("Subject: a\r\n\r\nhello\r\n") + \
        len("Subject: b\r\n\r\nworld\r\n")
    assert ok(coffer, "du", "olga").split("\t")[:3] == ["0", str(size), "2"]
    assert ok(coffer, "du", "-r", "olga").split("\t")[:3] == \
        ["0", str(size), "2"]
    assert "INBOX: ok, 2 messages" in ok(coffer, "reconstruct", "olga")
    # a message file removed behind the store's back is noticed
    for f in msg.iterdir():
        f.unlink()
        break
    out = ok(coffer, "reconstruct", "olga")
    assert "1 missing" in out
    assert ok(coffer, "du", "olga").split("\t")[2] == "1"
    fails(coffer, 1, "du", "nobody")
    fails(coffer, 2, "du", "-x", "olga")


@pytest.mark.parametrize("args", [
    ("add",), ("add", "pat"), ("add", "-p", "x", "-d", "pat"),
    ("add", "-z", "pat"), ("add", "-p"), ("add", "-d", "pat", "novalue"),
    ("add", "-d", "pat", "userPassword=secret"),
    ("add", "-d", "bad name"), ("add", "-d", "a/b"),
    ("del",), ("del", "a", "b"), ("ren", "only"), ("passwd", "pat"),
    ("passwd", "-p", "x"), ("list", "extra"), ("list", "-d"),
    ("list", "-u", "("), ("quota",), ("quota", "frob", "pat"),
    ("quota", "set", "pat"), ("service", "smtp", "allow", "pat"),
    ("service", "pop", "maybe", "pat"), ("path",), ("frobnicate",),
    ("help", "nosuch"),
])
def test_usage_errors(coffer, args):
    r = coffer.run("msadm", *args)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert r.stderr and r.stdout == ""
    assert len(r.stderr.splitlines()) <= 2


@pytest.mark.parametrize("args", [
    ("add",), ("add", "-p", "x", "-m", "pat"), ("del",), ("ren", "a"),
    ("passwd", "pat"), ("quota", "get"), ("service", "pop", "pat"),
    ("list", "-x"), ("path", "a", "b"),
])
def test_usage_line(coffer, args):
    r = coffer.run("msadm", *args)
    assert r.returncode == 2
    assert r.stderr.startswith(f"usage: msadm [-c file] {args[0]} ")


def test_bad_config(coffer):
    coffer.conf.write_text("<ms_options>\n<imap_port>x</imap_port>\n"
                           "</ms_options>\n")
    r = coffer.run("msadm", "list")
    assert r.returncode == 2
    assert r.stderr == (f"msadm: {coffer.conf}:2: imap_port: invalid value "
                        "'x' (expected a port number)\n")
    missing = Coffer(coffer.root / "nowhere")  # writes nowhere/ms.conf
    missing.conf.unlink()
    assert missing.run("msadm", "list").returncode == 2


def test_batch(coffer):
    script = (
        "# accounts for the demo\n"
        "add -p 'two words' quinn mailLocalAddress=q\n"
        "\n"
        "add -p \"say \\\"hi\\\"\" rita   # trailing comment\n"
        "add -p x quinn\n"
        "frobnicate\n"
        "list\n"
        "service pop deny rita\n"
        "service pop query rita\n"
        "add -p 'unterminated\n"
        "quota get q\n")
    r = coffer.run("msadm", input=script)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ("quinn@example.com\nrita@example.com\n"
                        "pop deny explicit\n0 (default)\n")
    errors = r.stderr.splitlines()
    assert errors[0].startswith("msadm: line 5: account quinn@example.com "
                                "exists")
    assert errors[1].startswith("msadm: line 6: unknown subcommand")
    assert errors[2] == "msadm: line 10: unterminated quote"
    assert len(errors) == 3
    # only operational failures: exit 1
    r = coffer.run("msadm", input="add -d quinn\nlist\n")
    assert r.returncode == 1
    # a last line without newline still runs
    r = coffer.run("msadm", input="service pop query rita")
    assert r.returncode == 0 and r.stdout == "pop deny explicit\n"


def test_batch_limits(coffer):
    for size in (66000, 70000, 300000):
        long_line = "add -d " + "x" * size + "\nadd -d sam\n"
        r = coffer.run("msadm", input=long_line)
        assert r.returncode == 2
        assert r.stderr == ("msadm: line 1: line too long (more than "
                            "65536 bytes)\n")
        assert list(listing(coffer)) == ["sam@example.com"]
        ok(coffer, "del", "sam")
    r = coffer.run("msadm", input="list " + "x " * 2000 + "\n")
    assert r.returncode == 2 and "too many words" in r.stderr


def as_nobody():
    return ("setpriv", "--reuid=nobody", "--regid=nogroup",
            "--clear-groups")


@pytest.fixture
def nobody_dir():
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to nobody")
    nobody = pwd.getpwnam("nobody")
    root = tempfile.mkdtemp(prefix="coffer-nobody-", dir="/tmp")
    os.chmod(root, 0o755)
    os.chown(root, nobody.pw_uid, nobody.pw_gid)
    yield pathlib.Path(root), nobody
    shutil.rmtree(root)


def test_as_ordinary_user(nobody_dir):
    root, nobody = nobody_dir
    coffer = Coffer(root, user="nobody")
    os.chmod(coffer.conf, 0o644)
    run = dict(prefix=as_nobody())
    ok(coffer, "add", "-p", "x", "tom", "mailLocalAddress=t", **run)
    ok(coffer, "add", "-d", "uma", **run)
    ok(coffer, "passwd", "-p", "y", "tom", **run)
    ok(coffer, "service", "imap", "deny", "tom", **run)
    ok(coffer, "quota", "set", "tom", "10", **run)
    assert ok(coffer, "quota", "get", "tom", **run) == "10\n"
    tom = mail_dir(coffer, "tom")
    tom.mkdir(parents=True)
    for d in (tom, tom.parent, tom.parent.parent):
        os.chown(d, nobody.pw_uid, nobody.pw_gid)
    ok(coffer, "ren", "tim", "tom", **run)
    assert (root / "data/user/example.com/tim").is_dir()
    ok(coffer, "del", "uma", **run)
    r = coffer.run("msadm", input="list -v\n", **run)
    assert r.returncode == 0
    assert r.stdout.startswith("tim@example.com\n\tstatus: enabled\n")
    for f in all_files(coffer.data_dir):
        assert f.stat().st_uid == nobody.pw_uid
    fails(coffer, 2, "add", **run)


def test_root_switches_to_ms_user(nobody_dir):
    root, nobody = nobody_dir
    coffer = Coffer(root, user="nobody")
    ok(coffer, "add", "-p", "x", "vic")
    st = coffer.data_dir.stat()
    assert st.st_uid == nobody.pw_uid
    for f in all_files(coffer.data_dir):
        assert f.stat().st_uid == nobody.pw_uid
    missing = Coffer(root / "other", user="no-such-user-here")
    r = missing.run("msadm", "list")
    assert r.returncode == 1 and "does not exist" in r.stderr
