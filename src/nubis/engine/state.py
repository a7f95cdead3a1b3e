"""The states of one environment and the only transitions between them.

    STARTING ──process forked──▶ INITIALISING ──init done──▶ IDLE ◀──thaw── FROZEN
                                      │                    claim│ ▲release  ▲
                                      └────claim (failed init)─▶ BUSY       │
                                                             IDLE ──freeze──┘
    any ──destroy──▶ STOPPING ──▶ DEAD

`Environment` alone moves between them (through its `_move`, in
`nubis.engine.environment_core`); a transition from a state the table does not allow raises
`IllegalTransition`, which is a bug in the engine, never something a function can cause.
A transition asked of a STOPPING or DEAD environment is a no-op instead: destruction may
overtake any step (the engine's close, a retire, the process's death), and each step
already checks for it.

Whether an environment *may serve again* is not a state: `discarded` (timed out,
crashed, init failed) and `retiring` (its version went) are fates that the engine acts on
when the environment is next released.
"""

from __future__ import annotations

import enum


class EnvState(enum.Enum):
    STARTING = "starting"  # in the pool, sandbox and fork under way
    INITIALISING = "initialising"  # process running its init (or a restore's hooks)
    IDLE = "idle"  # ready for an invocation, running
    FROZEN = "frozen"  # ready, paused by the sandbox (cgroup freezer) while idle
    BUSY = "busy"  # serving one invocation
    STOPPING = "stopping"  # destroy() under way
    DEAD = "dead"  # destroyed: process, listener, pipe and sandbox released

    # Set on each member below, as plain attributes: the warm path asks them twice per
    # invocation, and an enum's hash (a frozenset lookup) costs ten times a tuple's `in`.
    held: bool  # a starter or an invocation holds it: not reapable, not evictable, and
    # its death is handled by the holder, not by the engine at once
    stopped: bool  # STOPPING or DEAD
    sources: tuple[EnvState, ...]  # the states this one may be reached from


_HELD = (EnvState.STARTING, EnvState.INITIALISING, EnvState.BUSY)
_STOPPED = (EnvState.STOPPING, EnvState.DEAD)

# to-state -> the states it may be reached from (STOPPING/DEAD: see the module docstring)
ALLOWED: dict[EnvState, tuple[EnvState, ...]] = {
    EnvState.STARTING: (),
    EnvState.INITIALISING: (EnvState.STARTING,),
    EnvState.IDLE: (EnvState.INITIALISING, EnvState.BUSY, EnvState.FROZEN),
    EnvState.FROZEN: (EnvState.IDLE,),
    EnvState.BUSY: (EnvState.IDLE, EnvState.FROZEN, EnvState.INITIALISING),
    EnvState.STOPPING: tuple(s for s in EnvState if s not in _STOPPED),
    EnvState.DEAD: (EnvState.STOPPING,),
}

for _state in EnvState:
    _state.held = _state in _HELD
    _state.stopped = _state in _STOPPED
    _state.sources = ALLOWED[_state]


class IllegalTransition(RuntimeError):
    def __init__(self, env_id: str, old: EnvState, new: EnvState) -> None:
        super().__init__(f"environment {env_id}: {old.value} -> {new.value} is not allowed")
        self.old, self.new = old, new
