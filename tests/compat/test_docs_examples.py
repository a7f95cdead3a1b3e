"""The docs' examples run as written, against a real server.

Convention: a fenced ```sh or ```python block right after a line `<!-- test -->` is
runnable. The marked blocks of one page run in order as one bash script (so `cd` and
`export` carry over; a python block runs as `python - <<'PY'`), in a scratch directory
that holds only a `.venv` link to the project's venv, as a user would run them from a
clone after `./scripts/serve`. The one liberty taken: `http://127.0.0.1:9000` becomes the
test server's address, and `nubis` finds it through NUBIS_ENDPOINT. No AWS variable or
config file of the machine leaks in: the examples set what they need. The README runs
first (the other pages use its `hello` function)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Server, running_server

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^<!-- test -->\n```(sh|python)\n(.*?)^```$", re.M | re.S)
PAGES = sorted((ROOT / "docs").glob("*.md"))


def script_of(page: Path) -> str:
    parts = []
    for lang, body in BLOCK.findall(page.read_text()):
        parts.append(body if lang == "sh" else f"python - <<'NUBIS_PY'\n{body}NUBIS_PY\n")
    return "".join(parts)


def run_page(page: Path, server: Server, scratch: Path) -> subprocess.CompletedProcess[str]:
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / ".venv").symlink_to(Path(sys.prefix))
    script = script_of(page).replace("http://127.0.0.1:9000", server.endpoint)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NUBIS_"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        NUBIS_ENDPOINT=server.endpoint,
        AWS_CONFIG_FILE=str(scratch / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(scratch / "no-aws-credentials"),
        TMPDIR=str(scratch.parent),  # the examples' mktemp -d land beside, not in /tmp
    )
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("docs") / "data") as srv:
        yield srv


@pytest.fixture(scope="module")
def quick_start(
    docs_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    scratch = tmp_path_factory.mktemp("readme") / "clone"
    done = run_page(ROOT / "README.md", docs_server, scratch)
    # The quick start leaves nothing where it started (the repository).
    assert sorted(p.name for p in scratch.iterdir()) == [".venv"], done.stdout + done.stderr
    return done


def test_readme_quick_start(quick_start: subprocess.CompletedProcess[str]) -> None:
    assert quick_start.returncode == 0, quick_start.stdout + quick_start.stderr
    out = quick_start.stdout
    assert '"hello": "nubis"' in out
    assert '"hello": "aws"' in out
    assert 'b\'{"hello": "boto3"' in out
    assert "python3.11" in out  # through AWS_ENDPOINT_URL_LAMBDA
    assert "REPORT RequestId" in quick_start.stderr


@pytest.mark.parametrize("page", [p for p in PAGES if script_of(p)], ids=lambda p: p.name)
def test_page_examples(
    page: Path,
    docs_server: Server,
    quick_start: subprocess.CompletedProcess[str],
    tmp_path: Path,
) -> None:
    assert quick_start.returncode == 0, "the README's quick start failed: see its test"
    done = run_page(page, docs_server, tmp_path / "clone")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_links_resolve_in_a_clone() -> None:
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (ROOT / target).exists(), target
