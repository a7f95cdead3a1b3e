"""Canonicalisation against botocore over many generated requests: paths, query values and
header values drawn (from a fixed seed) from a mix of unreserved, reserved, space, percent,
and non-ASCII characters verify as botocore signed them, for S3 (paths signed as sent) and
Lambda (paths encoded twice)."""

from __future__ import annotations

import asyncio
import functools
import random
from typing import Any

import pytest

from nubis.http.secrets import KeyRecord, MemorySecrets
from nubis.http.sigv4 import Verifier

from .signed_by_botocore import ACCESS_KEY, NOW, SECRET, Wire, client, signed

ALPHABET = "aZ09-._~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}é€😀\t"
HEADER_ALPHABET = "aZ09-._~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}   \t"


def _text(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, n)))


def _cases(seed: int, count: int = 20) -> list[str]:
    rng = random.Random(seed)
    return [_text(rng, ALPHABET, 24) for _ in range(count)]


@functools.cache
def _client(service: str) -> Any:
    return client(service)


def _verify(wire: Wire) -> None:
    verifier = Verifier(MemorySecrets([KeyRecord(ACCESS_KEY, SECRET)]))
    asyncio.run(verifier.verify(wire.method, wire.path, wire.query, wire.headers, wire.body, NOW))


@pytest.mark.parametrize("key", _cases(1), ids=range(20))
def test_s3_keys_and_query_values(key: str) -> None:
    s3 = _client("s3")
    _verify(signed(s3, "get_object", Bucket="bucket", Key=key))
    _verify(signed(s3, "list_objects_v2", Bucket="bucket", Prefix=key, StartAfter=key[::-1]))


@pytest.mark.parametrize("name", _cases(2), ids=range(20))
def test_lambda_path_labels_and_query_values(name: str) -> None:
    lam = _client("lambda")
    _verify(signed(lam, "get_function", FunctionName=name))
    _verify(signed(lam, "list_functions", Marker=name))


@pytest.mark.parametrize("seed", range(10))
def test_s3_metadata_header_values(seed: int) -> None:
    rng = random.Random(seed)
    value = _text(rng, HEADER_ALPHABET, 40)
    s3 = _client("s3")
    _verify(signed(s3, "put_object", Bucket="b", Key="k", Body=b"x", Metadata={"m": value}))
