"""The sandbox plan: what the host asks the inside of a new environment to do to itself.

One typed contract between the two sides. The host side (`linux.py`, `process.py`) builds
a `Plan`; the engine adds the zygote's own steps (`exec`, `snapshot_fd`); inside the forked
child the zygote (`nubis/runtimes/python/zygote.py`) and `confine.py` apply it. Both sides
`check()` a plan against these TypedDicts, the one list of what may be in it:

- an unknown key is refused (`PlanError`): a side that cannot apply a step must not run the
  environment less confined than the host asked for (a newer host, an older zygote);
- a missing key of a record is refused too (a bind without its mode, mounts without a root):
  guessing a default inside would again confine less than asked.

The plan travels as JSON (the zygote reads it from a socket), so records are objects and
sequences are lists. Standard library only, no Nubis imports, and nothing newer than
Python 3.8 at run time: the zygote of every installed interpreter loads this file by path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from typing import TypeAlias

    # A call's name (refused, EPERM), or [name, [[arg, op, a, b], ...]]: refused when every
    # comparison holds (seccomp_policy.py).
    SeccompEntry: TypeAlias = "str | list[Any]"


class Bind(TypedDict):
    source: str  # the host's path
    target: str  # where it appears inside
    mode: Literal["ro", "rw", "dev"]  # "dev": a device node, writable


class Link(TypedDict):
    target: str  # what the link points to, e.g. "usr/bin"
    path: str  # the link inside, e.g. "/bin"


class Rlimit(TypedDict):
    name: str  # a `resource` constant's name, e.g. "RLIMIT_NOFILE"
    soft: int
    hard: int


class _MountsRoot(TypedDict):
    root: str  # an empty host directory where the environment's root is built


class Mounts(_MountsRoot, total=False):
    """The environment's root. With `base`, a tmpfs is mounted on `root` with `links`,
    /dev links and a fresh /proc; `binds` are added (in either stage of a blank); with
    `pivot`, it is pivot_root'ed into and made read-only, and the host's tree detached."""

    base: bool
    links: list[Link]
    binds: list[Bind]
    pivot: bool


class Cgroup(TypedDict):
    procs: list[str]  # cgroup.procs files the child writes itself into, first of all


class Network(TypedDict):
    fd: int  # setns() into the network namespace passed as fds[i]


class Seccomp(TypedDict):
    """A filter refusing `deny` (and namespace-creating clones); compiling it costs ≈ 1 ms,
    so a stage ahead of time (a blank, a SnapStart copy while the host adopts it) can
    compile it (`load` false) and a later stage with the same list loads it."""

    deny: list[SeccompEntry]
    load: bool  # load it in this stage (last of its steps), not only compile it


class PortablePlan(TypedDict, total=False):
    """The steps every zygote applies, with or without `confine.py` (any OS)."""

    rlimits: list[Rlimit]
    cwd: str  # the working directory as seen inside
    env: dict[str, str]  # variables as seen inside, over the engine's
    exec: list[str]  # the zygote execs this after confinement (another runtime)
    snapshot_fd: int  # SnapStart: fds[i] is the socket a snapshot serves restores on


class Plan(PortablePlan, total=False):
    """Linux confinement (`confine.apply`, in this order; see its docstring for why).

    A plan may come in two stages (a *blank*, forked ahead of time): the first (cgroup,
    network, namespaces, the common part of the root) right after the fork, the second
    (the function's binds, limits, privileges) when the blank is claimed."""

    pidns: bool  # the zygote forks the child into a new PID namespace (its pid 1)
    cgroup: Cgroup  # first: memory is charged from the first page
    network: Network
    namespaces: bool  # new mount, IPC and UTS namespaces (mounts made private)
    hostname: str  # the UTS namespace's host name
    mounts: Mounts
    uid: int  # dropped to (no supplementary groups) at the very end, after every
    gid: int  # capability left the bounding set and no_new_privs is set
    seccomp: Seccomp  # the filter, loaded last (or compiled ahead for a later stage)
    drop_caps: bool  # empty every capability set (the root of a user namespace of its own)
    # SnapStart restores (`confine.detach` in the fork, `confine.settle` in its child)
    userns: list[int]  # detach: [uid, gid] mapped 1:1 into a new user namespace
    proc: bool  # settle: a /proc of the new PID namespace
    tmp_tree_fd: int  # settle: fds[i] is a detached mount (open_tree) moved onto /tmp


class PlanError(ValueError):
    """A plan this side cannot apply as it is: never confine less than the host asked."""


class _Shape:
    __slots__ = ("keys", "nested", "required")

    def __init__(self, schema: Any) -> None:
        annotations: dict[str, Any] = dict(schema.__annotations__)
        self.keys = frozenset(annotations)
        total = frozenset(annotations) if schema.__total__ else frozenset()
        self.required: frozenset[str] = getattr(schema, "__required_keys__", total)
        # key -> (TypedDict of its value, a list of them?), read from the annotation text
        # (annotations stay strings: nothing here evaluates `list[...]` on Python 3.8).
        self.nested: dict[str, tuple[Any, bool]] = {}
        for key, annotation in annotations.items():
            text = getattr(annotation, "__forward_arg__", annotation)
            match = re.fullmatch(r"(list\[)?(\w+)\]?", str(text))
            inner = globals().get(match.group(2)) if match else None
            if isinstance(inner, type) and issubclass(inner, dict):
                self.nested[key] = (inner, bool(match and match.group(1)))


_SHAPES: dict[Any, _Shape] = {}


def _shape(schema: Any) -> _Shape:
    shape = _SHAPES.get(schema)
    if shape is None:
        shape = _SHAPES[schema] = _Shape(schema)
    return shape


def keys_of(schema: Any) -> frozenset[str]:
    """The keys a plan (or record) of `schema` may have."""
    return _shape(schema).keys


KEYS = keys_of(Plan)
PORTABLE_KEYS = keys_of(PortablePlan)


def check(plan: Mapping[str, Any], schema: Any = Plan) -> None:
    """Raise PlanError unless `plan` has only keys of `schema` (and its records only
    theirs, with every required one). Cheap (µs): done where a plan is built and again
    where it is applied."""
    if not _valid(plan, _shape(schema)):  # the fast path; then the why, for the message
        _explain(plan, schema, "sandbox plan")


def _valid(value: Any, shape: _Shape) -> bool:
    if not isinstance(value, dict):
        return False
    if not shape.keys.issuperset(value) or not shape.required.issubset(value):
        return False
    for key, (inner, many) in shape.nested.items():
        if key not in value:
            continue
        inner_shape = _shape(inner)
        items = value[key] if many else [value[key]]
        if not isinstance(items, list) or not all(_valid(i, inner_shape) for i in items):
            return False
    return True


def _explain(value: Any, schema: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise PlanError(f"{where} is not an object: {value!r}")
    shape = _shape(schema)
    unknown = value.keys() - shape.keys
    if unknown:
        raise PlanError(f"{where} has steps this side cannot apply: {sorted(unknown)}")
    missing = shape.required - value.keys()
    if missing:
        raise PlanError(f"{where} lacks {sorted(missing)}")
    for key, (inner, many) in shape.nested.items():
        if key not in value:
            continue
        if not many:
            _explain(value[key], inner, f"{where}: {key}")
        elif not isinstance(value[key], list):
            raise PlanError(f"{where}: {key} is not a list")
        else:
            for i, item in enumerate(value[key]):
                _explain(item, inner, f"{where}: {key}[{i}]")
