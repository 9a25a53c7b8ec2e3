"""The task of a training run, as a worker process of :mod:`ui.jobs` runs it (it imports rnn_core only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rnn_core as rc


def train(payload: tuple[Any, dict], report: Callable[[dict], None], should_stop: Callable[[], bool]):
    """:func:`rnn_core.train` of ``payload`` = (initial params, the other keyword arguments), reporting
    each step's record; it stops (stop_reason "callback") once nobody waits for it."""
    params, options = payload

    def on_step(step: int, record: dict) -> bool:
        report(record)
        return not should_stop()

    return rc.train(params, **options, callback=on_step)
