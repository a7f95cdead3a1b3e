"""`nubis serve`'s flags, derived from the settings tree (`nubis.model.settings`).

`add_arguments` walks the tree and adds one argparse flag per field that carries a
`Flag`; `settings_from` builds the frozen tree from the parsed flags and the
environment: a flag wins over its `NUBIS_*` variable, the variable over the field's
default. Defaults are never written here: they are read from the tree (printed in
`--help` in the flag's units) and a field not given keeps its default.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nubis.model.settings import FLAG, Flag, ServerSettings


class FlagError(Exception):
    """A `NUBIS_*` variable whose text is no value of its setting (a bad flag is
    argparse's own error); the message names the variable."""


@dataclass(frozen=True)
class _Field:
    """One flag of the tree: where it is, what it reads, its default."""

    path: tuple[str, ...]  # attribute names from the root, e.g. ("engine", "logs", "rate_bytes_s")
    flag: Flag
    kind: type[Any]  # the field's type (int, float, str, Path, tuple)
    default: Any

    @property
    def dest(self) -> str:
        return self.flag.name.removeprefix("--").replace("-", "_")


def _walk(settings: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, list[_Field]]]:
    """Per settings object of the tree, depth first: its title and its flags."""
    hints = typing.get_type_hints(type(settings))
    own: list[_Field] = []
    nested: list[tuple[str, Any]] = []
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            nested.append((f.name, value))
        elif FLAG in f.metadata:
            kind = typing.get_origin(hints[f.name]) or hints[f.name]
            own.append(_Field((*path, f.name), f.metadata[FLAG], kind, value))
    doc = type(settings).__doc__ or type(settings).__name__
    yield doc.strip().splitlines()[0], own
    for name, value in nested:
        yield from _walk(value, (*path, name))


def fields(defaults: ServerSettings | None = None) -> list[_Field]:
    """Every flag of the tree, in the order `--help` lists them."""
    return [f for _, group in _walk(defaults or ServerSettings()) for f in group]


def _reader(f: _Field) -> Callable[[str], Any]:
    """Text → the field's value; argparse.ArgumentTypeError with argparse's wording."""
    base: Callable[[str], Any] = float if f.flag.scale != 1 else f.kind

    def read(text: str) -> Any:
        if f.flag.parse is not None:
            try:
                return f.flag.parse(text)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None
        try:
            value = base(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {base.__name__} value: {text!r}") from None
        if f.flag.choices and value not in f.flag.choices:
            choices = ", ".join(map(repr, f.flag.choices))
            raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {choices})")
        return f.kind(value * f.flag.scale) if f.flag.scale != 1 else value

    return read


def shown(f: _Field) -> str:
    """The default as the flag takes it: `2` for 2 MB in bytes, `60,120`, `./data`."""
    value = f.default
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" for v in value)
    if isinstance(value, Path) and not value.is_absolute():
        return f"./{value}"
    if isinstance(value, int) and f.flag.scale == 1:
        return str(value)
    if isinstance(value, int | float):
        return f"{value / f.flag.scale:g}"
    return str(value)


def add_arguments(parser: argparse.ArgumentParser, defaults: ServerSettings | None = None) -> None:
    """One flag per settings field with a `Flag`, grouped as the tree is. Each flag's
    default is None, so `settings_from` can tell a flag given from one left out."""
    for index, (title, group) in enumerate(_walk(defaults or ServerSettings())):
        target = parser if index == 0 else parser.add_argument_group(title)
        for f in group:
            target.add_argument(
                f.flag.name,
                dest=f.dest,
                type=_reader(f),
                metavar="{" + ",".join(f.flag.choices) + "}" if f.flag.choices else None,
                help=f"{f.flag.help} ({f.flag.env}; default {shown(f)})",
            )


def settings_from(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    defaults: ServerSettings | None = None,
) -> ServerSettings:
    """The tree from parsed flags, else `NUBIS_*` variables, else the defaults. Paths
    are made absolute (the log names the data dir the server really uses). Raises
    FlagError for a variable whose text is no value of its setting."""
    root = defaults or ServerSettings()
    changes: dict[tuple[str, ...], dict[str, Any]] = {}
    for f in fields(root):
        value = getattr(args, f.dest, None)
        if value is None and f.flag.env in environ:
            try:
                value = _reader(f)(environ[f.flag.env])
            except argparse.ArgumentTypeError as exc:
                raise FlagError(f"{f.flag.env}: {exc}") from None
        if value is None:
            value = f.default
        if isinstance(value, Path):
            value = value.resolve()
        own = changes.setdefault(f.path[:-1], {})
        own[f.path[-1]] = value
        if f.flag.derive is not None:
            own.update(f.flag.derive(value))
    return typing.cast(ServerSettings, _replace(root, (), changes))


def _replace(
    settings: Any, path: tuple[str, ...], changes: dict[tuple[str, ...], dict[str, Any]]
) -> Any:
    """`settings` with the changes at `path` and below applied (frozen: new objects)."""
    own = dict(changes.get(path, {}))
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            own[f.name] = _replace(value, (*path, f.name), changes)
    return dataclasses.replace(settings, **own)
