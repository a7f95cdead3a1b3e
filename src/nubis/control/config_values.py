"""The values of a function's configuration that come with rules of their own:
`DeadLetterConfig`'s target, `LoggingConfig`, `SnapStart.ApplyOn`. Pure functions; they
raise Lambda's errors for values Lambda refuses."""

from __future__ import annotations

from nubis.model.errors import InvalidParameterValueException
from nubis.model.function import LoggingSettings
from nubis.model.requests import LoggingInput


def dead_letter(target_arn: str | None) -> str | None:
    """DeadLetterConfig's target: an SQS queue ARN, or None (an empty TargetArn removes it)."""
    target = target_arn or None
    if target is not None and not target.startswith("arn:aws:sqs:"):
        raise InvalidParameterValueException(
            f"The provided target ARN {target} is invalid: Nubis sends dead letters to SQS queues."
        )
    return target


def logging_settings(current: LoggingSettings, given: LoggingInput | None) -> LoggingSettings:
    """LoggingConfig: what is given replaces what is stored. Levels are JSON's: under
    Text Lambda keeps none (and reports none)."""
    if given is None:
        return current
    log_format = given.log_format or current.log_format
    app = given.application_log_level or current.application_log_level
    system = given.system_log_level or current.system_log_level
    if log_format == "Text":
        app = system = None
    return LoggingSettings(log_format, app, system, given.log_group or current.log_group)


def snap_start(apply_on: str | None) -> str:
    """SnapStart.ApplyOn; absent (or SnapStart without it) is "None"."""
    apply_on = apply_on or "None"
    if apply_on not in ("PublishedVersions", "None"):
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{apply_on}' at 'snapStart.applyOn' failed to "
            "satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]"
        )
    return apply_on
