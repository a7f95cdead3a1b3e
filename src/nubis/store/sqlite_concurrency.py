"""Moved to `nubis.store.sqlite.concurrency`; this name goes once its importers use the package."""

from nubis.store.sqlite.concurrency import SqliteConcurrencyStore

__all__ = ["SqliteConcurrencyStore"]
