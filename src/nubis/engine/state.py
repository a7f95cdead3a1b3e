"""The states of one environment and the only transitions between them.

    STARTING ──process forked──▶ INITIALISING ──init done──▶ IDLE ◀──thaw── FROZEN
                                      │                    claim│ ▲release  ▲
                                      └────claim (failed init)─▶ BUSY       │
                                                             IDLE ──freeze──┘
    any ──destroy──▶ STOPPING ──▶ DEAD

`Environment` alone moves between them (one method per transition, see
`nubis.engine.environment`); a transition from a state the table does not allow raises
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

    @property
    def held(self) -> bool:
        """Someone (a starter or an invocation) holds it: not reapable, not evictable,
        and its death is handled by the holder, not by the engine at once."""
        return self in _HELD

    @property
    def stopped(self) -> bool:
        return self in _STOPPED


_HELD = frozenset({EnvState.STARTING, EnvState.INITIALISING, EnvState.BUSY})
_STOPPED = frozenset({EnvState.STOPPING, EnvState.DEAD})

# to-state -> the states it may be reached from (STOPPING/DEAD: see the module docstring)
ALLOWED: dict[EnvState, frozenset[EnvState]] = {
    EnvState.INITIALISING: frozenset({EnvState.STARTING}),
    EnvState.IDLE: frozenset({EnvState.INITIALISING, EnvState.BUSY, EnvState.FROZEN}),
    EnvState.FROZEN: frozenset({EnvState.IDLE}),
    EnvState.BUSY: frozenset({EnvState.IDLE, EnvState.FROZEN, EnvState.INITIALISING}),
    EnvState.STOPPING: frozenset(EnvState) - _STOPPED,
    EnvState.DEAD: frozenset({EnvState.STOPPING}),
}


class IllegalTransition(RuntimeError):
    def __init__(self, env_id: str, old: EnvState, new: EnvState) -> None:
        super().__init__(f"environment {env_id}: {old.value} -> {new.value} is not allowed")
        self.old, self.new = old, new
