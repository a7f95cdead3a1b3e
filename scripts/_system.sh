# Sourced by the scripts and .ci/run: the Debian packages Nubis uses, installed when
# missing. `nubis_system serve` is what the server needs to isolate functions and give
# them a network; `nubis_system test` adds what the test suite drives. As root with
# apt-get: `apt-get update` + `apt-get install -y`, only when something is missing. As
# anyone else (or with NUBIS_NO_APT=1): print the command that would install them.
# The one list of system packages: keep it here.

# command to look for → Debian package that provides it
_NUBIS_SERVE_NEEDS=(
    "mkfs.ext4:e2fsprogs"  # each environment's /tmp is an ext4 image
    "mount:mount"          # ... mounted inside its namespace
)
# (The network's NAT and isolation rules are made through netlink: no `nft` needed.)
_NUBIS_TEST_NEEDS=(
    "ip:iproute2"          # the sandbox tests' network leak checks
    "curl:curl"            # a shell custom runtime in tests/compat/runtimes
    "node:nodejs"          # the Node.js runtime
    "pg_ctlcluster:postgresql"  # the PostgreSQL store's tests (.ci/run starts the server)
)

# Prints the packages whose command is missing, one per line.
_nubis_missing() {
    local pair
    for pair in "$@"; do
        local cmd="${pair%%:*}"
        # /usr/sbin is often not on a user's PATH: look there too.
        command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] ||
            echo "${pair#*:}"
    done
}

nubis_system() {
    local needs=("${_NUBIS_SERVE_NEEDS[@]}")
    [ "${1:-serve}" = test ] && needs+=("${_NUBIS_TEST_NEEDS[@]}")
    local missing
    mapfile -t missing < <(_nubis_missing "${needs[@]}")
    # Debian's python3 has no venv module without python3-venv.
    local venv
    venv="$(dirname "${BASH_SOURCE[0]}")/../.venv"
    if [ ! -x "$venv/bin/python" ] && ! python3 -c 'import ensurepip' 2>/dev/null; then
        missing+=(python3-venv)
    fi
    ((${#missing[@]})) || return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${NUBIS_NO_APT:-}" ]; then
        echo "nubis: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    else
        echo "nubis: missing ${missing[*]} (isolation and some tests need them);" \
            "install with: sudo apt-get install -y ${missing[*]}" >&2
    fi
}
