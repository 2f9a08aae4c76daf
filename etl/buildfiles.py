"""One build at a time, and no leftovers of killed builds.

A build writes its new database (and the geo layers, the demo data system) into temporary paths
beside the final ones, named `.<name>.<pid>.building` (`.wal` for DuckDB's log) and `.<name>.<pid>.old`
during a swap. A build that is killed (`kill -9`, out of memory, power cut) leaves them behind:
each is as big as the database. So every build:

1. takes an exclusive lock on `<data dir>/.build.lock` (fcntl.flock: the kernel releases it when
   the process dies, however it dies). A second build started meanwhile stops at once with a clear
   message and exit status 75 (EX_TEMPFAIL: try again later), or, with `--wait`, waits for the lock;
2. holding the lock, removes the temporary files of builds whose process no longer exists (the pid
   in the name is checked with kill(pid, 0)). Files of a live process are left alone.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

LOCK_NAME = ".build.lock"
#: temporary names of a build: .<final name>.<pid>.building[.wal] | .<final name>.<pid>.old[.wal]
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?:building|old)(?:\.wal)?$")
#: exit status of a build refused because another one holds the lock (sysexits EX_TEMPFAIL)
EXIT_LOCKED = 75


class BuildLocked(RuntimeError):
    """Another build holds the lock."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (ours counts as alive)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # exists, owned by another user
        return True
    except OSError as e:
        return e.errno != errno.ESRCH
    return True


def _size(p: Path) -> int:
    try:
        if p.is_dir() and not p.is_symlink():
            return sum(f.stat().st_size for f in p.rglob("*") if f.is_file() and not f.is_symlink())
        return p.lstat().st_size
    except OSError:
        return 0


def stale_files(folder: Path) -> list[Path]:
    """Temporary build files in `folder` whose build process is gone."""
    out = []
    try:
        entries = sorted(Path(folder).iterdir())
    except FileNotFoundError:
        return out
    for p in entries:
        m = TEMP_NAME.match(p.name)
        if m and not pid_alive(int(m["pid"])):
            out.append(p)
    return out


def remove_stale(folder: Path, progress: Callable[[str], None] = print) -> list[Path]:
    """Remove the temporary files and folders of dead builds in `folder`; returns what was removed.

    Call it only while holding the build lock (no other build of this folder is running)."""
    removed, freed = [], 0
    for p in stale_files(folder):
        size = _size(p)
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        except FileNotFoundError:
            continue
        except OSError as e:
            progress(f"could not remove the leftover {p}: {e}")
            continue
        removed.append(p)
        freed += size
    if removed:
        progress(f"removed {len(removed)} leftover file(s) of killed builds ({freed / 1e6:.1f} MB): "
                 + ", ".join(p.name for p in removed))
    return removed


def _holder(path: Path) -> str:
    try:
        info = path.read_text(encoding="utf-8").split()
    except OSError:
        return ""
    if len(info) >= 2:
        return f" (pid {info[0]}, started {info[1]})"
    return f" (pid {info[0]})" if info else ""


@contextmanager
def build_lock(folder: Path, *, wait: bool = False, progress: Callable[[str], None] = print,
               poll_s: float = 0.5) -> Iterator[Path]:
    """Hold the exclusive build lock of `folder` (created if needed) for the duration of the block.

    wait=False: raise BuildLocked at once when another build holds it; wait=True: wait for it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        said = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    raise BuildLocked(
                        f"another build is running{_holder(path)}: it holds {path}. This build did not start "
                        "and changed nothing; try again when that one ends (or use --wait).") from None
                if not said:
                    progress(f"waiting for the build that is running{_holder(path)} to end …")
                    said = True
                time.sleep(poll_s)
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def swapped_folder(path: Path) -> Iterator[Path]:
    """Write a folder whole or not at all (the geo layers, the demo data system).

    Yields an empty temporary folder beside `path`, named `.<name>.<pid>.building` so that a killed
    build's leftovers are found by `remove_stale`. When the block ends without error, the temporary folder
    replaces `path` (the old one is moved aside with os.replace and then removed: readers see the old folder
    or the new one, never a mix); on any error it is removed and `path` is left as it was."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        old = path.with_name(f".{path.name}.{os.getpid()}.old")
        shutil.rmtree(old, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
