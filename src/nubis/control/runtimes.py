"""Which runtime identifiers and architectures a function may name, and Lambda's words
when it may not.

Three different refusals, in the order Lambda applies them:

- not a runtime at all (not in the Lambda model's `Runtime` enum): Lambda's
  `InvalidParameterValueException` "Value x at 'runtime' failed to satisfy constraint: ...
  or be a valid ARN" (the gateway leaves this enum to us for that reason);
- a runtime Lambda has deprecated and no longer lets functions be created or updated with:
  Lambda's deprecation message, naming the runtime of the family to use instead;
- a runtime Lambda has but this host cannot run (no such interpreter installed): Nubis's
  own message, listing what the host has.
"""

from __future__ import annotations

import functools
import platform
import re

from botocore.loaders import Loader

from nubis.model.errors import InvalidParameterValueException

# Runtimes whose "block function create" and "block function update" dates in Lambda's
# deprecated-runtimes table (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
# have passed, by family; each family's replacement is its newest runtime in the model.
DEPRECATED = frozenset(
    {
        "python2.7",
        "python3.6",
        "python3.7",
        "python3.8",
        "nodejs",
        "nodejs4.3",
        "nodejs4.3-edge",
        "nodejs6.10",
        "nodejs8.10",
        "nodejs10.x",
        "nodejs12.x",
        "nodejs14.x",
        "nodejs16.x",
        "java8",
        "go1.x",
        "dotnetcore1.0",
        "dotnetcore2.0",
        "dotnetcore2.1",
        "dotnetcore3.1",
        "dotnet6",
        "ruby2.5",
        "ruby2.7",
    }
)

# platform.machine() -> Lambda's architecture name.
_HOST_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


@functools.cache
def known_runtimes() -> tuple[str, ...]:
    """The Lambda model's `Runtime` enum, in the model's order (Lambda's message lists it
    in that order)."""
    model = Loader().load_service_model("lambda", "service-2")
    return tuple(model["shapes"]["Runtime"]["enum"])


def _replacement(runtime: str) -> str:
    """The newest runtime of `runtime`'s family in the model (python3.8 -> python3.N,
    nodejs16.x -> nodejsNN.x); the family's plain versions only (no `.al2`, `-edge`)."""
    prefix = re.match(r"[a-z]+", runtime)
    if prefix is None:
        return runtime
    plain = re.compile(re.escape(prefix[0]) + r"(\d+(?:\.\d+)?)(?:\.x)?$")
    versions = {
        r: tuple(int(n) for n in m[1].split("."))
        for r in known_runtimes()
        if r not in DEPRECATED and (m := plain.match(r))
    }
    return max(versions, key=versions.__getitem__) if versions else runtime


def check_runtime(runtime: str, available: frozenset[str] | set[str]) -> None:
    """Raise Lambda's InvalidParameterValueException unless a function may use `runtime`
    on this host (`available`: what the engine can run)."""
    if runtime not in known_runtimes():
        raise InvalidParameterValueException(
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
            f"enum value set: [{', '.join(known_runtimes())}] or be a valid ARN"
        )
    if runtime in DEPRECATED:
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or "
            "updating AWS Lambda functions. We recommend you use the new runtime "
            f"({_replacement(runtime)}) while creating or updating functions."
        )
    if runtime not in available:
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is not supported on this host. "
            f"Supported runtimes: {', '.join(sorted(available))}."
        )


def host_architecture() -> str:
    machine = platform.machine().lower()
    return _HOST_ARCHITECTURES.get(machine, machine)


def check_architectures(architectures: tuple[str, ...]) -> tuple[str, ...]:
    """The function's architectures (default: the host's); one the host cannot run is
    refused rather than run on the host's own silently."""
    host = host_architecture()
    chosen = architectures or (host if host in ("x86_64", "arm64") else "x86_64",)
    for arch in chosen:
        if arch != host:
            raise InvalidParameterValueException(
                f"The architecture {arch} is not supported on this host: Nubis runs "
                f"functions on the host's own architecture ({host}). "
                f"Use Architectures=['{host}'] or leave it out."
            )
    return chosen
