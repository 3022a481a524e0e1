"""A throwaway PostgreSQL cluster for the comparison: Debian's server binaries, `initdb` in a
temporary directory, started with `pg_ctl` on a free loopback port (no other address), stopped
and deleted by `stop()` (the caller calls it in `finally`, so also on failure or Ctrl-C).

Run as root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from typing import Optional


def find_bin_dir() -> Optional[str]:
    """The newest Debian PostgreSQL server binaries, /usr/lib/postgresql/<major>/bin."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    return os.path.dirname(found[-1]) if found else None


def install() -> str:
    """Installs Debian's `postgresql` package when missing (needs root); returns the bin dir."""
    bin_dir = find_bin_dir()
    if bin_dir:
        return bin_dir
    if os.geteuid() != 0:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install "
            "them with `sudo apt-get install -y postgresql` (or run this script as root)"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
        check=True,
        env=env,
    )
    bin_dir = find_bin_dir()
    if not bin_dir:
        raise RuntimeError("apt-get installed postgresql, but no initdb was found")
    return bin_dir


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bin_dir: str) -> None:
        self.bin_dir = bin_dir
        self.root = tempfile.mkdtemp(prefix="vagvisare-pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")
        self.port = free_port()
        self.user: Optional[pwd.struct_passwd] = None
        self.started = False
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("postgres")
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.role = self.user.pw_name if self.user else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str) -> None:
        command = [os.path.join(self.bin_dir, args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=self.root)

    def start(self) -> "Cluster":
        self._run("initdb", "-D", self.data, "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "-U", self.role)
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root}"
        )
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "start")
        self.started = True
        return self

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.role} dbname=postgres"

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
                self.started = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
