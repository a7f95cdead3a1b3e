"""Execution environments: pools per function version, cold and warm starts, the Runtime
API server, zygotes. The boundary is `nubis.engine.base.Engine`; `local.LocalEngine` is
the implementation for one host.

    local.py          LocalEngine: routing, cold starts, cap, retire, idle reaping, close
    pool.py           which environments exist and which are idle, per function and key
    environment.py    one environment: launch, init, invoke, logs, destroy
    runtime_api.py    the Runtime API of one environment (its own listening socket)
    runtime_api_constants.py   every path, header, env var and error type of that API
    zygote.py         the engine's side of a runtime's zygote (fork requests, exits)
    blanks.py         environments forked and half-confined ahead of time for cold starts
    snapstart.py      SnapStart: initialised spare environments of published versions
    process.py        one environment's process, watched and killed through a pidfd
    runtimes.py       discovery of the runtimes this host can run, and how each starts
    logs.py           START/END/REPORT lines and stream names in Lambda's format
"""
