"""CloudWatch Logs operations: wire parameters in, output members out. Translation only;
every rule is in `nubis.control.logs.service`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.control.logs.service import LogsService
from nubis.model.logs import (
    DescribeGroups,
    DescribeStreams,
    FilterEvents,
    GetEvents,
    LogEvent,
    LogGroup,
    LogStream,
    NewEvent,
    PutEvents,
    Rejected,
    StreamOrder,
)
from nubis.model.logs_errors import MSG_NAME_AND_ARN, MSG_NAME_OR_ARN, InvalidParameterException

Members = dict[str, Any]


def _group_name(svc: LogsService, p: Mapping[str, Any]) -> str:
    """logGroupName, or the group a logGroupIdentifier (name or ARN) names."""
    name, ident = p.get("logGroupName"), p.get("logGroupIdentifier")
    if name is not None and ident is not None:
        raise InvalidParameterException(MSG_NAME_AND_ARN)
    if ident is not None:
        return svc.group_of_arn(ident) if ident.startswith("arn:") else str(ident)
    if name is None:
        raise InvalidParameterException(MSG_NAME_OR_ARN)
    return str(name)


def _wire_group(svc: LogsService, g: LogGroup) -> Members:
    out: Members = {
        "logGroupName": g.name,
        "creationTime": g.created,
        "metricFilterCount": 0,
        "arn": svc.group_arn(g.name),
        "storedBytes": g.stored_bytes,
        "logGroupClass": "STANDARD",
        "logGroupArn": svc.tagging_arn(g.name),
    }
    if g.retention_days is not None:
        out["retentionInDays"] = g.retention_days
    return out


def _wire_stream(svc: LogsService, s: LogStream) -> Members:
    out: Members = {
        "logStreamName": s.name,
        "creationTime": s.created,
        "arn": svc.stream_arn(s.group, s.name),
        "storedBytes": 0,  # always 0 for streams since 2019 (the model says so)
    }
    if s.first_event is not None:
        out["firstEventTimestamp"] = s.first_event
        out["lastEventTimestamp"] = s.last_event
        out["lastIngestionTime"] = s.last_ingestion
    if s.sequence:
        out["uploadSequenceToken"] = svc.sequence_token(s)
    return out


def _wire_event(e: LogEvent) -> Members:
    return {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time}


def _wire_filtered(e: LogEvent) -> Members:
    return {"logStreamName": e.stream, **_wire_event(e), "eventId": e.event_id}


def _wire_rejected(r: Rejected) -> Members:
    out: Members = {}
    if r.too_new_start is not None:
        out["tooNewLogEventStartIndex"] = r.too_new_start
    if r.too_old_end is not None:
        out["tooOldLogEventEndIndex"] = r.too_old_end
    if r.expired_end is not None:
        out["expiredLogEventEndIndex"] = r.expired_end
    return out


def _page(key: str, items: list[Members], token: str | None) -> Members:
    out: Members = {key: items}
    if token is not None:
        out["nextToken"] = token
    return out


class LogsOperations:
    def __init__(self, logs: LogsService) -> None:
        self._l = logs
        self.handlers: dict[str, Handler] = {
            "CreateLogGroup": self.create_log_group,
            "DeleteLogGroup": self.delete_log_group,
            "DescribeLogGroups": self.describe_log_groups,
            "PutRetentionPolicy": self.put_retention_policy,
            "DeleteRetentionPolicy": self.delete_retention_policy,
            "TagLogGroup": self.tag_log_group,
            "UntagLogGroup": self.untag_log_group,
            "ListTagsLogGroup": self.list_tags_log_group,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
            "CreateLogStream": self.create_log_stream,
            "DeleteLogStream": self.delete_log_stream,
            "DescribeLogStreams": self.describe_log_streams,
            "PutLogEvents": self.put_log_events,
            "GetLogEvents": self.get_log_events,
            "FilterLogEvents": self.filter_log_events,
        }

    # ------------------------------------------------------------ groups
    async def create_log_group(self, request: OperationRequest) -> OperationResult:
        p = request.params
        await self._l.create_group(p["logGroupName"], p.get("tags") or {})
        return OperationResult({})

    async def delete_log_group(self, request: OperationRequest) -> OperationResult:
        await self._l.delete_group(request.params["logGroupName"])
        return OperationResult({})

    async def describe_log_groups(self, request: OperationRequest) -> OperationResult:
        p = request.params
        r = DescribeGroups(
            p.get("logGroupNamePrefix"), p.get("logGroupNamePattern"), p.get("limit"),
            p.get("nextToken"), p.get("logGroupIdentifiers"),
        )  # fmt: skip
        groups, token = await self._l.describe_groups(r)
        return OperationResult(_page("logGroups", [_wire_group(self._l, g) for g in groups], token))

    async def put_retention_policy(self, request: OperationRequest) -> OperationResult:
        p = request.params
        await self._l.put_retention(p["logGroupName"], p["retentionInDays"])
        return OperationResult({})

    async def delete_retention_policy(self, request: OperationRequest) -> OperationResult:
        await self._l.delete_retention(request.params["logGroupName"])
        return OperationResult({})

    async def tag_log_group(self, request: OperationRequest) -> OperationResult:
        await self._l.tag_group(request.params["logGroupName"], request.params["tags"])
        return OperationResult({})

    async def untag_log_group(self, request: OperationRequest) -> OperationResult:
        await self._l.untag_group(request.params["logGroupName"], request.params["tags"])
        return OperationResult({})

    async def list_tags_log_group(self, request: OperationRequest) -> OperationResult:
        group = await self._l.group(request.params["logGroupName"])
        return OperationResult({"tags": dict(group.tags)})

    async def tag_resource(self, request: OperationRequest) -> OperationResult:
        name = self._l.group_of_arn(request.params["resourceArn"])
        await self._l.tag_group(name, request.params["tags"])
        return OperationResult({})

    async def untag_resource(self, request: OperationRequest) -> OperationResult:
        name = self._l.group_of_arn(request.params["resourceArn"])
        await self._l.untag_group(name, request.params["tagKeys"])
        return OperationResult({})

    async def list_tags_for_resource(self, request: OperationRequest) -> OperationResult:
        group = await self._l.group(self._l.group_of_arn(request.params["resourceArn"]))
        return OperationResult({"tags": dict(group.tags)})

    # ------------------------------------------------------------ streams
    async def create_log_stream(self, request: OperationRequest) -> OperationResult:
        p = request.params
        await self._l.create_stream(p["logGroupName"], p["logStreamName"])
        return OperationResult({})

    async def delete_log_stream(self, request: OperationRequest) -> OperationResult:
        p = request.params
        await self._l.delete_stream(p["logGroupName"], p["logStreamName"])
        return OperationResult({})

    async def describe_log_streams(self, request: OperationRequest) -> OperationResult:
        p = request.params
        r = DescribeStreams(
            _group_name(self._l, p),
            p.get("logStreamNamePrefix"),
            StreamOrder(p.get("orderBy") or StreamOrder.NAME.value),
            bool(p.get("descending")),
            p.get("limit"),
            p.get("nextToken"),
        )
        streams, token = await self._l.describe_streams(r)
        wire = [_wire_stream(self._l, s) for s in streams]
        return OperationResult(_page("logStreams", wire, token))

    # ------------------------------------------------------------ events
    async def put_log_events(self, request: OperationRequest) -> OperationResult:
        p = request.params
        events = [NewEvent(e["timestamp"], e["message"]) for e in p["logEvents"]]
        result = await self._l.put_events(PutEvents(p["logGroupName"], p["logStreamName"], events))
        out: Members = {"nextSequenceToken": result.next_sequence_token}
        if result.rejected:
            out["rejectedLogEventsInfo"] = _wire_rejected(result.rejected)
        return OperationResult(out)

    async def get_log_events(self, request: OperationRequest) -> OperationResult:
        p = request.params
        r = GetEvents(
            _group_name(self._l, p), p["logStreamName"], p.get("startTime"), p.get("endTime"),
            p.get("nextToken"), p.get("limit"), bool(p.get("startFromHead")),
        )  # fmt: skip
        page = await self._l.get_events(r)
        return OperationResult(
            {
                "events": [_wire_event(e) for e in page.events],
                "nextForwardToken": page.forward_token,
                "nextBackwardToken": page.backward_token,
            }
        )

    async def filter_log_events(self, request: OperationRequest) -> OperationResult:
        p = request.params
        r = FilterEvents(
            _group_name(self._l, p), p.get("logStreamNames"), p.get("logStreamNamePrefix"),
            p.get("startTime"), p.get("endTime"), p.get("filterPattern") or "",
            p.get("nextToken"), p.get("limit"),
        )  # fmt: skip
        page = await self._l.filter_events(r)
        out = _page("events", [_wire_filtered(e) for e in page.events], page.next_token)
        out["searchedLogStreams"] = [
            {"logStreamName": name, "searchedCompletely": complete}
            for name, complete in page.searched_streams
        ]
        return OperationResult(out)
