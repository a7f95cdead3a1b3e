"""The IAM and STS rules over the in-memory store and a fake clock, for the rule tests."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any

from nubis.control.iam.services import IamServices, iam_services
from nubis.model.clock import FakeClock
from nubis.store.memory.iam import MemoryIamStore

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
START = 1_800_000_000.0


class World:
    def __init__(self) -> None:
        self.store = MemoryIamStore()
        self.clock = FakeClock(start=START)
        self.iam: IamServices = iam_services(self.store, ACCOUNT, self.clock)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)


def trust(principal: Any, effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def identity(effect: str, action: str, resource: str = "*") -> str:
    statement = {"Effect": effect, "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """A coroutine test run to completion on an event loop of its own."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run
