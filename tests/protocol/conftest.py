# SPDX-License-Identifier: MIT
"""Shared helpers for protocol tests: the build directory (COFFER_BUILD_DIR,
set by CTest) and a temporary Coffer configuration whose data_dir lives in
a temporary directory."""
import os
import pathlib
import pwd
import subprocess

import pytest


def build_dir():
    path = os.environ.get("COFFER_BUILD_DIR")
    if not path:
        pytest.skip("COFFER_BUILD_DIR is not set (run the tests via ctest)")
    return pathlib.Path(path)


def binary(name):
    """Path of a built program (src/tools/<name>/<name> or
    src/daemon/<name>)."""
    for rel in (f"src/tools/{name}/{name}", f"src/daemon/{name}"):
        path = build_dir() / rel
        if path.exists():
            return path
    pytest.skip(f"{name} is not built")


class Coffer:
    """A configuration in a temporary directory: <root>/ms.conf with
    data_dir <root>/data. extra is inserted into <ms_options>."""

    def __init__(self, root, extra="", user=None):
        self.root = pathlib.Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.root / "data"
        self.conf = self.root / "ms.conf"
        self.user = user or pwd.getpwuid(os.geteuid()).pw_name
        self.write_conf(extra)

    def write_conf(self, extra=""):
        self.conf.write_text(
            "<ms_options>\n"
            f"  <data_dir>{self.data_dir}</data_dir>\n"
            "  <domain>example.com</domain>\n"
            f"  <ms_user>{self.user}</ms_user>\n"
            f"  {extra}\n"
            "</ms_options>\n")

    def run(self, program, *args, input=None, prefix=(), env=None):
        """Runs a tool with -c <ms.conf>; returns the CompletedProcess."""
        cmd = [*prefix, str(binary(program)), "-c", str(self.conf), *args]
        return subprocess.run(cmd, input=input, capture_output=True,
                              text=True, timeout=120, env=env)


@pytest.fixture
def coffer(tmp_path):
    return Coffer(tmp_path)
