"""Moved to `nubis.store.sqlite.versions`; this name goes once its importers use the package."""

from nubis.store.sqlite.versions import SqliteVersionStore

__all__ = ["SqliteVersionStore"]
