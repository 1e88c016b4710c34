"""Files: content hashes, atomic writes, writable-folder checks.

Every file faceplate writes goes through :func:`atomic_path` (or :func:`write_text` / :func:`write_bytes`
over it): the content goes to a hidden temporary file in the destination's folder,
``.<file name>.<host>-<pid>-<random>.partial`` (so no sequence pattern, glob or ``--skip-existing`` check can
mistake it for a finished file), which is flushed and fsynced, renamed onto the final name, and the folder
fsynced. On any failure the temporary file is removed: either the complete new file exists or the previous
state is untouched. A process killed mid-write (``kill -9``, a farm pre-emption) cannot remove its temporary
file; the next write of the same path does (:func:`remove_stale_partials`).

Errors are :class:`~faceplate.foundation.errors.SequenceIOError` naming the path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import socket
import tempfile
import threading
from collections.abc import Iterator

from faceplate.foundation.errors import SequenceIOError

__all__ = ["atomic_path", "check_output_folder", "remove_stale_partials", "sha256_of", "write_bytes", "write_text"]

_HOST = socket.gethostname().replace(".", "_").replace("-", "_")
_digests: dict[tuple[str, int, int], str] = {}
_digest_lock = threading.Lock()


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The file's sha256 hex digest, cached per (path, size, modification time)."""
    path = os.fspath(path)
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    with _digest_lock:
        cached = _digests.get(key)
    if cached is not None:
        return cached
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    digest = h.hexdigest()
    with _digest_lock:
        _digests[key] = digest
    return digest


def check_output_folder(
    path: str | os.PathLike[str], *, create: bool = False, probe: bool = False, what: str | None = None
) -> str:
    """The folder that will hold ``path``, checked to exist (or created, with ``create``) and be writable.

    With ``probe`` (a pre-flight check, before any work): nothing is created; a folder not made yet passes when
    its nearest existing parent is a folder, and writing is tried with a real probe file there (permission bits
    say nothing for root, read-only mounts or quotas). ``what`` (e.g. ``"-o/--output"``) starts the message.

    Raises:
        SequenceIOError: naming the folder and what to do.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if probe:
        _probe(folder, f"{what}: " if what else "")
        return folder
    if create and not os.path.exists(folder):
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise SequenceIOError(
                f"cannot create the output folder {folder}: {exc.strerror or exc}", path=path
            ) from None
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise SequenceIOError(f"output folder {folder} {what}; create it first", path=path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SequenceIOError(f"output folder {folder} is not writable by this user", path=path)
    return folder


def _probe(folder: str, prefix: str) -> None:
    existing = folder
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise SequenceIOError(
            f"{prefix}cannot create {folder}: {existing} is a file, not a folder; choose another folder"
        )
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".faceplate-probe-"):
            pass
    except OSError as exc:
        raise SequenceIOError(
            f"{prefix}cannot write in {existing} ({exc.strerror or exc}); choose a folder you can write to, "
            "or fix its permissions"
        ) from None


def remove_stale_partials(path: str | os.PathLike[str]) -> list[str]:
    """Removes temporary files left for ``path`` by writers on this host that no longer run.

    Temporaries of live processes, and of other hosts (which this host cannot check), are left alone.
    Returns the paths removed.
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    prefix = f".{name}.{_HOST}-"
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder):
            if not (entry.startswith(prefix) and entry.endswith(".partial")):
                continue
            pid_text = entry[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and not _alive(int(pid_text)):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(folder, entry))
                    removed.append(os.path.join(folder, entry))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process whose parent died too can linger as a zombie where nothing reaps it
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, create_folder: bool = False) -> Iterator[str]:
    """Yields a temporary path beside ``path`` to write to; on a normal exit it is flushed to disk and renamed
    onto ``path``, on an exception it is removed (and ``path`` left as it was).

    Example::

        with atomic_path("out/report.json") as temp:
            with open(temp, "w") as f:
                f.write(text)
    """
    path = os.fspath(path)
    folder = check_output_folder(path, create=create_folder)
    remove_stale_partials(path)
    temp = os.path.join(folder, f".{os.path.basename(path)}.{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        yield temp
        _fsync_file(temp, path)
        try:
            os.replace(temp, path)
        except OSError as exc:
            raise SequenceIOError(f"cannot move the finished file into place: {exc.strerror}", path=path) from None
        _fsync_folder(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, create_folder: bool = False) -> None:
    """Writes ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path, create_folder=create_folder) as temp:
        try:
            # os.open with 0o666 honours the umask (mkstemp would leave the file readable by its owner only).
            with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as f:
                f.write(data)
        except OSError as exc:
            raise SequenceIOError(f"cannot write: {exc.strerror or exc}", path=os.fspath(path)) from None


def write_text(path: str | os.PathLike[str], text: str, *, create_folder: bool = False) -> None:
    """Writes ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_path`)."""
    write_bytes(path, text.encode("utf-8"), create_folder=create_folder)


def _fsync_file(temp: str, path: str) -> None:
    try:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise SequenceIOError(f"cannot flush the written file to disk: {exc.strerror}", path=path) from None


def _fsync_folder(folder: str) -> None:
    with contextlib.suppress(OSError):  # not every filesystem can fsync a folder; the rename is done
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
