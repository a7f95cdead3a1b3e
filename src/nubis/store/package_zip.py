"""Reading uploaded zip packages safely: what an entry may be, and extraction that cannot
touch anything outside its own directory.

A package is refused (InvalidParameterValueException, Lambda's unzip message followed by
the entry's name and the reason) when an entry

- has an absolute name, or a `..` component (it would land outside the package);
- is a device, FIFO or socket, is encrypted, or uses a compression method we cannot read;
- appears twice (identical directory entries excepted), or is a file where another entry
  needs a directory, or lies inside a symlink entry;
- is a symlink whose target is absolute or resolves (through the package's own links)
  outside the package root. Symlinks that stay inside are kept, as Lambda keeps them;
- has data that does not match its header (size or CRC-32), found by reading it all.

Extraction does not rely on those checks (defence in depth): every file is created relative
to a directory fd with O_CREAT|O_EXCL|O_NOFOLLOW, every directory is entered with
O_DIRECTORY|O_NOFOLLOW, modes are set with fchmod, and nothing is followed or chmod-ed by
path. After extraction every symlink in the tree is resolved on the host and must stay
inside it (layers merged in order could otherwise combine two harmless links into one
that escapes).
"""

from __future__ import annotations

import contextlib
import os
import stat
import struct
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from nubis.model import limits
from nubis.model.errors import InvalidParameterValueException

MSG_UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."

FILE, DIR, LINK = "file", "dir", "link"
_LINK_MAX = 4095  # PATH_MAX - 1: longer symlink targets cannot be created anyway
_NAME_MAX = 255  # bytes per path component (ext4 and friends)
_FOLLOW_MAX = 40  # the kernel's symlink limit (ELOOP)
_CHUNK = 1 << 20
_READABLE = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
# What a crafted zip can make zipfile raise while opening or reading it.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    ValueError,  # includes UnicodeDecodeError of a name
    EOFError,
    struct.error,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    OSError,
)
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class Entry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # the normalised path below the package root
    kind: str  # FILE, DIR or LINK
    mode: int  # permission bits a file gets
    target: str | None = None  # a LINK's target


def refused(name: str, why: str) -> InvalidParameterValueException:
    return InvalidParameterValueException(f"{MSG_UNZIP} Entry '{name}' {why}.")


def unreadable(exc: BaseException | None = None) -> InvalidParameterValueException:
    detail = f" ({exc})" if exc is not None and str(exc) else ""
    return InvalidParameterValueException(f"{MSG_UNZIP}{detail}")


def entries(zf: zipfile.ZipFile) -> list[Entry]:
    """Every entry of a package, checked (see the module docstring); raises refused(...)."""
    out: list[Entry] = []
    kinds: dict[tuple[str, ...], str] = {}
    for info in zf.infolist():
        parts = _parts(info.filename)
        kind, mode = _kind(info)
        if not parts:
            if kind == DIR:
                continue  # "./" names the root itself
            raise refused(info.filename, "has no name")
        if parts in kinds and (kind != DIR or kinds[parts] != DIR):
            raise refused(info.filename, "appears more than once")
        kinds[parts] = kind
        target = _read_link(zf, info) if kind == LINK else None
        out.append(Entry(info, parts, kind, mode, target))
    for entry in out:
        _check_parents(entry, kinds)
    links = {e.parts: e.target for e in out if e.target is not None}
    for entry in out:
        if entry.target is not None:
            _check_link(entry, links)
    return out


def verify(zf: zipfile.ZipFile, checked: Sequence[Entry]) -> None:
    """Read every member to its end: zipfile checks the size and CRC-32 the header gives.
    Bounded by the declared sizes, which must stay within the 250 MB unzipped limit."""
    if sum(e.info.file_size for e in checked) > limits.UNZIPPED_MAX_BYTES:
        raise unreadable(ValueError("the unzipped size is over the limit"))
    for entry in checked:
        if entry.kind == FILE:
            try:
                with zf.open(entry.info) as src:
                    _copy(src, None, entry)
            except ZIP_ERRORS as exc:
                raise refused(entry.info.filename, f"cannot be read ({exc})") from exc


def extract(zf: zipfile.ZipFile, checked: Sequence[Entry], root_fd: int) -> bool:
    """Write the entries below the directory `root_fd`; True if that made any symlink
    (then `check_links_inside` is due). A file or link of an earlier package (layers
    merged in order) is replaced; anything else in the way is refused."""
    for entry in checked:
        parent = _enter(root_fd, entry)
        try:
            leaf = entry.parts[-1]
            if entry.kind == DIR:
                os.close(_subdir(parent, leaf, entry))
                continue
            _clear(parent, leaf, entry)
            if entry.target is not None:
                os.symlink(entry.target, leaf, dir_fd=parent)
            else:
                _write(zf, entry, parent, leaf)
        finally:
            os.close(parent)
    return any(entry.kind == LINK for entry in checked)


def check_links_inside(root: Path) -> None:
    """Every symlink below `root` must resolve (on this host) to a path inside `root`."""
    top = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):  # does not descend into links
        for name in (*dirnames, *filenames):
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                real = os.path.realpath(path)
                if os.path.commonpath([top, real]) != top:
                    rel = os.path.relpath(path, root)
                    raise refused(rel, "is a symlink that points outside the package")


# ----------------------------------------------------------------- checks


def _parts(name: str) -> tuple[str, ...]:
    if name.startswith("/"):
        raise refused(name, "has an absolute name")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise refused(name, "has a '..' component that leads outside the package")
    for part in parts:
        if len(os.fsencode(part)) > _NAME_MAX:
            raise refused(name, f"has a name component longer than {_NAME_MAX} bytes")
    return parts


