"""The Bug lab's cached call: a bug's variant checked on the live network, on settings where it shows.

The lab starts from the sidebar's network as it is (its one sequence, full BPTT). When the bug
cannot show there (its gradient equals the correct one within the tolerance, computed, not
assumed), or the check cannot be trusted there (the correct BPTT itself misses finite
differences), it tries the settings of :func:`candidates` in turn and keeps the first on which the
check fails and the correct BPTT passes; the page says what was changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

import rnn_core as rc
from ui.bug_lab import bugs
from ui.cache import cache_data
from ui.data import live_network
from ui.state import DEFAULT, Network

CACHE = dict(max_entries=64, show_spinner=False)
SAFE_MIN = 4
MAX_TAU = 4  # the smallest H and T of the lab's fallback network
SECOND_SEQUENCE = 1  # the second sequence of a batch is the one the sidebar draws for seed + this


@dataclass(frozen=True)
class LabSetup:
    """What a check runs on: the network after ``steps`` gradient steps, B sequences, τ (None: full)."""

    net: Network
    steps: int
    B: int = 1
    tau: int | None = None


def default_tau(T: int) -> int:
    """The τ the lab sets for a truncation bug: short (the error one step beyond τ must still be
    large enough to see), and below T (so that something is cut)."""
    return max(1, min(T // 2, MAX_TAU))


def candidates(bug: bugs.Bug, net: Network, steps: int) -> list[LabSetup]:
    """The settings tried in turn: the sidebar's; then with what the bug needs (B = 2, a τ < T); then
    with tanh; then a small, well-conditioned network; then the sidebar's defaults."""

    def own(n: Network, s: int) -> LabSetup:
        B = 2 if bug.needs == "batch" else 1
        tau = default_tau(n.T) if bug.needs == "truncation" and n.T >= 2 else None
        return LabSetup(n, s, B, tau)

    safe = replace(
        net,
        activation="tanh",
        w_init="orthogonal",
        w_scale=1.0,
        H=max(net.H, SAFE_MIN),
        T=max(net.T, SAFE_MIN),
    )
    out = [
        LabSetup(net, steps),
        own(net, steps),
        own(replace(net, activation="tanh"), steps),
        own(safe, 0),
        own(DEFAULT, 0),
    ]
    return [c for i, c in enumerate(out) if c not in out[:i]]


def meets_needs(bug: bugs.Bug, setup: LabSetup) -> bool:
    """Whether ``setup`` has what ``bug`` needs to show at all (B = 2 sequences, a τ < T)."""
    if bug.needs == "batch":
        return setup.B > 1
    if bug.needs == "truncation":
        return setup.tau is not None and setup.tau < setup.net.T
    return True


def batch(setup: LabSetup) -> tuple[rc.RNNParams, rc.Trace]:
    """The parameters of the live network and the forward pass the check differentiates.

    B = 1: the live network's own trace. B = 2: its sequence and the one the sidebar would draw for
    seed + SECOND_SEQUENCE, side by side.
    """
    net = setup.net
    live = live_network(net, setup.steps)
    if setup.B == 1:
        return live.params, live.trace
    xs2, y2 = rc.random_sequence(net.T, net.D, net.K, loss=net.loss, seed=net.seed + SECOND_SEQUENCE)
    xs = np.concatenate([live.trace.xs, xs2], axis=1)  # (T, 2, D)
    targets = np.concatenate([live.trace.targets, y2], axis=1)
    return live.params, rc.forward(live.params, xs, targets, activation=net.activation, loss=net.loss)


