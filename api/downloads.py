"""Whole downloads produced once per build and served as files (issue 9 item 3).

A whole indicator's CSV or ZIP (and a territory's) is the same bytes for every request of one
build: it is written on the first request to a directory of that build,

    $OBS_DATA_DIR/downloads/<build tag>/<name>

(the tag is the build's run_id and the database file's version, so a new build gets new files,
new ETags), through a temporary file and os.replace (a reader never sees half a file), under a
file lock (two workers' first requests do not both generate: the second waits and sends the
first one's file). Later requests, HEAD and Range requests are answered from the file by
Flask's `send_file(conditional=True)`: ETag, Last-Modified, 304, 206 and sendfile, no query.
The directories of other builds are removed when a new build's directory is made.

`python -m api.warm [indicator_id …]` makes the files of the current build ahead of visitors
(after `make build`): then no request waits for one, not even the first.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from core import settings
from serving import data

#: how long a request waits for another process that is generating the same file
LOCK_TIMEOUT_S = 120


def root() -> Path:
    return settings.paths().data_dir / "downloads"


def build_tag(run_id: str) -> str:
    """The directory name of this request's build: its run_id and the database file's version."""
    v = hashlib.sha1(repr(data.version()).encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(run_id or "build"))[:60].strip("-") or "build"
    return f"{safe}-{v}"


def _clean_other_builds(keep: Path) -> None:
    """Remove the files of other builds (a process still sending one keeps its open file)."""
    try:
        entries = list(keep.parent.iterdir())
    except OSError:
        return
    for p in entries:
        if p != keep and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def build_dir(run_id: str) -> Path:
    d = root() / build_tag(run_id)
    if not d.is_dir():
        d.mkdir(parents=True, exist_ok=True)
        _clean_other_builds(d)
    return d


def file_for(run_id: str, name: str, produce: Callable[[], bytes]) -> Path | bytes:
    """The path of this build's file `name`, produced by `produce()` if it is not there yet.

    Returns the bytes themselves when the file cannot be written (read-only or full disk, or
    the build's directory removed meanwhile): the download still works, it is just not kept."""
    try:
        d = build_dir(run_id)
    except OSError:
        return produce()
    path = d / name
    if path.is_file():
        return path
    lock = FileLock(str(d / f".{name}.lock"), timeout=LOCK_TIMEOUT_S)
    try:
        lock.acquire()
    except (OSError, Timeout):
        return produce()
    try:
        if path.is_file():                # another process made it while this one waited
            return path
        body = produce()
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=d)
            with os.fdopen(fd, "wb") as f:
                f.write(body)
            os.replace(tmp, path)
        except OSError:
            if tmp:
                Path(tmp).unlink(missing_ok=True)
            return body
        return path
    finally:
        lock.release()
