"""`BlobStore`: packages addressed by their SHA-256, extracted once, layers merged in order."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from nubis.model.errors import InvalidParameterValueException
from tests.contract.store.conftest import Opened
from tests.contract.store.samples import package


def tree(root: Any) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_put_is_content_addressed_and_idempotent(blobs: Any) -> None:
    data = package({"a.py": b"A"})
    digest = await blobs.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert await blobs.put(data) == digest
    assert blobs.path(digest).read_bytes() == data
    other = await blobs.put(package({"a.py": b"B"}))
    assert other != digest
    assert blobs.path(digest).read_bytes() == data


@pytest.mark.parametrize(
    "data", [b"not a zip", package({"../escape.py": b"x"}), package({"/abs.py": b"x"})]
)
async def test_put_refuses_what_cannot_be_extracted_and_stores_nothing(
    blobs: Any, data: bytes
) -> None:
    with pytest.raises(InvalidParameterValueException):
        await blobs.put(data)
    assert not blobs.path(hashlib.sha256(data).hexdigest()).exists()


async def test_unpacked_once_into_the_same_directory(blobs: Any) -> None:
    digest = await blobs.put(package({"a.py": b"A", "pkg/b.py": b"B"}))
    first = await blobs.unpacked(digest)
    assert tree(first) == {"a.py": b"A", "pkg/b.py": b"B"}
    assert await blobs.unpacked(digest) == first


async def test_merged_in_order_later_files_replace_earlier(blobs: Any) -> None:
    one = await blobs.put(package({"python/x.py": b"1", "python/one.py": b"1"}))
    two = await blobs.put(package({"python/x.py": b"2"}))
    forward = await blobs.merged([one, two])
    assert tree(forward) == {"python/x.py": b"2", "python/one.py": b"1"}
    assert await blobs.merged([one, two]) == forward
    backward = await blobs.merged([two, one])  # keyed by the order too
    assert backward != forward
    assert tree(backward)["python/x.py"] == b"1"
    assert tree(await blobs.merged([])) == {}


async def test_packages_survive_reopen(durable: Opened) -> None:
    data = package({"a.py": b"A"})
    first = durable("blobs")
    digest = await first.put(data)
    unpacked = await first.unpacked(digest)
    first.close()
    again = durable("blobs")
    assert again.path(digest).read_bytes() == data
    assert await again.unpacked(digest) == unpacked
    assert tree(unpacked) == {"a.py": b"A"}