def _kind(info: zipfile.ZipInfo) -> tuple[str, int]:
    """(kind, permission bits). Type bits count only in zips made on Unix (as for unzip)."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise refused(name, "is encrypted")
    if info.compress_type not in _READABLE:
        raise refused(name, f"uses an unsupported compression method ({info.compress_type})")
    st = (info.external_attr >> 16) if info.create_system == 3 else 0
    fmt, perm = stat.S_IFMT(st), stat.S_IMODE(st) & 0o777
    by_name = DIR if name.endswith("/") else FILE
    if fmt == 0:
        return by_name, (perm | 0o444) if perm else 0o644
    kind = {stat.S_IFREG: FILE, stat.S_IFDIR: DIR, stat.S_IFLNK: LINK}.get(fmt)
    if kind is None:
        raise refused(name, "is a device, FIFO or socket, not a file or directory")
    if (kind == DIR) != (by_name == DIR):
        raise refused(name, f"is named as a {by_name} but marked as a {kind}")
    return kind, (perm | 0o444) if perm else 0o644


def _read_link(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    if info.file_size > _LINK_MAX:
        raise refused(info.filename, "is a symlink with a target too long")
    try:
        with zf.open(info) as src:
            raw = src.read(_LINK_MAX + 1)
    except ZIP_ERRORS as exc:
        raise refused(info.filename, f"cannot be read ({exc})") from exc
    if not raw or b"\x00" in raw:
        raise refused(info.filename, "is a symlink with an empty or invalid target")
    return os.fsdecode(raw)


def _check_parents(entry: Entry, kinds: dict[tuple[str, ...], str]) -> None:
    for i in range(1, len(entry.parts)):
        kind = kinds.get(entry.parts[:i])
        if kind == FILE:
            raise refused(
                entry.info.filename,
                f"needs '{'/'.join(entry.parts[:i])}' as a directory, but it is a file",
            )
        if kind == LINK:
            raise refused(
                entry.info.filename, f"lies inside the symlink '{'/'.join(entry.parts[:i])}'"
            )


def _check_link(entry: Entry, links: Mapping[tuple[str, ...], str]) -> None:
    assert entry.target is not None
    if entry.target.startswith("/"):
        raise refused(entry.info.filename, "is a symlink with an absolute target")
    if _resolve(entry.parts[:-1], entry.target, links, 0) is None:
        raise refused(entry.info.filename, "is a symlink that points outside the package")


def _resolve(
    start: tuple[str, ...], target: str, links: Mapping[tuple[str, ...], str], depth: int
) -> tuple[str, ...] | None:
    """Where `target`, read in directory `start`, leads; None if it leaves the root (or
    loops, which the kernel would refuse too). Follows the package's own links."""
    if depth > _FOLLOW_MAX or target.startswith("/"):
        return None
    here: tuple[str, ...] | None = start
    for part in target.split("/"):
        if here is None:
            return None
        if part in ("", "."):
            continue
        if part == "..":
            if not here:
                return None
            here = here[:-1]
            continue
        here = (*here, part)
        link = links.get(here)
        if link is not None:
            here = _resolve(here[:-1], link, links, depth + 1)
    return here


# ----------------------------------------------------------------- extraction


def _enter(root_fd: int, entry: Entry) -> int:
    """An fd of the entry's parent directory, made as needed, never through a link."""
    fd = os.dup(root_fd)
    for part in entry.parts[:-1]:
        try:
            nfd = _subdir(fd, part, entry)
        finally:
            os.close(fd)
        fd = nfd
    return fd


def _subdir(parent: int, name: str, entry: Entry) -> int:
    with contextlib.suppress(FileExistsError):  # the open below checks what is there
        os.mkdir(name, 0o755, dir_fd=parent)
    try:
        fd = os.open(name, _OPEN_DIR, dir_fd=parent)
    except OSError as exc:  # ELOOP (a link) or ENOTDIR (a file): never followed
        raise refused(
            entry.info.filename, f"needs '{name}' as a directory, but it is not one"
        ) from exc
    os.fchmod(fd, 0o755)  # whatever the umask
    return fd


def _clear(parent: int, name: str, entry: Entry) -> None:
    """Remove an earlier package's file or link of this name (unlinkat follows nothing)."""
    try:
        st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        raise refused(entry.info.filename, "is a file, but an earlier package made it a directory")
    os.unlink(name, dir_fd=parent)


def _write(zf: zipfile.ZipFile, entry: Entry, parent: int, name: str) -> None:
    fd = os.open(name, _CREATE, 0o600, dir_fd=parent)
    with os.fdopen(fd, "wb") as dst:
        try:
            with zf.open(entry.info) as src:
                _copy(src, dst, entry)
        except ZIP_ERRORS as exc:
            if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
                raise  # the disk, not the package
            raise refused(entry.info.filename, f"cannot be read ({exc})") from exc
        os.fchmod(dst.fileno(), entry.mode)


def _copy(src: IO[bytes], dst: IO[bytes] | None, entry: Entry) -> None:
    """Copy (or with no `dst`, just read) a member; its length must be the header's.
    zipfile stops at the declared size and checks the CRC-32 of what it read, but a
    stream that ends early passes its CRC check: the count catches that lie."""
    total = 0
    while chunk := src.read(_CHUNK):
        total += len(chunk)
        if dst is not None:
            dst.write(chunk)
    if total != entry.info.file_size:
        raise refused(
            entry.info.filename,
            f"holds {total} bytes, but its header says {entry.info.file_size}",
        )
