"""What every in-memory store shares: `close()` is idempotent, other methods fail after it
(as the SQLite stores' do), so a test of code above the store sees a use after close."""

from __future__ import annotations


class Closing:
    _closed = False

    def _open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")

    def close(self) -> None:
        self._closed = True
