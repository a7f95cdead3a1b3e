"""Issue 11's rules in control, without a server: runtimes and architectures, what
PublishVersion publishes, LoggingConfig, the package limits."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from nubis.control import packages, runtimes
from nubis.control.config_values import logging_settings
from nubis.model.errors import InvalidParameterValueException, RequestEntityTooLargeException
from nubis.model.function import LoggingSettings
from nubis.model.requests import LoggingInput, UpdateConfigurationRequest
from tests.unit.control.helpers import World

HOST = {"python3.11", "python3.12"}


def test_an_unknown_runtime_is_refused_with_the_models_enum() -> None:
    with pytest.raises(InvalidParameterValueException) as exc:
        runtimes.check_runtime("cobol85", HOST)
    assert exc.value.message == (
        "Value cobol85 at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        f"value set: [{', '.join(runtimes.known_runtimes())}] or be a valid ARN"
    )


@pytest.mark.parametrize("runtime", sorted(runtimes.DEPRECATED))
def test_deprecated_runtimes_name_their_familys_newest(runtime: str) -> None:
    assert runtime in runtimes.known_runtimes()  # the table names runtimes of the model
    with pytest.raises(InvalidParameterValueException) as exc:
        runtimes.check_runtime(runtime, HOST | {runtime})  # deprecated even if installed
    replacement = runtimes._replacement(runtime)
    assert replacement not in runtimes.DEPRECATED or replacement == runtime
    assert exc.value.message == (
        f"The runtime parameter of {runtime} is no longer supported for creating or "
        "updating AWS Lambda functions. We recommend you use the new runtime "
        f"({replacement}) while creating or updating functions."
    )


def test_replacement_is_the_newest_plain_version() -> None:
    pythons = [r for r in runtimes.known_runtimes() if r.startswith("python3.")]
    newest = max(pythons, key=lambda r: int(r.split(".")[1]))
    assert runtimes._replacement("python3.8") == newest
    assert runtimes._replacement("nodejs16.x").endswith(".x")
    assert not runtimes._replacement("java8").endswith(("al2", "al2023"))


def test_a_runtime_the_host_lacks_is_its_own_refusal() -> None:
    runtimes.check_runtime("python3.12", HOST)
    with pytest.raises(InvalidParameterValueException) as exc:
        runtimes.check_runtime("python3.13", HOST)
    assert exc.value.message.startswith("The runtime parameter of python3.13 is not supported")


def test_architectures_are_the_hosts() -> None:
    host = runtimes.host_architecture()
    assert runtimes.check_architectures(()) == (host,)
    assert runtimes.check_architectures((host,)) == (host,)
    other = "arm64" if host == "x86_64" else "x86_64"
    with pytest.raises(InvalidParameterValueException, match=f"architecture {other}"):
        runtimes.check_architectures((other,))


def test_publish_follows_the_revision_of_latest() -> None:
    async def main() -> None:
        world = World()
        try:
            latest = await world.create()
            first = await world.functions.publish(latest)
            assert (await world.functions.publish(latest)).version == first.version
            changed = await world.functions.update_configuration(
                UpdateConfigurationRequest(function_name="f", description="new")
            )
            second = await world.functions.publish(changed)
            assert (first.version, second.version) == ("1", "2")
            assert second.source_revision == changed.revision_id
            await world.functions.set_tags(changed, {"k": "v"})  # not configuration
            assert (await world.functions.publish(changed)).version == "2"
        finally:
            world.close()

    asyncio.run(main())


def test_a_version_stored_without_its_source_revision_compares_content() -> None:
    async def main() -> None:
        world = World()
        try:
            latest = await world.create()
            legacy = replace(latest, source_revision=None, revision_id="old")
            await world.version_store.publish(legacy)
            # Same content, older record: nothing to publish.
            assert (await world.functions.publish(latest)).version == "1"
        finally:
            world.close()

    asyncio.run(main())


def test_logging_settings() -> None:
    text = LoggingSettings()
    as_json = logging_settings(text, LoggingInput(log_format="JSON", application_log_level="DEBUG"))
    assert as_json == LoggingSettings("JSON", "DEBUG", None, None)
    group = logging_settings(as_json, LoggingInput(log_group="/g"))
    assert group == LoggingSettings("JSON", "DEBUG", None, "/g")
    assert logging_settings(group, LoggingInput(log_format="Text")) == LoggingSettings(
        "Text", None, None, "/g"
    )
    assert logging_settings(group, None) is group


def test_unzipped_limit_is_exclusive() -> None:
    packages.check_unzipped_total(262_143_999)
    with pytest.raises(InvalidParameterValueException, match="smaller than 262144000 bytes"):
        packages.check_unzipped_total(262_144_000)


def test_zip_over_direct_upload_limit_is_413_naming_the_operation() -> None:
    data = b"\0" * (50 * 1024 * 1024 + 1)
    with pytest.raises(RequestEntityTooLargeException) as exc:
        packages.check_zip(data, "UpdateFunctionCode")
    assert exc.value.status == 413
    assert exc.value.message == (
        "Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation"
    )
