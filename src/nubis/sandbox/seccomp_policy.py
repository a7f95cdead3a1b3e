"""The system calls refused inside environments (seccomp, through libseccomp).

The host side (`linux.py`) puts these names in each plan; `confine.py` compiles them.
"""

from __future__ import annotations

# Refused inside (EPERM) where libseccomp is installed: mounts, tracing other processes,
# kernel modules, BPF, the kernel keyring, namespaces, and other host-level operations.
SECCOMP_DENY = (
    "mount",
    "umount2",
    "pivot_root",
    "fsopen",
    "fsmount",
    "fsconfig",
    "move_mount",
    "open_tree",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "unshare",
    "setns",
    "kexec_load",
    "kexec_file_load",
    "open_by_handle_at",
    "swapon",
    "swapoff",
    "reboot",
)
# What an initialised SnapStart environment's copies need for `confine.detach` and
# `confine.settle`: allowed to the snapshot (which runs the function's init with them,
# as uid 993 with no capabilities: what any unprivileged Linux process may do), refused
# again in each copy before it runs anything.
RESTORE_CALLS = ("mount", "move_mount", "unshare")
