"""The system calls refused inside environments (seccomp, through libseccomp).

The host side (`linux.py`) puts these entries in each plan; `confine.py` compiles them.
An entry is a call's name (refused, EPERM) or `[name, [[arg, op, a, b], ...]]`: refused
only when every comparison holds (libseccomp's `scmp_arg_cmp`), and only where the plain
name is not refused anyway. docs/isolation.md#seccomp says why each is here.

Environments run as uid 993 without capabilities, so most of these fail already; the
filter removes the kernel code behind them from reach (the bugs an exploit needs are in
code that runs before the permission check, or in checks that are wrong).
"""

from __future__ import annotations

from typing import Any

# seccomp comparison operators (enum scmp_compare)
NE, EQ, MASKED_EQ = 1, 4, 7
CLONE_NEWUSER_NS_NET_PID_IPC_UTS = 0x10000000 | 0x00020000 | 0x40000000 | 0x20000000
CLONE_NEWUSER_NS_NET_PID_IPC_UTS |= 0x08000000 | 0x04000000
MS_NOSUID_NODEV_NOEXEC = 0x2 | 0x4 | 0x8  # the /proc of a restored copy
MS_REC_PRIVATE = 0x4000 | 0x40000  # its mount namespace made private
MOVE_MOUNT_F_EMPTY_PATH = 0x4  # its /tmp, sent by the host as a detached mount
ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, READ_IMPLIES_EXEC = 0x0040000, 0x0100000, 0x0400000

_HOST = (
    # mounts and the root
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    # other processes: tracing, memory, file descriptors, comparing kernel objects
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "kcmp",
    # the kernel itself: modules, BPF, keyring, kexec, swap, reboot, accounting, quotas
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "query_module",
    "get_kernel_syms",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "quotactl",
    "quotactl_fd",
    "syslog",
    "lookup_dcookie",
    "nfsservctl",
    "sysfs",
    "_sysctl",
    "ustat",
    "uselib",
    "iopl",
    "ioperm",
    "vm86",
    "vm86old",
    # namespaces
    "unshare",
    "setns",
    # files by handle (a handle can name any file of a filesystem, outside the root)
    "open_by_handle_at",
    "name_to_handle_at",
    "fanotify_init",
    # the clock is the host's, not namespaced
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "stime",
    # kernel interfaces with a history of privilege escalations and no use in a function:
    # io_uring (its operations also bypass this filter), perf events, userfaultfd (turns
    # kernel races into reliable exploits), NUMA placement of other processes' memory
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "perf_event_open",
    "userfaultfd",
    "mbind",
    "set_mempolicy",
    "set_mempolicy_home_node",
    "get_mempolicy",
    "migrate_pages",
    "move_pages",
)

# personality(): only its query (0xffffffff) is allowed; setting one could switch off
# address-space randomisation or make data executable. (Docker also allows a few
# uname-compatibility values; libseccomp cannot compare one argument twice in a rule.)
_PERSONALITY: list[Any] = [["personality", [[0, NE, 0xFFFFFFFF, 0]]]]

# What an initialised SnapStart environment's copies need for `confine.detach` and
# `confine.settle`: allowed to the snapshot (which runs the function's init with them,
# as uid 993 with no capabilities), but only with exactly the arguments the copies use;
# refused altogether again in each copy before it runs anything.
RESTORE_CALLS = ("mount", "move_mount", "unshare")
_RESTORE_RULES: list[Any] = [
    # unshare: only the one set of namespaces a copy makes, all at once
    ["unshare", [[0, NE, CLONE_NEWUSER_NS_NET_PID_IPC_UTS, 0]]],
    # mount: no flag beyond those settle uses (MS_REC|MS_PRIVATE, MS_NOSUID|MS_NODEV|
    # MS_NOEXEC: no bind, move, remount, shared or slave), never with options (so no
    # overlay, no fuse); the file system type is a pointer, out of a filter's reach
    # (docs/isolation.md#snapstart says what that leaves)
    *(
        ["mount", [[3, MASKED_EQ, 1 << bit, 1 << bit]]]
        for bit in range(32)
        if not (MS_REC_PRIVATE | MS_NOSUID_NODEV_NOEXEC) & (1 << bit)
    ),
    ["mount", [[4, NE, 0, 0]]],
    # move_mount: only a detached mount by its fd (open_tree and fsmount stay refused)
    ["move_mount", [[4, NE, MOVE_MOUNT_F_EMPTY_PATH, 0]]],
]

SECCOMP_DENY: tuple[Any, ...] = (*_HOST, *_PERSONALITY, *_RESTORE_RULES)
