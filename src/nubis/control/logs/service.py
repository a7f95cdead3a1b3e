"""The CloudWatch Logs API's rules on typed requests (`nubis.model.logs`), over a
`LogStore`. Errors are CloudWatch Logs' (`nubis.model.logs_errors`), with its messages.

    LogsService(store, clock, region, account_id)
        groups:   create_group, delete_group, describe_groups, put/delete_retention, tags
        streams:  create_stream, delete_stream, describe_streams
        events:   put_events, get_events, filter_events
        sweep()   deletes what retention expired; `start()` runs it every minute

GetLogEvents' tokens are AWS's form, `f/<56 digits>` and `b/<56 digits>`: the position
after (forward) or before (backward) the page; at the end of a stream the token passed
in comes back, so a caller polling forward stops when the token repeats. Describe and
FilterLogEvents tokens are opaque keysets (base64 of JSON).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import itertools
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from nubis.control.logs.filter_pattern import FilterPattern, compile_filter_pattern
from nubis.model.clock import Clock
from nubis.model.logs import (
    START,
    DescribeGroups,
    DescribeStreams,
    EventsPage,
    FilteredPage,
    FilterEvents,
    GetEvents,
    LogEvent,
    LogGroup,
    LogStream,
    NewEvent,
    Position,
    PutEvents,
    PutResult,
    Rejected,
    StreamKey,
    StreamOrder,
)
from nubis.model.logs_errors import (
    MSG_BAD_ARN,
    MSG_BAD_TOKEN,
    MSG_EVENT_TOO_LARGE,
    MSG_GROUP_EXISTS,
    MSG_IDENTIFIERS_AND_NAMES,
    MSG_NAMES_AND_PREFIX,
    MSG_NO_GROUP,
    MSG_NO_STREAM,
    MSG_NOT_CHRONOLOGICAL,
    MSG_ORDER_PREFIX,
    MSG_PREFIX_AND_PATTERN,
    MSG_SPAN,
    MSG_STREAM_EXISTS,
    MSG_TOO_LARGE,
    MSG_TOO_MANY_TAGS,
    InvalidParameterException,
    ResourceAlreadyExistsException,
    ResourceNotFound,
    TooManyTagsException,
)
from nubis.store.logs import DAY_MS, Created, LogStore

log = logging.getLogger(__name__)

RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653)  # fmt: skip
MAX_BATCH_BYTES = 1_048_576
MAX_EVENT_BYTES = 1_048_576  # one event, its 26 bytes included (256 KB before 2025)
EVENT_OVERHEAD = 26  # bytes counted per event on top of its UTF-8 message
MAX_SPAN_MS = DAY_MS
TOO_OLD_MS = 14 * DAY_MS
TOO_NEW_MS = 2 * 3600 * 1000
MAX_TAGS = 50
DESCRIBE_LIMIT = 50
EVENTS_LIMIT = 10_000
MAX_RESPONSE_BYTES = 1_048_576  # GetLogEvents and FilterLogEvents return at most 1 MB
SCAN_BUDGET = 10_000  # events one FilterLogEvents call reads before handing back a token
SWEEP_INTERVAL_S = 60.0
_SEQUENCE_DIGITS = 56


def _retention_message(days: int) -> str:
    allowed = ", ".join(str(d) for d in RETENTION_DAYS)
    return (
        f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{allowed}]"
    )


def _token_out(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _token_in(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error) as exc:
        raise InvalidParameterException(MSG_BAD_TOKEN) from exc


def _limit(value: int | None, default: int) -> int:
    if value is None:
        return default
    if not 1 <= value <= default:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{value}' at 'limit' failed to satisfy "
            f"constraint: Member must have value {'greater' if value < 1 else 'less'} than "
            f"or equal to {1 if value < 1 else default}"
        )
    return value


class LogsService:
    def __init__(self, store: LogStore, clock: Clock, region: str, account_id: str) -> None:
        self._store = store
        self._clock = clock
        self.region = region
        self.account_id = account_id
        self._sweeper: asyncio.Task[None] | None = None

    def now_ms(self) -> int:
        return int(self._clock.time() * 1000)

    def group_arn(self, name: str) -> str:
        """The ARN IAM policies name a group by (`...:log-group:<name>:*`)."""
        return f"{self.tagging_arn(name)}:*"

    def tagging_arn(self, name: str) -> str:
        """The ARN without `:*` (logGroupArn; what the tagging operations take)."""
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{name}"

    def stream_arn(self, group: str, stream: str) -> str:
        return f"{self.tagging_arn(group)}:log-stream:{stream}"

    # ------------------------------------------------------------ background sweep
    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="logs-retention")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            try:
                await self.sweep()
            except Exception:  # a failed sweep is retried at the next interval
                log.exception("log retention sweep failed")

    async def sweep(self) -> int:
        """Deletes every event its group's retention has expired, as of the clock."""
        return await self._store.sweep(self.now_ms())

    # ------------------------------------------------------------ groups
    async def group(self, name: str) -> LogGroup:
        group = await self._store.get_group(name)
        if group is None:
            raise ResourceNotFound(MSG_NO_GROUP)
        return group

    async def create_group(self, name: str, tags: Mapping[str, str]) -> None:
        _check_tags(tags)
        created = await self._store.create_group(LogGroup(name, self.now_ms(), tags=dict(tags)))
        if created is Created.EXISTS:
            raise ResourceAlreadyExistsException(MSG_GROUP_EXISTS)

    async def delete_group(self, name: str) -> None:
        if not await self._store.delete_group(name):
            raise ResourceNotFound(MSG_NO_GROUP)

    async def describe_groups(self, r: DescribeGroups) -> tuple[list[LogGroup], str | None]:
        if r.prefix is not None and r.pattern is not None:
            raise InvalidParameterException(MSG_PREFIX_AND_PATTERN)
        limit = _limit(r.limit, DESCRIBE_LIMIT)
        if r.identifiers is not None:
            if r.prefix is not None or r.pattern is not None:
                raise InvalidParameterException(MSG_IDENTIFIERS_AND_NAMES)
            return await self._groups_named(r.identifiers), None
        after = str(_token_in(r.next_token)) if r.next_token else None
        groups = await self._store.list_groups(r.prefix, r.pattern, after, limit + 1)
        more = len(groups) > limit
        groups = groups[:limit]
        return groups, _token_out(groups[-1].name) if more else None

    async def _groups_named(self, identifiers: Sequence[str]) -> list[LogGroup]:
        """The groups of logGroupIdentifiers that exist, by name (missing ones are left out)."""
        names = {self.group_of_arn(i) if i.startswith("arn:") else i for i in identifiers}
        found = [await self._store.get_group(n) for n in sorted(names)]
        return [g for g in found if g is not None]

    async def put_retention(self, name: str, days: int) -> None:
        if days not in RETENTION_DAYS:
            raise InvalidParameterException(_retention_message(days))
        if not await self._store.set_retention(name, days):
            raise ResourceNotFound(MSG_NO_GROUP)

    async def delete_retention(self, name: str) -> None:
        if not await self._store.set_retention(name, None):
            raise ResourceNotFound(MSG_NO_GROUP)

    async def tag_group(self, name: str, tags: Mapping[str, str]) -> None:
        group = await self.group(name)
        _check_tags({**group.tags, **tags})
        if not await self._store.tag_group(name, tags, ()):
            raise ResourceNotFound(MSG_NO_GROUP)

    async def untag_group(self, name: str, keys: Sequence[str]) -> None:
        if not await self._store.tag_group(name, {}, keys):
            raise ResourceNotFound(MSG_NO_GROUP)

    def group_of_arn(self, arn: str) -> str:
        """The group a tagging ARN names (with or without a trailing `:*`)."""
        prefix = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:"
        name = arn.removesuffix(":*")
        if not name.startswith(prefix) or not name[len(prefix) :]:
            raise InvalidParameterException(MSG_BAD_ARN.format(arn=arn))
        return name[len(prefix) :]

    # ------------------------------------------------------------ streams
    async def create_stream(self, group: str, name: str) -> None:
        created = await self._store.create_stream(LogStream(group, name, self.now_ms()))
        if created is Created.NO_GROUP:
            raise ResourceNotFound(MSG_NO_GROUP)
        if created is Created.EXISTS:
            raise ResourceAlreadyExistsException(MSG_STREAM_EXISTS)

    async def delete_stream(self, group: str, name: str) -> None:
        if not await self._store.delete_stream(group, name):
            await self.group(group)
            raise ResourceNotFound(MSG_NO_STREAM)

    async def stream(self, group: str, name: str) -> LogStream:
        stream = await self._store.get_stream(group, name)
        if stream is None:
            await self.group(group)
            raise ResourceNotFound(MSG_NO_STREAM)
        return stream

    async def describe_streams(self, r: DescribeStreams) -> tuple[list[LogStream], str | None]:
        by_time = r.order is StreamOrder.LAST_EVENT_TIME
        if by_time and r.prefix is not None:
            raise InvalidParameterException(MSG_ORDER_PREFIX)
        limit = _limit(r.limit, DESCRIBE_LIMIT)
        after = None
        if r.next_token:
            mark = _token_in(r.next_token)
            if not (isinstance(mark, list) and len(mark) == 2):
                raise InvalidParameterException(MSG_BAD_TOKEN)
            after = StreamKey(str(mark[0]), int(mark[1]))
        await self.group(r.group)
        streams = await self._store.list_streams(
            r.group, r.prefix, by_time, r.descending, after, limit + 1
        )
        more = len(streams) > limit
        streams = streams[:limit]
        token = _token_out([streams[-1].name, streams[-1].last_event or 0]) if more else None
        return streams, token

    @staticmethod
    def sequence_token(stream: LogStream) -> str:
        return f"{stream.sequence:0{_SEQUENCE_DIGITS}d}"

    # ------------------------------------------------------------ events
    async def put_events(self, r: PutEvents) -> PutResult:
        _check_batch(r.events)
        group = await self.group(r.group)
        now = self.now_ms()
        keep, rejected = _admit(r.events, now, group.retention_days)
        stream = await self._store.append(r.group, r.stream, keep, now)
        if stream is None:
            raise ResourceNotFound(MSG_NO_STREAM)
        return PutResult(self.sequence_token(stream), rejected)

    async def get_events(self, r: GetEvents) -> EventsPage:
        limit = _limit(r.limit, EVENTS_LIMIT)
        after = before = None
        if r.next_token:
            direction, _, digits = r.next_token.partition("/")
            position = Position.decode(digits)
            if direction not in ("f", "b") or position is None:
                raise InvalidParameterException(MSG_BAD_TOKEN)
            after, before = (position, None) if direction == "f" else (None, position)
        await self.stream(r.group, r.stream)
        events = await self._store.read_stream(
            r.group, r.stream, r.start_time, r.end_time, after, before, limit, r.start_from_head
        )
        newest = before is not None or (after is None and not r.start_from_head)
        events = _fit(events, keep_last=newest)
        if events:
            first, last = events[0].position, events[-1].position
            return EventsPage(events, f"f/{last.encode()}", f"b/{first.encode()}")
        # Nothing (more) in that direction: the token passed in comes back.
        forward = f"f/{(after or before or START).encode()}"
        backward = f"b/{(before or after or START).encode()}"
        return EventsPage([], forward, backward)

    async def filter_events(self, r: FilterEvents) -> FilteredPage:
        if r.stream_names is not None and r.stream_prefix is not None:
            raise InvalidParameterException(MSG_NAMES_AND_PREFIX)
        pattern = compile_filter_pattern(r.pattern)
        limit = _limit(r.limit, EVENTS_LIMIT)
        after = None
        if r.next_token:
            mark = _token_in(r.next_token)
            if not (isinstance(mark, list) and len(mark) == 2):
                raise InvalidParameterException(MSG_BAD_TOKEN)
            after = Position(int(mark[0]), int(mark[1]))
        await self.group(r.group)
        matched, after, done = await self._matches(r, pattern, after, limit)
        token = None if done or after is None else _token_out([after.timestamp, after.seq])
        searched = await self._searched(r, done)
        return FilteredPage(matched, searched, token)

    async def _matches(
        self, r: FilterEvents, pattern: FilterPattern, after: Position | None, limit: int
    ) -> tuple[list[LogEvent], Position | None, bool]:
        """Matching events after `after`: at most `limit`, 1 MB and SCAN_BUDGET events
        read. Returns them, where the next page starts, and whether the scan reached the
        end."""
        matched: list[LogEvent] = []
        scanned, size = 0, 0
        while scanned < SCAN_BUDGET:
            want = min(1000, SCAN_BUDGET - scanned)
            chunk = await self._store.scan(
                r.group, r.stream_names, r.stream_prefix, r.start_time, r.end_time, after, want
            )
            for i, event in enumerate(chunk):
                if pattern.matches(event.message):
                    size += len(event.message.encode()) + EVENT_OVERHEAD
                    if size > MAX_RESPONSE_BYTES and matched:
                        return matched, after, False  # this event starts the next page
                    matched.append(event)
                after, scanned = event.position, scanned + 1
                if len(matched) == limit:
                    return matched, after, len(chunk) < want and i == len(chunk) - 1
            if len(chunk) < want:  # the store had no more
                return matched, after, True
        return matched, after, False

    async def _searched(self, r: FilterEvents, done: bool) -> list[tuple[str, bool]]:
        if r.stream_names is not None:
            return [(name, done) for name in r.stream_names]
        streams = await self._store.list_streams(
            r.group, r.stream_prefix, False, False, None, EVENTS_LIMIT
        )
        return [(s.name, done) for s in streams]


