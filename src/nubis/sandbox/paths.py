"""Where an environment finds its files, as seen from inside it: one place for those paths.

The Linux sandbox builds each environment a root of its own with Lambda's layout (the
code read-only at /var/task, layers at /opt, the runtime under /var/runtime, a disk at
/tmp): `ISOLATED`. The unisolated fallback runs plain processes that see the host's tree,
so each path is where the file is on the host: `PLAIN`. A sandbox says which layout its
environments have (`Sandbox.layout`), chosen once when the sandbox is made; callers ask
the layout for a path instead of branching on `isolated` at each use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """In-sandbox paths. A root of None means "where it is on the host" (nothing is
    mounted for it). Frozen and hashable: shared by every environment of a sandbox."""

    task_root: str | None  # the function's code (LAMBDA_TASK_ROOT, the cwd)
    opt_root: str | None  # its merged layers
    runtime_root: str | None  # Lambda's runtime dir: our runtimes and the SDK are bound in
    # The Runtime API's listener, (host, port) in the environment's own network namespace;
    # None: a free port on the host's loopback, chosen by the engine's Runtime API server.
    runtime_api: tuple[str, int] | None
    tmp: str = "/tmp"  # the environment's scratch disk
    hosts: str = "/etc/hosts"  # names the environment resolves (nubis-host)

    def task(self, code_dir: Path) -> str:
        """Where the function's code (on the host at `code_dir`) is seen."""
        return str(code_dir) if self.task_root is None else self.task_root

    def opt(self, opt_dir: Path) -> str:
        """Where the merged layers (on the host at `opt_dir`) are seen."""
        return str(opt_dir) if self.opt_root is None else self.opt_root

    def runtime(self, host_dir: Path, name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Where a runtime's directory (on the host at `host_dir`) is seen, and the
        read-only binds, (host path, path inside), that put it there."""
        if self.runtime_root is None:
            return str(host_dir), ()
        inside = f"{self.runtime_root}/{name}"
        return inside, ((str(host_dir), inside),)


ISOLATED = Layout(
    task_root="/var/task",
    opt_root="/opt",
    runtime_root="/var/runtime",
    runtime_api=("127.0.0.1", 9001),
)
PLAIN = Layout(task_root=None, opt_root=None, runtime_root=None, runtime_api=None)
