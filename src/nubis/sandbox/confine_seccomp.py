"""The environment's seccomp filter: the plan's `seccomp`, compiled with libseccomp.

Standard library only and no Nubis imports; loaded by path by `confine.py` (as
`_nubis_confine_seccomp`, after `confine_sys.py`). The deny list (`seccomp_policy.py` on
the host side) is refused with EPERM, with the namespace-creating clone flags; clone3
answers ENOSYS (its flags are in memory, out of a filter's reach) so that libc falls back
to clone. Compiling takes ≈ 1 ms, so a program is kept per deny list in this process: a
stage ahead of time compiles it, the stage that loads it finds it compiled.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # imported as nubis.sandbox.confine_seccomp (tests, mypy)
    from nubis.sandbox import confine_sys as _sys
else:  # loaded by path by confine.py, which loaded confine_sys.py first
    _sys = sys.modules["_nubis_confine_sys"]


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_CMP_MASKED_EQ = 7
_NAMESPACE_FLAGS = (
    _sys.CLONE_NEWNS,
    _sys.CLONE_NEWUTS,
    _sys.CLONE_NEWIPC,
    _sys.CLONE_NEWPID,
    _sys.CLONE_NEWNET,
    _sys.CLONE_NEWCGROUP,
    _sys.CLONE_NEWUSER,
)

_compiled: dict[str, bytes] = {}  # deny list (as JSON) -> BPF program (in this process)


def _errno_action(err: int) -> int:
    return 0x00050000 | (err & 0xFFFF)  # SCMP_ACT_ERRNO(err)


def load(deny: list[Any]) -> None:
    """Refuse `deny` (and namespace-creating clones) for this process and its children.
    no_new_privs must be set already."""
    program = compile_filter(deny)
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    _sys.prctl(
        "seccomp filter", _sys.PR_SET_SECCOMP, _sys.SECCOMP_MODE_FILTER, ctypes.addressof(prog)
    )


def compile_filter(deny: list[Any]) -> bytes:
    key = json.dumps(deny)
    if key not in _compiled:
        _compiled[key] = _build(deny)
    return _compiled[key]


def _libseccomp() -> Any:
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def _build(deny: list[Any]) -> bytes:
    lib = _libseccomp()
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        _add_rules(lib, ctx, deny)
        return _export(lib, ctx)
    finally:
        lib.seccomp_release(ctx)


def _add_rules(lib: Any, ctx: int, deny: list[Any]) -> None:
    eperm = _errno_action(errno.EPERM)

    def rule(action: int, name: str, *cmps: _ArgCmp) -> None:
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:  # not a syscall of this architecture
            return
        array = (_ArgCmp * len(cmps))(*cmps) if cmps else None
        result = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), array)
        if result != 0:
            raise OSError(-result, f"seccomp rule for {name}: {os.strerror(-result)}")

    always = {entry for entry in deny if isinstance(entry, str)}
    for entry in deny:
        if isinstance(entry, str):
            rule(eperm, entry)
        elif entry[0] not in always:  # refused under these conditions only
            rule(eperm, entry[0], *(_ArgCmp(*cmp) for cmp in entry[1]))
    for flag in _NAMESPACE_FLAGS:
        rule(eperm, "clone", _ArgCmp(0, _SCMP_CMP_MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory, out of a filter's reach.
    rule(_errno_action(errno.ENOSYS), "clone3")


def _export(lib: Any, ctx: int) -> bytes:
    read_end, write_end = os.pipe()  # a program of a few hundred bytes: fits a pipe
    try:
        result = lib.seccomp_export_bpf(ctx, write_end)
        os.close(write_end)
        write_end = -1
        if result != 0:
            raise OSError(-result, f"seccomp_export_bpf: {os.strerror(-result)}")
        chunks: list[bytes] = []
        while True:
            chunk = os.read(read_end, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
