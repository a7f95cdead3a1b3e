"""Sandbox tests run as root on Linux; elsewhere they are skipped (see helpers)."""

from tests.unit.engine.conftest import make_spec

__all__ = ["make_spec"]
