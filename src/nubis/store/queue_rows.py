"""The row of a queue message as both SQL stores keep it (`nubis.store.sqlite.queues`,
`nubis.store.postgres`): the columns in the order they are selected, attributes as JSON
text, and the `StoredMessage` a row stands for."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from nubis.model.queue import MessageAttribute, StoredMessage

COLUMNS = (
    "seq, message_id, body, attributes, system_attributes, md5_body, md5_attributes, "
    "md5_system, sent_at, receive_count, first_receive_at, token, group_id, dedup_id, "
    "dead_letter_source, visible_at"
)


def attrs_out(attrs: Mapping[str, MessageAttribute]) -> str | None:
    return json.dumps({k: v.to_json() for k, v in attrs.items()}) if attrs else None


def _attrs_in(text: str | None) -> dict[str, MessageAttribute]:
    if not text:
        return {}
    return {k: MessageAttribute.from_json(v) for k, v in json.loads(text).items()}


def message(row: Sequence[Any]) -> StoredMessage:
    return StoredMessage(
        seq=row[0],
        message_id=row[1],
        body=row[2],
        attributes=_attrs_in(row[3]),
        system_attributes=_attrs_in(row[4]),
        md5_body=row[5],
        md5_attributes=row[6],
        md5_system_attributes=row[7],
        sent_at=row[8],
        receive_count=row[9],
        first_receive_at=row[10],
        receipt=f"{row[0]}:{row[11]}",
        group_id=row[12],
        dedup_id=row[13],
        dead_letter_source=row[14],
    )
