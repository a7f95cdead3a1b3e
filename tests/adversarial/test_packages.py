"""Hostile zip packages against a real server: CreateFunction, UpdateFunctionCode and
PublishLayerVersion refuse them with Lambda's 400 naming the entry, and nothing outside
the package is touched (a canary file's mode and content, a canary directory's listing).
Legitimate packages (executable files, nested directories, symlinks inside) still work."""

from __future__ import annotations

import io
import json
import os
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from nubis.model.errors import InvalidParameterValueException
from nubis.store import package_zip
from tests.helpers import ROLE, Server, lambda_client, make_zip, running_server

UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
HANDLER = "def handler(event, context):\n    return 'ok'\n"


@dataclass
class Canary:
    file: Path
    directory: Path

    def state(self) -> tuple[int, bytes, list[str]]:
        st = self.file.stat()
        return st.st_mode, self.file.read_bytes(), sorted(os.listdir(self.directory))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("packages") / "data") as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: Server) -> Any:
    return lambda_client(server.endpoint)


@pytest.fixture
def canary(tmp_path: Path) -> Canary:
    file = tmp_path / "canary.txt"
    file.write_bytes(b"untouched\n")
    file.chmod(0o600)
    directory = tmp_path / "canary-dir"
    directory.mkdir()
    return Canary(file, directory)


def _up(target: Path) -> str:
    """A relative name that climbs far enough to reach `target` from any directory."""
    return "../" * 40 + str(target).lstrip("/")


def _zip(*entries: tuple[str, bytes, int], handler: str = HANDLER) -> bytes:
    """A handler and entries (name, data, st_mode as a Unix zip tool records it)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": the point of one test
        zf.writestr("lambda_function.py", handler)
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            zf.writestr(info, data)
    return buf.getvalue()


FILE = stat.S_IFREG | 0o777
LINK = stat.S_IFLNK | 0o777


def _bad_crc() -> bytes:
    """A stored member whose bytes were changed after its CRC-32 was recorded."""
    data = _zip(("data.bin", b"A" * 4096, FILE))
    return data.replace(b"A" * 4096, b"B" * 4096)


def _sized(size: int) -> bytes:
    """A member whose headers claim `size` bytes; its data holds 4096 (the CRC is right)."""
    data = bytearray(_zip(("data.bin", b"A" * 4096, FILE)))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        struct.pack_into("<I", data, _header_of(data, sig, "data.bin") + offset, size)
    return bytes(data)


def _header_of(data: bytearray, sig: bytes, name: str) -> int:
    at = -1
    while True:
        at = data.index(sig, at + 1)
        name_at = at + (30 if sig == b"PK\x03\x04" else 46)
        if data[name_at : name_at + len(name)] == name.encode():
            return at


HOSTILE: dict[str, Callable[[Canary], tuple[bytes, str]]] = {
    "absolute": lambda c: (_zip((str(c.file), b"x", FILE)), str(c.file)),
    "dotdot": lambda c: (_zip((_up(c.file), b"x", FILE)), _up(c.file)),
    "link-absolute": lambda c: (
        _zip(("evil", str(c.directory).encode(), LINK), ("evil/planted", b"x", FILE)),
        "evil",
    ),
    "link-escapes": lambda c: (_zip(("evil", _up(c.directory).encode(), LINK)), "evil"),
    "link-chain-escapes": lambda c: (
        _zip(("a/up", b"..", LINK), ("b", b"a/up/..", LINK)),
        "b",
    ),
    "link-then-file": lambda c: (
        _zip(("sub/", b"", stat.S_IFDIR | 0o755), ("sub/l", b"..", LINK), ("sub/l/f", b"x", FILE)),
        "sub/l/f",
    ),
    "char-device": lambda c: (_zip(("dev", b"", stat.S_IFCHR | 0o666)), "dev"),
    "block-device": lambda c: (_zip(("blk", b"", stat.S_IFBLK | 0o666)), "blk"),
    "fifo": lambda c: (_zip(("pipe", b"", stat.S_IFIFO | 0o666)), "pipe"),
    "duplicate": lambda c: (_zip(("twice.py", b"a", FILE), ("twice.py", b"b", FILE)), "twice.py"),
    "duplicate-normalised": lambda c: (
        _zip(("d/twice.py", b"a", FILE), ("./d//twice.py", b"b", FILE)),
        "./d//twice.py",
    ),
    "file-dir-clash": lambda c: (_zip(("x", b"file", FILE), ("x/y", b"z", FILE)), "x/y"),
    "bad-crc": lambda c: (_bad_crc(), "data.bin"),
    "short-member": lambda c: (_sized(8192), "data.bin"),
    "long-member": lambda c: (_sized(1024), "data.bin"),
}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    r = exc.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def _assert_refused(exc: pytest.ExceptionInfo[ClientError], entry: str) -> None:
    code, message, status = _error(exc)
    assert (code, status) == ("InvalidParameterValueException", 400), message
    assert message.startswith(UNZIP)
    assert f"'{entry}'" in message


def _blob_files(server: Server) -> set[str]:
    return {p.name for p in (server.data_dir / "code").rglob("*")}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_create_function_refuses_hostile_zip(
    client: Any, server: Server, canary: Canary, kind: str
) -> None:
    data, entry = HOSTILE[kind](canary)
    before, blobs = canary.state(), _blob_files(server)
    with pytest.raises(ClientError) as exc:
        client.create_function(
            FunctionName=f"hostile-{kind}",
            Runtime="python3.11",
            Role=ROLE,
            Handler="lambda_function.handler",
            Code={"ZipFile": data},
        )
    _assert_refused(exc, entry)
    assert canary.state() == before
    assert _blob_files(server) == blobs  # refused before anything was written


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "link-escapes", "bad-crc", "fifo"])
def test_update_code_and_publish_layer_refuse_hostile_zip(
    client: Any, canary: Canary, kind: str
) -> None:
    data, entry = HOSTILE[kind](canary)
    before = canary.state()
    name = f"update-{kind}"
    client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.handler",
        Code={"ZipFile": make_zip({"lambda_function.py": HANDLER})},
    )
    try:
        with pytest.raises(ClientError) as exc:
            client.update_function_code(FunctionName=name, ZipFile=data)
        _assert_refused(exc, entry)
        with pytest.raises(ClientError) as exc:
            client.publish_layer_version(LayerName=f"layer-{kind}", Content={"ZipFile": data})
        _assert_refused(exc, entry)
        assert client.invoke(FunctionName=name)["Payload"].read() == b'"ok"'
    finally:
        client.delete_function(FunctionName=name)
    assert canary.state() == before


CHECKS = """
import os, stat
def handler(event, context):
    from pkg.deep.er import mod
    root = os.environ["LAMBDA_TASK_ROOT"]
    return {
        "who": mod.WHO,
        "bootstrap_x": os.access(os.path.join(root, "bootstrap"), os.X_OK),
        "alias": os.readlink(os.path.join(root, "alias")),
        "through_alias": open(os.path.join(root, "alias/er/mod.py")).read(),
        "up": open(os.path.join(root, "pkg/deep/up")).read(),
        "dotted": oct(stat.S_IMODE(os.stat(os.path.join(root, "dotted.txt")).st_mode)),
    }
