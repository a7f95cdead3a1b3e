"""Typed requests: the API builds them from wire params keeping "absent" apart from
"given empty", and control's update rules change only what a request gives."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from nubis.api.services.lambda_ import requests
from nubis.model.errors import InvalidParameterValueException
from nubis.model.requests import DestinationInput, UpdateAliasRequest, UpdateConfigurationRequest
from tests.unit.control.helpers import World


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_update_configuration_keeps_absent_apart_from_empty() -> None:
    absent = requests.update_configuration({"FunctionName": "f"})
    assert (absent.environment, absent.layers, absent.dead_letter_arn) == (None, None, None)
    assert (absent.snap_start, absent.description) == (None, None)
    empty = requests.update_configuration(
        {
            "FunctionName": "f",
            "Environment": {},
            "Layers": [],
            "DeadLetterConfig": {},
            "SnapStart": {},
            "Description": "",
        }
    )
    assert (empty.environment, empty.layers, empty.dead_letter_arn) == ({}, (), "")
    assert (empty.snap_start, empty.description) == ("None", "")


def test_code_names_the_ways_nubis_refuses() -> None:
    create = requests.create_function(
        {"FunctionName": "f", "Role": "r", "Code": {"S3Bucket": "b", "S3Key": "k"}}
    )
    assert (create.code.zip_file, create.code.other) == (None, ("S3Bucket", "S3Key"))
    update = requests.update_code({"FunctionName": "f", "ImageUri": "i", "DryRun": True})
    assert (update.code.other, update.dry_run, update.publish) == (("ImageUri",), True, False)


def test_alias_and_event_config_requests() -> None:
    update = requests.update_alias({"FunctionName": "f", "Name": "a"})
    assert update == UpdateAliasRequest("f", "a")
    cleared = requests.update_alias({"FunctionName": "f", "Name": "a", "RoutingConfig": {}})
    assert cleared.routing == {}
    config = requests.event_invoke_config(
        {"FunctionName": "f", "DestinationConfig": {"OnFailure": {}}}
    )
    assert (config.on_success, config.on_failure) == (None, DestinationInput(None))


def test_update_configuration_changes_only_what_is_given() -> None:
    async def go() -> None:
        world = World()
        try:
            f = world.functions
            await world.create()
            await f.update_configuration(
                UpdateConfigurationRequest("f", environment={"A": "1"}, description="d")
            )
            kept = await f.update_configuration(UpdateConfigurationRequest("f", timeout=9))
            assert (dict(kept.environment), kept.description, kept.timeout) == ({"A": "1"}, "d", 9)
            cleared = await f.update_configuration(
                UpdateConfigurationRequest("f", environment={}, description="")
            )
            assert (dict(cleared.environment), cleared.description) == ({}, "")
            with pytest.raises(InvalidParameterValueException, match="invalid"):
                await f.update_configuration(
                    UpdateConfigurationRequest("f", dead_letter_arn="arn:aws:sns:x")
                )
            with_dlq = await f.update_configuration(
                UpdateConfigurationRequest("f", dead_letter_arn="arn:aws:sqs:us-east-1:1:q")
            )
            assert with_dlq.dead_letter_arn == "arn:aws:sqs:us-east-1:1:q"
            removed = await f.update_configuration(
                UpdateConfigurationRequest("f", dead_letter_arn="")
            )
            assert removed.dead_letter_arn is None
        finally:
            world.close()

    run(go())