@dataclass(frozen=True)
class LabResult:
    """A bug checked: the settings used, what differs from the sidebar's, and the check.

    ``changes``: (field, sidebar's value or None, lab's value) for each setting the lab changed;
    ``gap``: the bug's largest error against the correct BPTT on the sidebar's settings (within the
    tolerance: the bug is hidden there); ``live_control``: the correct BPTT's error against finite
    differences there (nan when not computed; above the tolerance: the check was not trusted there);
    ``found``: whether the check used fails and is trusted. ``sigma_max``: σ_max(W) of the W the check
    ran on (after its gradient steps), ``initial_sigma_max`` the one it was initialised to.
    """

    bug: str
    setup: LabSetup
    changes: tuple[tuple[str, object, object], ...]
    gap: float
    live_control: float
    check: bugs.GradientCheck
    found: bool
    steps_done: int
    sigma_max: float
    initial_sigma_max: float

    @property
    def hidden_on_live(self) -> bool:
        """The bug cannot show on the sidebar's settings (rather than: the check is not trusted there)."""
        return not self.gap > bugs.TOLERANCE


def changes_from(live: LabSetup, used: LabSetup) -> tuple:
    """(field, old, new) for every setting the lab changed (old None: a setting the sidebar lacks)."""
    out = []
    for field in ("activation", "H", "T", "w_init", "w_scale", "D", "K", "loss", "seed", "lr"):
        old, new = getattr(live.net, field), getattr(used.net, field)
        if old != new:
            out.append((field, old, new))
    if live.steps != used.steps:
        out.append(("steps", live.steps, used.steps))
    if live.B != used.B:
        out.append(("B", live.B, used.B))
    if used.tau is not None:
        out.append(("tau", None, used.tau))
    return tuple(out)


# What a check compares with depends on the setting alone, not on the bug: "New bug" on the same
# network reuses it.
@cache_data(**CACHE)
def reference(setup: LabSetup) -> tuple[rc.RNNParams, dict]:
    """bugs.reference_gradient on ``setup`` (its seeded sample of entries), with its masks."""
    params, trace = batch(setup)
    return bugs.reference_gradient(params, trace, tau=setup.tau, sample=True, seed=setup.net.seed)


@cache_data(**CACHE)
def probe_control(setup: LabSetup) -> float:
    """bugs.probe_control on ``setup``: whether finite differences can be trusted there."""
    return bugs.probe_control(*batch(setup))


@cache_data(offload=True, **CACHE)  # 10 ms to 1 s of numpy loops: a worker computes it (ui.offload)
def lab_check(net: Network, steps: int, key: str) -> LabResult:
    """The bug ``key`` checked on the first of :func:`candidates` where it shows."""
    bug = bugs.get_bug(key)
    tried = candidates(bug, net, steps)
    gap, live_control, last = None, float("nan"), None
    for setup in tried:
        params, trace = batch(setup)
        # both BPTTs run once per setting, for the bug's gap and for the check; each step's errors
        # too, unless the setting lacks what the bug needs (where the bug still shows, the check
        # runs them again with the step errors)
        swept = bugs.sweep(params, trace, tau=setup.tau, bug=key, steps=meets_needs(bug, setup))
        shown = bugs.shows(params, trace, key, tau=setup.tau, swept=swept)
        gap = shown if gap is None else gap
        if setup is not tried[-1] and not shown > bugs.TOLERANCE:
            continue  # hidden here
        if setup is not tried[-1] and setup.tau is None:
            probe = probe_control(setup)
            if not probe <= bugs.TOLERANCE:  # finite differences cannot be trusted here
                live_control = probe if setup is tried[0] else live_control
                continue
        check = bugs.gradient_check(
            params, trace, key, tau=setup.tau, seed=setup.net.seed, swept=swept, reference=reference(setup)
        )
        if setup is tried[0]:
            live_control = check.control
        last = (setup, check)
        if check.verdict.fails and check.control_ok:
            break
    setup, check = last
    found = check.verdict.fails and check.control_ok
    live = live_network(setup.net, setup.steps)
    changes = changes_from(tried[0], setup)
    sigma, initial = rc.sigma_max(live.params.W), rc.sigma_max(live_network(setup.net, 0).params.W)
    return LabResult(
        key, setup, changes, float(gap), live_control, check, found, live.steps_done, sigma, initial
    )
