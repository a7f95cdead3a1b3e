"""Persistence behind small Protocols (see `nubis.store.base`). No business rules here."""