def _fit(events: list[LogEvent], keep_last: bool) -> list[LogEvent]:
    """The events that fit in one response (1 MB, 26 bytes per event counted as in
    PutLogEvents): the newest of them when reading backward, else the oldest."""
    size, kept = 0, 0
    for event in reversed(events) if keep_last else events:
        size += len(event.message.encode()) + EVENT_OVERHEAD
        if size > MAX_RESPONSE_BYTES and kept:
            break
        kept += 1
    return events[len(events) - kept :] if keep_last else events[:kept]


def _check_tags(tags: Mapping[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise TooManyTagsException(MSG_TOO_MANY_TAGS)


def _check_batch(events: Sequence[NewEvent]) -> None:
    sizes = [len(e.message.encode()) + EVENT_OVERHEAD for e in events]
    largest = max(sizes, default=0)
    if largest > MAX_EVENT_BYTES:
        raise InvalidParameterException(
            MSG_EVENT_TOO_LARGE.format(size=largest, limit=MAX_EVENT_BYTES)
        )
    size = sum(sizes)
    if size > MAX_BATCH_BYTES:
        raise InvalidParameterException(MSG_TOO_LARGE.format(size=size, limit=MAX_BATCH_BYTES))
    for before, after in itertools.pairwise(events):
        if after.timestamp < before.timestamp:
            raise InvalidParameterException(MSG_NOT_CHRONOLOGICAL)
    if events and events[-1].timestamp - events[0].timestamp > MAX_SPAN_MS:
        raise InvalidParameterException(MSG_SPAN)


def _admit(
    events: Sequence[NewEvent], now: int, retention_days: int | None
) -> tuple[list[NewEvent], Rejected]:
    """Which events of a chronological batch are stored, and rejectedLogEventsInfo for
    the rest: too old (beyond 14 days) and expired (beyond the group's retention) are a
    prefix of the batch, too new (more than 2 hours ahead) a suffix."""
    too_old = sum(1 for e in events if e.timestamp < now - TOO_OLD_MS)
    expired = 0
    if retention_days is not None:
        expired = sum(1 for e in events if e.timestamp < now - retention_days * DAY_MS)
    too_new_at = next((i for i, e in enumerate(events) if e.timestamp > now + TOO_NEW_MS), None)
    start = max(too_old, expired)
    end = len(events) if too_new_at is None else too_new_at
    rejected = Rejected(
        too_new_start=too_new_at,
        too_old_end=too_old or None,
        expired_end=expired or None,
    )
    return list(events[start:end]) if start < end else [], rejected
