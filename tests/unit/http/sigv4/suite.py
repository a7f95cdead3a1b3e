"""The AWS SigV4 test suite in `aws4_testsuite/`: each case read as bytes, the way a server
sees a request (see aws4_testsuite/README.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nubis.http.canonical import combine_headers

ROOT = Path(__file__).with_name("aws4_testsuite")
ACCESS_KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
SERVICE = "service"
AMZ_DATE = "20150830T123600Z"
NOW = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str  # latin-1 carrier of the bytes as sent
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path

    def text(self, ext: str) -> str:
        return (self.folder / f"{self.folder.name}.{ext}").read_bytes().decode("latin-1")

    def request(self, ext: str = "req") -> RawRequest:
        return parse_request((self.folder / f"{self.folder.name}.{ext}").read_bytes())


def cases() -> list[Case]:
    folders = sorted(p.parent for p in ROOT.rglob("*.req"))
    return [Case(str(folder.relative_to(ROOT)), folder) for folder in folders]


def parse_request(raw: bytes) -> RawRequest:
    """An HTTP/1.1 request as the suite writes it: the request target may hold spaces and
    raw UTF-8, header lines may be folded (continuation lines start with whitespace)."""
    text = raw.decode("latin-1")
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    method, _, rest = lines[0].partition(" ")
    target = rest.rpartition(" ")[0]
    path, _, query = target.partition("?")
    fields: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
        else:
            name, _, value = line.partition(":")
            fields.append((name, value.strip()))
    return RawRequest(method, path, query, combine_headers(fields), body.encode("latin-1"))
