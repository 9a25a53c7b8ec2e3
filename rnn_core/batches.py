r"""Which batch each step of :func:`rnn_core.train` sees: a fixed Task, or a fresh draw per step.

Step n's batch is drawn from the generator seeded with SeedSequence(seed, spawn_key=(n,)): the
streams of different steps are independent, and a run is reproducible from ``seed`` alone, so
:func:`batch_at` can return the batch of any step without running the steps before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ._checks import choice, positive_int
from .tasks import TASKS, Task

DEFAULT_BATCH_SIZE = 32


def _generator(task, T, options: Mapping | None):
    """``task`` (a TASKS name or a generator) as a function (batch_size, rng) → Task."""
    if isinstance(task, str):
        choice("task", task, TASKS)
        generate = TASKS[task].generate
    elif callable(task):
        generate = task
    else:
        raise ValueError(
            f"task must be a name in {sorted(TASKS)}, a generator (T, batch_size, *, seed) -> Task, "
            f"or a Task; received {type(task).__name__}"
        )
    if T is None:
        raise ValueError("T must be given (an integer ≥ 1) when task is a name or a generator; received None")
    T = positive_int("T", T)
    if options is not None and not isinstance(options, Mapping):
        raise ValueError(f"task_options must be a mapping of keyword arguments; received {options!r}")
    options = dict(options or {})

    def draw(batch_size: int, rng: np.random.Generator) -> Task:
        batch = generate(T, batch_size, seed=rng, **options)
        if not isinstance(batch, Task):
            raise ValueError(f"task generator must return a Task; received {type(batch).__name__}")
        return batch

    return draw


def step_seed(seed: int, step: int) -> np.random.Generator:
    """The random generator of step ``step``'s batch: independent streams per step, reproducible by ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(step,)))


def batch_at(
    task,
    step: int,
    *,
    T: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    task_options: Mapping | None = None,
) -> Task:
    """The batch that :func:`rnn_core.train` uses at ``step`` (0-based) with the same arguments.

    ``task`` a name in :data:`rnn_core.TASKS` or a generator ``(T, batch_size, *, seed) -> Task``
    (with ``T``, ``batch_size`` (default 32), ``task_options`` its keyword arguments), or a fixed
    :class:`Task`, returned as is.
    """
    if isinstance(task, Task):
        return task
    step = positive_int("step", step, minimum=0)
    seed = positive_int("seed", seed, minimum=0)
    B = DEFAULT_BATCH_SIZE if batch_size is None else positive_int("batch_size", batch_size)
    return _generator(task, T, task_options)(B, step_seed(seed, step))


def step_batches(task, T, batch_size, seed: int, task_options) -> Callable[[int], Task]:
    """step → that step's batch, checked like :func:`batch_at`: the fixed Task every step, or a
    fresh draw from :func:`step_seed`."""
    if isinstance(task, Task):
        for name, given, actual in (("T", T, task.T), ("batch_size", batch_size, task.batch_size)):
            if given is not None and given != actual:
                raise ValueError(f"{name} must be None or {actual} (the fixed Task's); received {given!r}")
        return lambda step: task
    B = DEFAULT_BATCH_SIZE if batch_size is None else positive_int("batch_size", batch_size)
    generate = _generator(task, T, task_options)
    return lambda step: generate(B, step_seed(seed, step))
