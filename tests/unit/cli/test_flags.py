"""`nubis serve`'s flags, derived from the settings tree: names, variables, units,
precedence and errors, through the real `nubis` parser."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nubis.cli import flags
from nubis.cli.main import _parser
from nubis.model.settings import MB, ServerSettings

DOCS = Path(__file__).parents[3] / "docs" / "cli.md"

# The serve flags as main.py wrote them by hand before they were derived from the tree:
# flag, variable, default as its help printed it. None may be lost or renamed.
OLD_FLAGS = [
    ("--host", "NUBIS_HOST", "127.0.0.1"),
    ("--port", "NUBIS_PORT", "9000"),
    ("--data-dir", "NUBIS_DATA_DIR", "./data"),
    ("--region", "NUBIS_REGION", "us-east-1"),
    ("--account-id", "NUBIS_ACCOUNT_ID", "000000000000"),
    ("--idle-timeout", "NUBIS_IDLE_TIMEOUT", "300"),
    ("--max-environments", "NUBIS_MAX_ENVIRONMENTS", "256"),
    ("--log-rate-mb", "NUBIS_LOG_RATE_MB", "2"),
    ("--log-burst-mb", "NUBIS_LOG_BURST_MB", "8"),
    ("--log-group-max-mb", "NUBIS_LOG_GROUP_MAX_MB", "256"),
    ("--log-total-max-mb", "NUBIS_LOG_TOTAL_MAX_MB", "2048"),
    ("--log-retention-days", "NUBIS_LOG_RETENTION_DAYS", "30"),
    ("--blank-environments", "NUBIS_BLANK_ENVIRONMENTS", "6"),
    ("--account-concurrency", "NUBIS_ACCOUNT_CONCURRENCY", "1000"),
    ("--async-retry-delays", "NUBIS_ASYNC_RETRY_DELAYS", "60,120"),
    ("--async-concurrency", "NUBIS_ASYNC_CONCURRENCY", "64"),
    ("--drain-timeout", "NUBIS_DRAIN_TIMEOUT", "30"),
    ("--http-header-timeout", "NUBIS_HTTP_HEADER_TIMEOUT", "10"),
    ("--http-body-timeout", "NUBIS_HTTP_BODY_TIMEOUT", "30"),
    ("--http-idle-timeout", "NUBIS_HTTP_IDLE_TIMEOUT", "60"),
    ("--log-level", "NUBIS_LOG_LEVEL", "INFO"),
    ("--isolation", "NUBIS_ISOLATION", "auto"),
    ("--auth", "NUBIS_AUTH", "auto"),
]

# Per flag: a value as text, where it lands in the tree, and what it becomes there (in
# the field's units: MB flags set bytes).
SAMPLES = [
    ("--host", "0.0.0.0", "host", "0.0.0.0"),
    ("--port", "9100", "port", 9100),
    ("--data-dir", "/srv/nubis-data", "data_dir", Path("/srv/nubis-data")),
    ("--region", "eu-west-1", "region", "eu-west-1"),
    ("--account-id", "123456789012", "account_id", "123456789012"),
    ("--idle-timeout", "2.5", "engine.idle_timeout_s", 2.5),
    ("--max-environments", "8", "engine.max_environments", 8),
    ("--log-rate-mb", "1.5", "engine.logs.rate_bytes_s", 1572864),
    ("--log-burst-mb", "0.5", "engine.logs.burst_bytes", 524288),
    ("--log-group-max-mb", "3", "engine.logs.group_max_bytes", 3 * MB),
    ("--log-total-max-mb", "4", "engine.logs.total_max_bytes", 4 * MB),
    ("--log-retention-days", "0.5", "engine.logs.retention_days", 0.5),
    ("--blank-environments", "0", "engine.blank_environments", 0),
    ("--account-concurrency", "50", "account_concurrency", 50),
    ("--async-retry-delays", "1,2", "async_.retry_delays_s", (1.0, 2.0)),
    ("--async-concurrency", "3", "async_.concurrency", 3),
    ("--drain-timeout", "1", "drain_timeout_s", 1.0),
    ("--http-header-timeout", "1.5", "http.header_timeout_s", 1.5),
    ("--http-body-timeout", "2", "http.body_timeout_s", 2.0),
    ("--http-idle-timeout", "3", "http.idle_timeout_s", 3.0),
    ("--log-level", "DEBUG", "log_level", "DEBUG"),
    ("--isolation", "off", "engine.isolation", "off"),
    ("--auth", "iam", "auth", "iam"),
]


def serve_parser() -> argparse.ArgumentParser:
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve: argparse.ArgumentParser = sub.choices["serve"]
    return serve


def build(*argv: str, **environ: str) -> ServerSettings:
    return flags.settings_from(_parser().parse_args(["serve", *argv]), environ)


def at(settings: Any, path: str) -> Any:
    for name in path.split("."):
        settings = getattr(settings, name)
    return settings


def test_the_old_flag_set_is_exactly_preserved() -> None:
    actions = {
        a.option_strings[0]: a
        for a in serve_parser()._actions
        if not isinstance(a, argparse._HelpAction)
    }
    assert sorted(actions) == sorted(name for name, _, _ in OLD_FLAGS)
    for name, variable, default in OLD_FLAGS:
        assert f"({variable}; default {default})" in str(actions[name].help), name


def test_every_flag_of_the_tree_has_a_sample_here() -> None:
    assert sorted(f.flag.name for f in flags.fields()) == sorted(name for name, *_ in SAMPLES)


@pytest.mark.parametrize(("name", "text", "path", "value"), SAMPLES)
def test_a_flag_lands_in_its_field_in_its_units(
    name: str, text: str, path: str, value: Any
) -> None:
    settings = build(name, text)
    assert at(settings, path) == value
    assert type(at(settings, path)) is type(value)
    # Nothing else moved.
    defaults = build()
    changed = [
        f.flag.name
        for f in flags.fields()
        if at(settings, ".".join(f.path)) != at(defaults, ".".join(f.path))
    ]
    assert changed == [name]


@pytest.mark.parametrize(("name", "text", "path", "value"), SAMPLES)
def test_its_variable_sets_it_too(name: str, text: str, path: str, value: Any) -> None:
    variable = next(v for n, v, _ in OLD_FLAGS if n == name)
    assert at(build(**{variable: text}), path) == value


def test_a_flag_wins_over_its_variable_and_the_variable_over_the_default() -> None:
    assert build("--port", "9200", NUBIS_PORT="9300").port == 9200
    assert build(NUBIS_PORT="9300").port == 9300
    assert build().port == ServerSettings().port
    assert build("--log-rate-mb", "1", NUBIS_LOG_RATE_MB="3").engine.logs.rate_bytes_s == MB


def test_without_flags_or_variables_the_tree_is_the_defaults() -> None:
    defaults = ServerSettings()
    expected = dataclasses.replace(defaults, data_dir=defaults.data_dir.resolve())
    assert build(NUBIS_UNRELATED="1") == expected
    assert build().data_dir.is_absolute()


def test_retry_delays_set_the_throttle_backoff_they_imply() -> None:
    assert build().async_.backoff_base_s == 1.0
    assert build("--async-retry-delays", "1,2").async_.backoff_base_s == 1.0
    assert build("--async-retry-delays", "0.5, 3").async_ == dataclasses.replace(
        ServerSettings().async_, retry_delays_s=(0.5, 3.0), backoff_base_s=0.5
    )
    assert build("--async-retry-delays", "0").async_.backoff_base_s == 0.1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "x"], "argument --port: invalid int value: 'x'"),
        (["--port", "9.5"], "argument --port: invalid int value: '9.5'"),
        (["--idle-timeout", "soon"], "argument --idle-timeout: invalid float value: 'soon'"),
        (["--log-rate-mb", "lots"], "argument --log-rate-mb: invalid float value: 'lots'"),
        (
            ["--isolation", "maybe"],
            "argument --isolation: invalid choice: 'maybe' (choose from 'auto', 'on', 'off')",
        ),
        (
            ["--async-retry-delays", "a,1"],
            "argument --async-retry-delays: comma-separated seconds, e.g. 60,120",
        ),
        (
            ["--async-retry-delays", "1,-2"],
            "argument --async-retry-delays: comma-separated seconds, e.g. 60,120",
        ),
        (
            ["--async-retry-delays", ","],
            "argument --async-retry-delays: comma-separated seconds, e.g. 60,120",
        ),
    ],
)
def test_a_bad_flag_is_argparse_s_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        _parser().parse_args(["serve", *argv])
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"nubis serve: error: {message}"


@pytest.mark.parametrize(
    ("variable", "text", "message"),
    [
        ("NUBIS_PORT", "x", "NUBIS_PORT: invalid int value: 'x'"),
        ("NUBIS_LOG_BURST_MB", "", "NUBIS_LOG_BURST_MB: invalid float value: ''"),
        (
            "NUBIS_ISOLATION",
            "yes",
            "NUBIS_ISOLATION: invalid choice: 'yes' (choose from 'auto', 'on', 'off')",
        ),
        (
            "NUBIS_ASYNC_RETRY_DELAYS",
            "-1",
            "NUBIS_ASYNC_RETRY_DELAYS: comma-separated seconds, e.g. 60,120",
        ),
    ],
)
def test_a_bad_variable_names_itself(variable: str, text: str, message: str) -> None:
    with pytest.raises(flags.FlagError) as error:
        build(**{variable: text})
    assert str(error.value) == message
    # Given as a flag too, the variable is not read at all.
    name = next(n for n, v, _ in OLD_FLAGS if v == variable)
    sample = next(t for n, t, *_ in SAMPLES if n == name)
    build(name, sample, **{variable: text})


def test_nubis_serve_stops_on_a_bad_variable_with_status_2(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "nubis.cli.main", "serve", "--data-dir", str(tmp_path / "d")],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("NUBIS_")},
            "NUBIS_ASYNC_CONCURRENCY": "many",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr == "nubis serve: error: NUBIS_ASYNC_CONCURRENCY: invalid int value: 'many'\n"
    assert not (tmp_path / "d").exists()  # nothing was started


def test_help_prints_each_default_from_the_tree() -> None:
    tree = dataclasses.replace(ServerSettings(), port=1234)
    parser = argparse.ArgumentParser()
    flags.add_arguments(parser, tree)
    port = next(a for a in parser._actions if "--port" in a.option_strings)
    assert port.help == "port of the Lambda and SQS APIs (NUBIS_PORT; default 1234)"
    assert flags.settings_from(parser.parse_args([]), {}, tree).port == 1234


def test_the_tree_names_each_flag_once() -> None:
    names = [f.flag.name for f in flags.fields()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"--[a-z][a-z0-9-]*", n) for n in names)


def test_docs_list_every_flag_as_the_tree_has_it() -> None:
    text = DOCS.read_text()
    table = text.split("<!-- serve flags: generated from the settings tree -->\n")[1]
    rows = table.split("<!-- end of serve flags -->")[0].splitlines()[2:]
    expected = [
        f"| `{f.flag.name}` | `{f.flag.env}` | {flags.shown(f)} | {f.flag.help} |"
        for f in flags.fields()
    ]
    assert rows == expected, "docs/cli.md's table, as the tree has it:\n" + "\n".join(expected)


@pytest.mark.parametrize(
    ("argv", "mode"),
    [
        ((), "open"),
        (("--host", "localhost"), "open"),
        (("--host", "::1"), "open"),
        (("--host", "127.0.0.2"), "open"),
        (("--host", "0.0.0.0"), "iam"),
        (("--host", "10.1.2.3"), "iam"),
        (("--host", "nubis.example"), "iam"),
        (("--host", "0.0.0.0", "--auth", "open"), "open"),
        (("--auth", "iam"), "iam"),
    ],
)
def test_the_auth_mode_follows_the_address_unless_given(argv: tuple[str, ...], mode: str) -> None:
    assert build(*argv).auth_mode == mode
