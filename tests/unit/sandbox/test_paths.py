"""In-sandbox paths come from the sandbox's layout, chosen once (isolated or plain)."""

from __future__ import annotations

from pathlib import Path

from nubis.sandbox.linux import LinuxSandbox
from nubis.sandbox.paths import ISOLATED, PLAIN
from nubis.sandbox.process import ProcessSandbox

CODE = Path("/srv/nubis/code/abc")
OPT = Path("/srv/nubis/layers/merged")
NODE = Path("/srv/nubis/runtimes/node")


def test_the_isolated_layout_is_lambdas() -> None:
    assert ISOLATED.task(CODE) == "/var/task"
    assert ISOLATED.opt(OPT) == "/opt"
    assert ISOLATED.tmp == "/tmp"
    assert ISOLATED.hosts == "/etc/hosts"
    assert ISOLATED.runtime(NODE, "node") == (
        "/var/runtime/node",
        ((str(NODE), "/var/runtime/node"),),
    )


def test_the_plain_layout_is_the_hosts_tree() -> None:
    assert PLAIN.task(CODE) == str(CODE)
    assert PLAIN.opt(OPT) == str(OPT)
    assert PLAIN.tmp == "/tmp"
    assert PLAIN.runtime(NODE, "node") == (str(NODE), ())  # nothing to mount


def test_each_sandbox_says_its_layout() -> None:
    assert ProcessSandbox().layout is PLAIN
    # A property of the class: no sandbox (root, cgroups) needed to know it.
    assert LinuxSandbox.layout.fget is not None
    assert LinuxSandbox.layout.fget(object.__new__(LinuxSandbox)) is ISOLATED
