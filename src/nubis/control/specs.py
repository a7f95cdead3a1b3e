"""The per-process caches behind every invocation's lookup (`FunctionService.spec`).

An invoke of a warm function must not wait for the store (a thread hop for SQLite, a
round trip for PostgreSQL), so what it needs is cached here, in this process only:

- `latest`: per function name, the $LATEST configuration and the `FunctionSpec` built
  from it (its key names the revision id).
- `versions`: per (name, version), a published version's configuration and spec. A
  version's code and configuration never change; what can change is whether it exists
  (DeleteFunction with a qualifier, or of the function) and the function's reserved
  concurrency, which every spec carries.
- `aliases`: per (name, alias), the alias (its version and weights). The version of a
  weighted alias is drawn per invocation, from the cached alias.

Invalidation, in this process: every change control makes goes through
`FunctionService`/`AliasService`, which call `forget` (a function's entries: its
deletion, a version's deletion, its reserved concurrency) or `forget_alias` (an alias
created, updated or deleted) in the same step as the store write, before the operation
returns; `$LATEST` updates drop `latest` the same way. Each `forget` also moves the
function's generation on: a lookup that started before it (and awaited the store
meanwhile) does not put what it read into the cache (`put_*` take the generation read
at the lookup's start), so a slow reader cannot bring back a stale entry.

On many nodes (a shared PostgreSQL store, issue 13) a change made through another node
never reaches this process: these entries would serve stale code until restart. Such a
store must let a hit be checked before it is used: the function's `revision_id` for
`latest` (and a per-function generation that a version deletion or a reserved
concurrency change moves on, for `versions`), the alias's `revision_id` for `aliases`,
e.g. one indexed read per invoke or a change feed that calls `forget`/`forget_alias`.
"""

from __future__ import annotations

from nubis.model.function import FunctionConfig, FunctionSpec
from nubis.model.versions import Alias

Entry = tuple[FunctionConfig, FunctionSpec]


class SpecCache:
    """Plain dictionaries; used from the event loop's thread only."""

    def __init__(self) -> None:
        self.latest: dict[str, Entry] = {}
        self.versions: dict[tuple[str, str], Entry] = {}
        self.aliases: dict[tuple[str, str], Alias] = {}
        self._generations: dict[str, int] = {}

    def generation(self, name: str) -> int:
        """Read at the start of a lookup; passed back to `put_*`."""
        return self._generations.get(name, 0)

    def _current(self, name: str, generation: int) -> bool:
        return self._generations.get(name, 0) == generation

    def put_latest(self, entry: Entry, generation: int) -> None:
        if self._current(entry[0].name, generation):
            self.latest[entry[0].name] = entry

    def put_version(self, entry: Entry, generation: int) -> None:
        config = entry[0]
        if self._current(config.name, generation):
            self.versions[(config.name, config.version)] = entry

    def put_alias(self, alias: Alias, generation: int) -> None:
        if self._current(alias.function_name, generation):
            self.aliases[(alias.function_name, alias.name)] = alias

    def changed(self, name: str) -> None:
        """$LATEST of `name` changed (code, configuration or tags): its versions stay."""
        self._generations[name] = self.generation(name) + 1
        self.latest.pop(name, None)

    def forget(self, name: str) -> None:
        """Everything cached of the function."""
        self.changed(name)
        for key in [k for k in self.versions if k[0] == name]:
            del self.versions[key]
        for key in [k for k in self.aliases if k[0] == name]:
            del self.aliases[key]

    def forget_alias(self, name: str, alias: str) -> None:
        self._generations[name] = self.generation(name) + 1
        self.aliases.pop((name, alias), None)
