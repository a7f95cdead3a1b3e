"""Code packages in PostgreSQL (`BlobStore`), so that a node needs nothing but the database.

A package is a row of `blobs` (digest, size, number of chunks) and its bytes in
`blob_chunks`, 1 MiB of `bytea` each (stored uncompressed: zips are compressed already).
`put` writes the row and every chunk in one transaction, so a package is never visible
under its digest half-written, and sends each chunk as a view of the caller's bytes (no
copy of the whole package is made). Of two nodes putting the same package at once, the
second waits on the first's row and then writes nothing.

Each node keeps a local cache, a `FileBlobStore` directory: `path(sha)` is the package's
file there, `unpacked` and `merged` extract from it exactly as the file store does. `put`
writes the cache file too (so `path` holds once `put` returned, as the Protocol says);
on a node that did not put the package, `unpacked`/`merged` first stream it from the
database into the cache file, one chunk at a time (a server-side cursor), checking its
digest before the file takes its final name.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from nubis.store import package_zip
from nubis.store.blobs import FileBlobStore
from nubis.store.postgres.db import Conn, PostgresDb

CHUNK = 1 << 20


def _verify(data: bytes) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except package_zip.ZIP_ERRORS as exc:
        raise package_zip.unreadable(exc) from exc
    with zf:
        package_zip.verify(zf, package_zip.entries(zf))


def _insert(db: Conn, digest: str, data: bytes) -> None:
    view = memoryview(data)
    chunks = (len(view) + CHUNK - 1) // CHUNK
    cur = db.execute(
        "INSERT INTO blobs (sha256, size, chunks) VALUES (%s, %s, %s) "
        "ON CONFLICT (sha256) DO NOTHING",
        (digest, len(view), chunks),
    )
    if cur.rowcount == 0:
        return  # stored before (or by a concurrent put that committed first)
    for n in range(chunks):
        db.execute(
            "INSERT INTO blob_chunks (sha256, n, data) VALUES (%s, %s, %b)",
            (digest, n, view[n * CHUNK : (n + 1) * CHUNK]),
        )


def _stored(db: Conn, digest: str) -> bool:
    return db.execute("SELECT 1 FROM blobs WHERE sha256 = %s", (digest,)).fetchone() is not None


class PostgresBlobStore(PostgresDb):
    def __init__(self, dsn: str, cache: Path) -> None:
        super().__init__(dsn)
        self._local = FileBlobStore(cache)

    async def put(self, data: bytes) -> str:
        digest = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
        if not await self._run(lambda db: _stored(db, digest)):
            await asyncio.to_thread(_verify, data)
            await self._run(lambda db: _insert(db, digest, data))
        if not self.path(digest).exists():  # one stat
            await asyncio.to_thread(self._write_cache, digest, [memoryview(data)])
        return digest

    def path(self, sha256: str) -> Path:
        return self._local.path(sha256)

    async def unpacked(self, sha256: str) -> Path:
        await self._fetch(sha256)
        return await self._local.unpacked(sha256)

    async def merged(self, sha256s: Sequence[str]) -> Path:
        for sha256 in sha256s:
            await self._fetch(sha256)
        return await self._local.merged(sha256s)

    async def _fetch(self, sha256: str) -> None:
        """Bring the package into the local cache if it is not there yet."""
        if self.path(sha256).exists():  # one stat: every cold start's case
            return
        await self._run(lambda db: self._stream(db, sha256))

    def _stream(self, db: Conn, sha256: str) -> None:
        # A named (server-side) cursor: PostgreSQL sends a few chunks at a time.
        with db.cursor(name="blob") as cur:
            cur.itersize = 4
            cur.execute(
                "SELECT data FROM blob_chunks WHERE sha256 = %s ORDER BY n",
                (sha256,),
                binary=True,
            )
            self._write_cache(sha256, (row[0] for row in cur))

    def _write_cache(self, sha256: str, chunks: Iterable[bytes | memoryview]) -> None:
        final = self.path(sha256)
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                size = 0
                for chunk in chunks:
                    size += len(chunk)
                    digest.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            if size == 0:
                raise FileNotFoundError(f"no package {sha256} in the database")
            if digest.hexdigest() != sha256:
                raise package_zip.unreadable()  # damaged in the database
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
