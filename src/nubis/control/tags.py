"""Tags on functions (TagResource, UntagResource, ListTags): the resource is a function
ARN; versions and aliases share their function's tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nubis.control.functions import FunctionService
from nubis.model import limits
from nubis.model.arn import parse_function_ref
from nubis.model.errors import InvalidParameterValueException, ResourceNotFoundException
from nubis.model.function import FunctionConfig


class TagService:
    def __init__(self, functions: FunctionService) -> None:
        self._functions = functions

    async def _function(self, resource: str) -> FunctionConfig:
        ref = parse_function_ref(resource)
        if ref is None or not resource.startswith("arn:"):
            raise InvalidParameterValueException(f"Invalid resource ARN: {resource}")
        if ref.qualifier is not None:
            raise InvalidParameterValueException(
                "Tagging operations are permitted on Lambda functions only. Tags on aliases "
                "and versions are not supported. Please specify either a function name or a "
                "function ARN."
            )
        if ref.account != self._functions.account.account_id:
            raise ResourceNotFoundException(f"Function not found: {resource}")
        try:
            return await self._functions.latest(ref.name)
        except ResourceNotFoundException:  # Lambda names the resource as it was given
            raise ResourceNotFoundException(f"Function not found: {resource}") from None

    async def list(self, resource: str) -> dict[str, str]:
        return dict((await self._function(resource)).tags)

    async def tag(self, resource: str, tags: Mapping[str, str]) -> None:
        if not tags:  # Lambda's words for TagResource without tags
            raise InvalidParameterValueException(
                "An error occurred and the request cannot be processed."
            )
        config = await self._function(resource)
        merged = {**config.tags, **tags}
        if len(merged) > limits.TAGS_MAX:
            raise InvalidParameterValueException("Number of tags exceeds function tag limit.")
        await self._functions.set_tags(config, merged)

    async def untag(self, resource: str, keys: Sequence[str]) -> None:
        config = await self._function(resource)
        await self._functions.set_tags(
            config, {k: v for k, v in config.tags.items() if k not in keys}
        )
