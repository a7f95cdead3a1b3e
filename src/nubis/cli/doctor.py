"""`nubis doctor`: which protections environments get on this host, and why not."""

from __future__ import annotations

from nubis.sandbox import detect


def run_doctor() -> int:
    checks = detect.probe()
    width = max(len(c.name) for c in checks)
    for check in checks:
        mark = "ok " if check.ok else ("NO " if check.required else "-- ")
        print(f"{mark} {check.name:<{width}}  {check.detail}")
    missing = [c for c in checks if c.required and not c.ok]
    if missing:
        print(
            "\nEnvironments will NOT be isolated: they run as plain processes of the "
            "server's user (rlimits only). Run as root on Linux with cgroups for isolation."
        )
        return 1
    print("\nEnvironments are isolated (namespaces, cgroup limits, private root and /tmp).")
    return 0
