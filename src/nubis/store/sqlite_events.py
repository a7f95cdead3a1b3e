"""Moved to `nubis.store.sqlite.events`; this name goes once its importers use the package."""

from nubis.store.sqlite.events import SqliteEventStore

__all__ = ["SqliteEventStore"]
