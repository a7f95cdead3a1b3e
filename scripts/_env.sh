# Sourced by the scripts: make sure .venv exists and holds the project at its current
# dependencies (re-installed whenever pyproject.toml changes). `source _env.sh` installs
# the runtime dependencies only (what `nubis serve` needs); `source _env.sh dev` also the
# development tools (pytest, mypy, ruff, awscli, ...). Each has its own stamp, so serving
# never waits for the development tools.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
pick_python() {
    for py in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$py" ] || continue
        if command -v "$py" >/dev/null 2>&1 &&
            "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$py"; return 0
        fi
    done
    echo "nubis needs Python 3.11 or newer" >&2; return 1
}
if [ ! -x "$VENV/bin/python" ]; then
    "$(pick_python)" -m venv "$VENV"
fi
_nubis_install() {  # $1: stamp file, $2: pip requirement
    if [ ! -f "$1" ] || [ "$ROOT/pyproject.toml" -nt "$1" ]; then
        echo "nubis: installing $2 into $VENV" >&2
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$2"
        touch "$1"
    fi
}
if [ "${1:-}" = dev ]; then
    _nubis_install "$VENV/.nubis-installed-dev" "$ROOT[dev]"
    # [dev] includes the runtime dependencies: their stamp is fresh too.
    [ "$VENV/.nubis-installed" -nt "$ROOT/pyproject.toml" ] || touch "$VENV/.nubis-installed"
else
    _nubis_install "$VENV/.nubis-installed" "$ROOT"
fi
