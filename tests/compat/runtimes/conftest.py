"""Runtime tests use the engine tests' function fixtures."""

from tests.unit.engine.conftest import make_spec

__all__ = ["make_spec"]
