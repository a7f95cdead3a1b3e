"""Code packages on the local filesystem, content-addressed by SHA-256."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from nubis.model.errors import StorageFullException
from nubis.store import full, package_zip


class FileBlobStore:
    """Layout: `<root>/sha256/<hex>.zip`, `<root>/unpacked/<hex>/` and, for layers merged
    in order, `<root>/merged/<sha256 of the ordered digests>/`.

    Both are written under a temporary name and renamed into place, so a crash never leaves
    a half-written package or directory under its final name.

    Hashing, writing and extracting run on a worker thread (`asyncio.to_thread`): up to
    250 MB must not stall the event loop. What stays on the loop is one `stat` when the
    directory asked for exists already (every cold start's case), and `path`, which only
    computes a name.
    """

    def __init__(self, root: Path) -> None:
        self._blobs = root / "sha256"
        self._unpacked = root / "unpacked"
        self._merged = root / "merged"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._unpacked.mkdir(parents=True, exist_ok=True)
        self._merged.mkdir(parents=True, exist_ok=True)

    async def put(self, data: bytes) -> str:
        return await asyncio.to_thread(self._put, data)

    def _put(self, data: bytes) -> str:
        """Store a package after reading every member of it (`package_zip`): a package
        that cannot be extracted is refused here, before anything is written."""
        digest = hashlib.sha256(data).hexdigest()
        final = self._blobs / f"{digest}.zip"
        if not final.exists():
            _verify(data)
            with _mapped():
                fd, tmp = tempfile.mkstemp(dir=self._blobs, prefix=".tmp-")
                try:
                    with os.fdopen(fd, "wb") as f:
                        f.write(data)
                        f.flush()
                        os.fsync(f.fileno())
                    os.replace(tmp, final)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
        return digest

    def path(self, sha256: str) -> Path:
        return self._blobs / f"{sha256}.zip"

    async def unpacked(self, sha256: str) -> Path:
        return await self._extract(self._unpacked / sha256, [sha256])

    async def merged(self, sha256s: Sequence[str]) -> Path:
        key = hashlib.sha256("\n".join(sha256s).encode()).hexdigest()
        return await self._extract(self._merged / key, sha256s)

    async def _extract(self, final: Path, sha256s: Sequence[str]) -> Path:
        """Extract the packages in order into `final` (later files replace earlier ones).

        Never by path below the temporary directory: `package_zip.extract` works relative
        to its fd and follows no link, whatever the zip says.
        """
        # Extracted before (never modified since): one stat on the loop, no thread hop.
        if final.is_dir():  # noqa: ASYNC240
            return final
        return await asyncio.to_thread(self._extract_mapped, final, sha256s)

    def _extract_mapped(self, final: Path, sha256s: Sequence[str]) -> Path:
        with _mapped():
            return self._extract_new(final, sha256s)

    def _extract_new(self, final: Path, sha256s: Sequence[str]) -> Path:
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=".tmp-"))
        try:
            root_fd = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                links = [self._extract_one(sha256, root_fd) for sha256 in sha256s]
                os.fchmod(root_fd, 0o755)
            finally:
                os.close(root_fd)
            if any(links):
                package_zip.check_links_inside(tmp)
            try:
                os.rename(tmp, final)
            except OSError:  # another caller won the race; theirs is identical
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def _extract_one(self, sha256: str, root_fd: int) -> bool:
        try:
            zf = zipfile.ZipFile(self.path(sha256))
        except package_zip.ZIP_ERRORS as exc:
            raise package_zip.unreadable(exc) from exc
        with zf:
            return package_zip.extract(zf, package_zip.entries(zf), root_fd)

    def close(self) -> None:
        pass


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    """A full volume (ENOSPC, EDQUOT) leaves as StorageFullException."""
    try:
        yield
    except OSError as exc:
        if full.storage_full(exc):
            raise StorageFullException() from exc
        raise


def _verify(data: bytes) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except package_zip.ZIP_ERRORS as exc:
        raise package_zip.unreadable(exc) from exc
    with zf:
        package_zip.verify(zf, package_zip.entries(zf))
