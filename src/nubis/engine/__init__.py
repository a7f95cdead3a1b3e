"""Execution environments: pools per function version, cold and warm starts, the Runtime
API server, zygotes. The boundary is `nubis.engine.base.Engine` (with `fake.FakeEngine`
beside it); `local.LocalEngine` is the implementation for one host.

    base.py           the Engine Protocol and its contract
    fake.py           FakeEngine: the contract in memory, no processes (for control's tests)
    local.py          LocalEngine: routing, cold starts, cap, retire, idle reaping, close
    host.py           what provisioned.py and snapstart_launch.py may ask of LocalEngine
    admission.py      how many invocations may run (the Admission Protocol; local counters)
    provisioned.py    provisioned concurrency: environments initialised ahead of time
    snapstart_launch.py  SnapStart's snapshots and restores, in the engine's pool
    snapstart.py      SnapStart: the snapshot of a published version, its fork socket
    launch.py         Launcher: zygotes, blanks, Lambda's variables, precompilation
    options.py        LaunchOptions: how one environment is to be started
    pool.py           which environments exist and which are idle, per function and key
    environment.py    one environment: init, invoke, destroy; its records (the top layer)
    environment_start.py  its start: sandbox, Runtime API listener, fork or restore
    environment_core.py   its state and transitions, freezing while idle, its exit
    starting.py       the steps of a start that need nothing of the environment
    outcomes.py       how an unanswered invocation ends: timeouts, exits, their results
    state.py          an environment's states and the transitions between them
    stream.py         an environment's log pipe, limits and tail
    log_limit.py      lines cut at the event size limit, a token bucket per environment
    runtime_api.py    the Runtime API of one environment (its own listening socket)
    runtime_api_constants.py   every path, header, env var and error type of that API
    zygote.py         the engine's side of a runtime's zygote (fork requests, exits)
    blanks.py         environments forked and half-confined ahead of time for cold starts
    process.py        one environment's process, watched and killed through a pidfd
    runtimes.py       discovery of the runtimes this host can run, and how each starts
    logs.py           START/END/REPORT lines (rendered from records) and stream names
"""
