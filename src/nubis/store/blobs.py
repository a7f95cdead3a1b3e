"""Code packages on the local filesystem, content-addressed by SHA-256."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path


class FileBlobStore:
    """Layout: `<root>/sha256/<hex>.zip`, `<root>/unpacked/<hex>/` and, for layers merged
    in order, `<root>/merged/<sha256 of the ordered digests>/`.

    Both are written under a temporary name and renamed into place, so a crash never leaves
    a half-written package or directory under its final name.
    """

    def __init__(self, root: Path) -> None:
        self._blobs = root / "sha256"
        self._unpacked = root / "unpacked"
        self._merged = root / "merged"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._unpacked.mkdir(parents=True, exist_ok=True)
        self._merged.mkdir(parents=True, exist_ok=True)

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        final = self._blobs / f"{digest}.zip"
        if not final.exists():
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

    def unpacked(self, sha256: str) -> Path:
        return self._extract(self._unpacked / sha256, [sha256])

    def merged(self, sha256s: Sequence[str]) -> Path:
        key = hashlib.sha256("\n".join(sha256s).encode()).hexdigest()
        return self._extract(self._merged / key, sha256s)

    def _extract(self, final: Path, sha256s: Sequence[str]) -> Path:
        """Extract the packages in order into `final` (later files replace earlier ones)."""
        if final.is_dir():
            return final
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=".tmp-"))
        try:
            for sha256 in sha256s:
                with zipfile.ZipFile(self.path(sha256)) as zf:
                    for info in zf.infolist():
                        target = tmp / info.filename
                        if not info.is_dir() and target.is_file():
                            target.chmod(0o644)  # a later layer replaces this file
                        zf.extract(info, tmp)
                        # Keep the executable bits recorded by Unix zip tools (a custom
                        # runtime's `bootstrap` must stay executable).
                        mode = (info.external_attr >> 16) & 0o777
                        if mode and not info.is_dir():
                            os.chmod(target, mode | 0o444)
            os.chmod(tmp, 0o755)
            try:
                os.rename(tmp, final)
            except OSError:  # another caller won the race; theirs is identical
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def close(self) -> None:
        pass
