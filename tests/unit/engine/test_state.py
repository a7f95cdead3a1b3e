"""Environment states: only the table's transitions, each by its own method; STOPPING
and DEAD end everything."""

from __future__ import annotations

import pytest

from nubis.engine.state import ALLOWED, EnvState, IllegalTransition


def test_held_states_are_the_ones_nobody_may_reap() -> None:
    held = {s for s in EnvState if s.held}
    assert held == {EnvState.STARTING, EnvState.INITIALISING, EnvState.BUSY}
    assert {s for s in EnvState if s.stopped} == {EnvState.STOPPING, EnvState.DEAD}


def test_the_transition_table() -> None:
    assert set(ALLOWED[EnvState.INITIALISING]) == {EnvState.STARTING}
    assert set(ALLOWED[EnvState.FROZEN]) == {EnvState.IDLE}
    # A cold start whose init failed reports that as its invocation: INITIALISING -> BUSY.
    assert set(ALLOWED[EnvState.BUSY]) == {
        EnvState.IDLE,
        EnvState.FROZEN,
        EnvState.INITIALISING,
    }
    assert set(ALLOWED[EnvState.DEAD]) == {EnvState.STOPPING}
    assert ALLOWED[EnvState.STARTING] == ()  # nothing returns to the start
    for state in EnvState:
        assert state.sources == ALLOWED[state]
        if not state.stopped:
            assert state in ALLOWED[EnvState.STOPPING]


def test_illegal_transition_names_both_states() -> None:
    err = IllegalTransition("abc", EnvState.FROZEN, EnvState.INITIALISING)
    assert "frozen -> initialising" in str(err)
    with pytest.raises(RuntimeError):
        raise err
