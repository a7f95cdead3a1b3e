"""Moved to `nubis.store.sqlite.queues`; this name goes once its importers use the package."""

from nubis.store.sqlite.queues import SqliteQueueStore

__all__ = ["SqliteQueueStore"]
