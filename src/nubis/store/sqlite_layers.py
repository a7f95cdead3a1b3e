"""Moved to `nubis.store.sqlite.layers`; this name goes once its importers use the package."""

from nubis.store.sqlite.layers import SqliteLayerStore

__all__ = ["SqliteLayerStore"]
