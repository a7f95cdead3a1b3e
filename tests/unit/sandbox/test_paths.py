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
    assert ISOLATED.runtime_api == ("127.0.0.1", 9001)  # inside its own network namespace
    assert ISOLATED.runtime(NODE, "node") == (
        "/var/runtime/node",
        ((str(NODE), "/var/runtime/node"),),
    )


def test_the_plain_layout_is_the_hosts_tree() -> None:
    assert PLAIN.task(CODE) == str(CODE)
    assert PLAIN.opt(OPT) == str(OPT)
    assert PLAIN.tmp == "/tmp"
    assert PLAIN.runtime_api is None  # a free port of the host's, the engine's choice
    assert PLAIN.runtime(NODE, "node") == (str(NODE), ())  # nothing to mount


def test_each_sandbox_says_its_layout() -> None:
    assert ProcessSandbox().layout is PLAIN
    # A property of the class: no sandbox (root, cgroups) needed to know it.
    assert LinuxSandbox.layout.fget is not None
    assert LinuxSandbox.layout.fget(object.__new__(LinuxSandbox)) is ISOLATED


def test_runtimes_take_their_paths_from_the_layout(tmp_path: Path) -> None:
    from nubis.engine.runtimes import NODE_BOOTSTRAP, launch_for, python_sdk

    node = launch_for("nodejs20.x", "/opt/nvm/bin/node", tmp_path, None, ISOLATED)
    assert node.exec_argv == ["/opt/nvm/bin/node", "/var/runtime/node/bootstrap.js"]
    assert node.ro_binds == (
        (str(NODE_BOOTSTRAP.parent), "/var/runtime/node"),
        ("/opt/nvm", "/opt/nvm"),
    )
    plain = launch_for("nodejs20.x", "/opt/nvm/bin/node", tmp_path, None, PLAIN)
    assert plain.exec_argv == ["/opt/nvm/bin/node", str(NODE_BOOTSTRAP)]
    assert plain.ro_binds == ()
    assert launch_for("provided.al2023", "", tmp_path, tmp_path, ISOLATED).exec_argv == [
        "/opt/bootstrap"
    ]
    (tmp_path / "bootstrap").touch()
    assert launch_for("provided.al2023", "", tmp_path, None, PLAIN).exec_argv == [
        f"{tmp_path}/bootstrap"
    ]
    assert launch_for("provided.al2023", "", tmp_path, None, ISOLATED).exec_argv == [
        "/var/task/bootstrap"
    ]
    python = launch_for("python3.11", "", tmp_path, None, ISOLATED)
    assert python.env == {"PYTHONPATH": "/var/runtime"}
    assert all(inside.startswith("/var/runtime/") for _, inside in python.ro_binds)
    assert launch_for("python3.11", "", tmp_path, None, PLAIN) == type(python)()
    assert python_sdk(PLAIN) == ()
