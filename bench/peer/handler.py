"""The hello-world handler that every system in the benchmark runs."""

from typing import Any


def hello(event: Any, context: Any) -> dict[str, bool]:
    return {"ok": True}