"""


def _legit_zip() -> bytes:
    return _zip(
        ("bootstrap", b"#!/bin/sh\necho hi\n", stat.S_IFREG | 0o755),
        ("pkg/", b"", stat.S_IFDIR | 0o755),
        ("pkg/deep/er/mod.py", b"WHO = 'nested'\n", stat.S_IFREG | 0o644),
        ("pkg/deep/__init__.py", b"", stat.S_IFREG | 0o644),
        ("pkg/__init__.py", b"", stat.S_IFREG | 0o644),
        ("pkg/deep/er/__init__.py", b"", stat.S_IFREG | 0o644),
        ("alias", b"pkg/deep", LINK),
        ("pkg/deep/up", b"../../bootstrap", LINK),
        ("./dotted.txt", b"dot", stat.S_IFREG | 0o640),
        handler=CHECKS,
    )


def test_legitimate_packages_still_work(client: Any) -> None:
    data = _legit_zip()
    client.create_function(
        FunctionName="legit-package",
        Runtime="python3.11",
        Role=ROLE,
        Handler="lambda_function.handler",
        Code={"ZipFile": data},
    )
    try:
        out = json.loads(client.invoke(FunctionName="legit-package")["Payload"].read())
        assert out == {
            "who": "nested",
            "bootstrap_x": True,
            "alias": "pkg/deep",
            "through_alias": "WHO = 'nested'\n",
            "up": "#!/bin/sh\necho hi\n",
            "dotted": "0o644",
        }
        layer = client.publish_layer_version(LayerName="legit", Content={"ZipFile": data})
        assert layer["Version"] >= 1
    finally:
        client.delete_function(FunctionName="legit-package")


def test_layers_that_combine_into_an_escaping_link_are_refused(client: Any) -> None:
    """Each layer alone stays inside; merged in order, `x -> b/..` with `b -> .` would
    lead above /opt. The check after extraction resolves links on the merged tree."""
    first = client.publish_layer_version(
        LayerName="combine-a", Content={"ZipFile": _zip(("x", b"b/..", LINK))}
    )
    second = client.publish_layer_version(
        LayerName="combine-b", Content={"ZipFile": _zip(("b", b".", LINK))}
    )
    with pytest.raises(ClientError) as exc:
        client.create_function(
            FunctionName="combined-layers",
            Runtime="python3.11",
            Role=ROLE,
            Handler="lambda_function.handler",
            Code={"ZipFile": make_zip({"lambda_function.py": HANDLER})},
            Layers=[first["LayerVersionArn"], second["LayerVersionArn"]],
        )
    _assert_refused(exc, "x")


def _entry(name: str, kind: str, target: str | None = None) -> package_zip.Entry:
    info = zipfile.ZipInfo(name)
    return package_zip.Entry(info, tuple(name.split("/")), kind, 0o777, target)


def test_extraction_follows_no_link_even_unchecked(tmp_path: Path, canary: Canary) -> None:
    """Defence in depth: entries that skipped the checks (a link to the canary's directory,
    then a file through it; a file over a planted link) still cannot write outside."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "planted").symlink_to(canary.file)
    before = canary.state()
    data = _zip(("evil/inside", b"x", FILE), ("planted", b"over", FILE))
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            link = _entry("evil", package_zip.LINK, str(canary.directory))
            through = package_zip.Entry(
                zf.getinfo("evil/inside"), ("evil", "inside"), package_zip.FILE, 0o777
            )
            with pytest.raises(InvalidParameterValueException, match="'evil/inside'"):
                package_zip.extract(zf, [link, through], fd)
            over = package_zip.Entry(zf.getinfo("planted"), ("planted",), package_zip.FILE, 0o777)
            package_zip.extract(zf, [over], fd)  # replaces the link itself, not its target
    finally:
        os.close(fd)
    assert canary.state() == before
    assert not (root / "planted").is_symlink()
    assert (root / "planted").read_bytes() == b"over"
    assert stat.S_IMODE((root / "planted").stat().st_mode) == 0o777
    with pytest.raises(InvalidParameterValueException, match="'evil'"):
        package_zip.check_links_inside(root)
