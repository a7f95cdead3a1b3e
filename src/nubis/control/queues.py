"""The queue service's rules for queues: create (names, attributes, encryption, tags),
list, delete, purge, attributes, tags and dead-letter sources; messages are
`QueueMessages`' (`nubis.control.queue_messages`), which this extends.

Queue URLs are `<base_url>/<account>/<name>` and ARNs `arn:aws:sqs:<region>:<account>:<name>`.
The 60-second rules (a purge in progress, a queue deleted recently) read the injected clock
and live in this object: a restart forgets them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from nubis.control import queue_rules as rules
from nubis.control.queue_messages import (
    MSG_NO_QUEUE,
    SENDER_ID,
    QueueMessages,
    queue_arn,
)
from nubis.model.clock import Clock
from nubis.model.queue import (
    FIFO_SUFFIX,
    CreateQueue,
    ListPage,
    QueueRecord,
    SendRequest,
    SendResult,
)
from nubis.model.queue_errors import (
    InvalidAttributeName,
    InvalidParameterValue,
    MissingParameter,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
)
from nubis.store.base import QueueStore

__all__ = ["SENDER_ID", "QueueService", "SendRequest", "SendResult", "queue_arn"]


class QueueService(QueueMessages):
    def __init__(self, store: QueueStore, clock: Clock, region: str, account: str) -> None:
        super().__init__(store, clock, region, account)
        self._last_purge: dict[str, float] = {}  # monotonic
        self._deleted: dict[str, float] = {}  # monotonic
        self._tag_lock = asyncio.Lock()  # a tag change reads, merges and writes

    # ------------------------------------------------------------------ queues
    async def create(self, request: CreateQueue) -> QueueRecord:
        name, attributes = request.name, dict(request.attributes)
        fifo = attributes.get("FifoQueue") == "true"
        if name.endswith(FIFO_SUFFIX) and not fifo:
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                "or underscores, must end with .fifo suffix and be 1 to 80 in length."
            )
        rules.check_queue_name(name, fifo)
        rules.check_attributes(attributes, fifo, creating=True)
        rules.check_tags(request.tags, len(request.tags), name)
        deleted = self._deleted.get(name)
        if deleted is not None and self._clock.monotonic() - deleted < rules.DELETED_RECENTLY_S:
            raise QueueDeletedRecently(
                "You must wait 60 seconds after deleting a queue before you can create "
                "another with the same name."
            )
        attributes = rules.with_encryption({}, attributes)
        full = {**rules.DEFAULTS, **(rules.FIFO_DEFAULTS if fifo else {}), **attributes}
        now = self._clock.time()
        record = QueueRecord(name, full, now, now, dict(request.tags))
        stored = await self._store.create_queue(record)
        if stored.created != now or dict(stored.attributes) != full:
            for key, value in attributes.items():
                if stored.attributes.get(key) != value:
                    raise QueueNameExists(
                        "A queue already exists with the same name and a different value for "
                        f"attribute {key}"
                    )
        return stored

    async def list_queues(self, prefix: str | None, page: ListPage) -> tuple[list[str], str | None]:
        records = await self._store.list_queues(prefix or "")
        return rules.page_of_names([r.name for r in records], page.next_token, page.max_results)

    async def dead_letter_sources(self, name: str, page: ListPage) -> tuple[list[str], str | None]:
        """The queues whose RedrivePolicy names this one as their dead-letter queue."""
        await self.queue(name)
        target = self.arn(name)
        sources = []
        for record in await self._store.list_queues(""):
            policy = record.attributes.get("RedrivePolicy")
            if policy and rules.parse_redrive_policy(policy)[0] == target:
                sources.append(record.name)
        return rules.page_of_names(sources, page.next_token, page.max_results)

    async def delete(self, name: str) -> None:
        if not await self._store.delete_queue(name):
            raise QueueDoesNotExist(MSG_NO_QUEUE)
        self._deleted[name] = self._clock.monotonic()
        self._last_purge.pop(name, None)
        self._wake(name)

    async def purge(self, name: str) -> None:
        await self.queue(name)
        now = self._clock.monotonic()
        last = self._last_purge.get(name)
        if last is not None and now - last < rules.PURGE_INTERVAL_S:
            raise PurgeQueueInProgress(
                f"Only one PurgeQueue operation on {name} is allowed every 60 seconds."
            )
        self._last_purge[name] = now
        await self._store.purge(name)

    async def get_attributes(self, name: str, names: Sequence[str]) -> dict[str, str]:
        record = await self.queue(name)
        wanted = set(names)
        known = rules.SETTABLE | rules.COMPUTED | {"All"}
        for n in wanted:
            if n not in known:
                raise InvalidAttributeName(f"Unknown Attribute {n}.")
        if not wanted:
            return {}
        everything = "All" in wanted
        reported = rules.reported_attributes(record.attributes)
        out = {k: v for k, v in reported.items() if everything or k in wanted}
        if everything or wanted & rules.COMPUTED:
            counts = await self._store.counts(name, self._clock.time())
            computed = {
                "ApproximateNumberOfMessages": str(counts.visible),
                "ApproximateNumberOfMessagesNotVisible": str(counts.in_flight),
                "ApproximateNumberOfMessagesDelayed": str(counts.delayed),
                "CreatedTimestamp": str(int(record.created)),
                "LastModifiedTimestamp": str(int(record.modified)),
                "QueueArn": self.arn(name),
            }
            out.update({k: v for k, v in computed.items() if everything or k in wanted})
        return out

    async def set_attributes(self, name: str, attributes: Mapping[str, str]) -> None:
        record = await self.queue(name)
        rules.check_attributes(attributes, record.fifo, creating=False)
        changes = rules.with_encryption(record.attributes, attributes)
        await self._store.set_attributes(name, changes, self._clock.time())
        self._wake(name)

    # ------------------------------------------------------------------ tags
    async def tags(self, name: str) -> dict[str, str]:
        return dict((await self.queue(name)).tags)

    async def tag(self, name: str, tags: Mapping[str, str]) -> None:
        if not tags:
            raise MissingParameter("The request must contain the parameter Tags.")
        async with self._tag_lock:
            merged = {**(await self.queue(name)).tags, **tags}
            rules.check_tags(tags, len(merged), name)
            await self._store.set_tags(name, merged)

    async def untag(self, name: str, keys: Sequence[str]) -> None:
        if not keys:
            raise MissingParameter("The request must contain the parameter TagKeys.")
        for key in keys:
            rules.check_tag_key(key)
        async with self._tag_lock:
            current = (await self.queue(name)).tags
            await self._store.set_tags(name, {k: v for k, v in current.items() if k not in keys})
