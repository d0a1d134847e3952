"""A stop asked inside ``StopOnSignal.held()`` waits for the end of the block (web.stopping)."""

from __future__ import annotations

import signal

import pytest

from web.stopping import StopOnSignal


def _armed() -> StopOnSignal:
    stop = StopOnSignal()
    stop.armed = True  # as `kho worker` once its work begins (handlers not installed here)
    return stop


def test_a_stop_outside_a_held_block_interrupts_at_once():
    with pytest.raises(KeyboardInterrupt):
        _armed()._interrupt(signal.SIGTERM, None)


def test_a_stop_inside_a_held_block_is_raised_at_its_end():
    stop, steps = _armed(), []
    with pytest.raises(KeyboardInterrupt), stop.held():
        stop._interrupt(signal.SIGINT, None)
        steps.append("finished")
    assert steps == ["finished"] and stop.stopping and not stop.held_back
    stop._interrupt(signal.SIGINT, None)  # a second signal while stopping is ignored


def test_a_block_that_fails_after_a_stop_still_stops():
    stop = _armed()
    with pytest.raises(KeyboardInterrupt) as raised, stop.held():
        stop._interrupt(signal.SIGINT, None)
        raise RuntimeError("disk full")
    assert isinstance(raised.value.__context__, RuntimeError)


def test_a_held_block_without_a_stop_ends_normally():
    stop = _armed()
    with stop.held():
        pass
    assert not stop.stopping and not stop.holding
