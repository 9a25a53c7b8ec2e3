r"""The bug lab's BPTT: one plain reference, the classic bugs as one-line changes of it, and the check.

:func:`reference_steps` is BPTT written out for reading: one sequence of the batch at a time, one
step t = T..1 at a time, the same math as :func:`rnn_core.bptt` (tests/ui/test_bug_lab.py checks
it to 1e-12, truncated too). Each :class:`Bug` names one line of it and the line that replaces it;
:func:`variant` compiles the reference's own source with that one line swapped, so the diff shown
in the reveal is exactly what runs. The variants live here, in the app's lab, not in rnn_core.

:func:`gradient_check` compares a variant with a reference gradient entry by entry (finite
differences of L, or rnn_core's truncated BPTT when the lab truncates) and step by step (each step's
terms of the five gradients against the correct reference's), and :class:`Verdict` says which
parameters, entries and steps disagree beyond :data:`TOLERANCE`, and by how much.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np

import rnn_core as rc
from ui.bug_lab import text as tx

PARAMS = tuple(f.name for f in fields(rc.RNNParams))  # ("U", "W", "V", "b", "c")
# An entry (or a step's term) disagrees when its error exceeds this. Central differences with
# ε = 1e-6 agree with BPTT to about 1e-8 of the largest entry; every bug here is off by far more.
TOLERANCE = 1e-5
FD_EPS = 1e-6
# Finite differences cost two forward passes of T steps per entry: beyond this many recurrence steps
# a seeded sample of each parameter's entries is checked (at the defaults every entry is).
FD_STEP_BUDGET = 20_000
MIN_FD_PER_PARAM = 8


def reference_steps(params: rc.RNNParams, trace: rc.Trace, *, tau: int | None = None) -> Iterator:
    r"""BPTT one step at a time: yields (n, t, terms) for each sequence n = 0..B−1 and step t = T..1.

    ``terms`` is an RNNParams holding step t's terms of the five gradients for sequence n, e.g.
    δ⁽ᵗ⁾h⁽ᵗ⁻¹⁾ᵀ for W; summed over n and t they are ∂L/∂θ. The errors of the losses still travelling
    back are kept apart, one column per loss, so that truncation can drop each one once it has gone
    τ steps (s − t < τ, as rc.bptt(truncate=τ)); ``tau`` None is full BPTT.
    """
    W, V = params.W, params.V
    df = rc.get_activation(trace.activation).df
    T, B, H = trace.a.shape
    tau = T if tau is None else tau
    dL_do = trace.dL_do()  # (T, B, K): ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ of every step and sequence
    for n in range(B):  # one sequence of the batch at a time
        x, a, h = trace.xs[:, n], trace.a[:, n], trace.h[:, n]  # x[t-1] = x⁽ᵗ⁾, a[t-1] = a⁽ᵗ⁾, h[t] = h⁽ᵗ⁾
        dh_next = np.zeros((H, 0))  # a new sequence: nothing flows back into its last step
        for t in range(T, 0, -1):  # back in time
            do = dL_do[t - 1, n]  # ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾
            dh = np.column_stack([V.T @ do, dh_next[:, : tau - 1]])  # column d: ∂L⁽ᵗ⁺ᵈ⁾/∂h⁽ᵗ⁾, d < τ
            delta = df(a[t - 1])[:, None] * dh  # column d: f′(a⁽ᵗ⁾) ⊙ ∂L⁽ᵗ⁺ᵈ⁾/∂h⁽ᵗ⁾
            dh_next = W.T @ delta  # back through W: what each loss sends into h⁽ᵗ⁻¹⁾
            d = delta.sum(axis=1)  # δ⁽ᵗ⁾ = ∂L/∂a⁽ᵗ⁾, the sum over the losses
            yield (
                n,
                t,
                rc.RNNParams(
                    U=np.outer(d, x[t - 1]),  # δ⁽ᵗ⁾ x⁽ᵗ⁾ᵀ
                    W=np.outer(d, h[t - 1]),  # δ⁽ᵗ⁾ h⁽ᵗ⁻¹⁾ᵀ
                    V=np.outer(do, h[t]),  # ∂L/∂o⁽ᵗ⁾ h⁽ᵗ⁾ᵀ
                    b=d,  # δ⁽ᵗ⁾
                    c=do,  # ∂L/∂o⁽ᵗ⁾
                ),
            )


@dataclass(frozen=True)
class Bug:
    """One classic BPTT bug: the reference's line ``correct`` (its code, without the comment) becomes
    ``buggy``. ``title`` and ``explanation`` are templates of :mod:`ui.bug_lab.text`; ``affects`` the
    gradients the changed line feeds; ``needs`` what the lab sets for the bug to show at all
    ("batch": B = 2 sequences, "truncation": a τ < T)."""

    key: str
    title: str
    correct: str
    buggy: str
    explanation: str
    affects: tuple[str, ...]
    needs: str | None = None


RECURRENT = ("U", "W", "b")  # the gradients that δ⁽ᵗ⁾ feeds
BUGS = (
    Bug(
        "prev_state",
        tx.TITLE_PREV_STATE,
        "W=np.outer(d, h[t - 1]),",
        "W=np.outer(d, h[t]),",
        tx.WHY_PREV_STATE,
        ("W",),
    ),
    Bug(
        "no_output_term",
        tx.TITLE_NO_OUTPUT_TERM,
        "dh = np.column_stack([V.T @ do, dh_next[:, : tau - 1]])",
        "dh = dh_next[:, : tau - 1]",
        tx.WHY_NO_OUTPUT_TERM,
        RECURRENT,
    ),
    Bug(
        "fprime_from_h",
        tx.TITLE_FPRIME_FROM_H,
        "delta = df(a[t - 1])[:, None] * dh",
        "delta = dh / (1 - h[t] ** 2)[:, None]",
        tx.WHY_FPRIME_FROM_H,
        RECURRENT,
    ),
    Bug(
        "fprime_wrong_step",
        tx.TITLE_FPRIME_WRONG_STEP,
        "delta = df(a[t - 1])[:, None] * dh",
        "delta = df(a[t - 2])[:, None] * dh",
        tx.WHY_FPRIME_WRONG_STEP,
        RECURRENT,
    ),
    Bug(
        "w_not_transposed",
        tx.TITLE_W_NOT_TRANSPOSED,
        "dh_next = W.T @ delta",
        "dh_next = W @ delta",
        tx.WHY_W_NOT_TRANSPOSED,
        RECURRENT,
    ),
    Bug(
        "last_loss_only",
        tx.TITLE_LAST_LOSS_ONLY,
        "do = dL_do[t - 1, n]",
        "do = dL_do[t - 1, n] * (t == T)",
        tx.WHY_LAST_LOSS_ONLY,
        PARAMS,
    ),
    Bug(
        "batch_mean",
        tx.TITLE_BATCH_MEAN,
        "do = dL_do[t - 1, n]",
        "do = dL_do[t - 1, n] / B",
        tx.WHY_BATCH_MEAN,
        PARAMS,
        needs="batch",
    ),
    Bug(
        "not_reset",
        tx.TITLE_NOT_RESET,
        "dh_next = np.zeros((H, 0))",
        "dh_next = np.zeros((H, 0)) if n == 0 else dh_next",
        tx.WHY_NOT_RESET,
        RECURRENT,
        needs="batch",
    ),
    Bug(
        "truncation_off_by_one",
        tx.TITLE_TRUNCATION,
        "dh = np.column_stack([V.T @ do, dh_next[:, : tau - 1]])",
        "dh = np.column_stack([V.T @ do, dh_next[:, :tau]])",
        tx.WHY_TRUNCATION,
        RECURRENT,
        needs="truncation",
    ),
)
BY_KEY = {bug.key: bug for bug in BUGS}
KEYS = tuple(BY_KEY)


def get_bug(key: str) -> Bug:
    """The bug named ``key``; ValueError naming the keys when there is none."""
    if key not in BY_KEY:
        raise ValueError(f"bug must be one of {', '.join(KEYS)}; received {key!r}")
    return BY_KEY[key]


def pick_bug(seed: int) -> str:
    """The bug the lab draws for ``seed``: the same for everyone with the same seed."""
    return KEYS[int(np.random.default_rng([int(seed), 7]).integers(len(KEYS)))]


def next_seed(seed: int, limit: int) -> int:
    """The next seed after ``seed`` (wrapping at ``limit``) whose bug is another one."""
    current, s = pick_bug(seed), seed
    for _ in range(limit):
        s = (s + 1) % (limit + 1)
        if pick_bug(s) != current:
            return s
    return s


# --- the variants: the reference's source with one line changed -----------------------------------


def _code(line: str) -> str:
    """A source line's code without its indentation and trailing comment."""
    return line.split("  #", 1)[0].strip()


def reference_source() -> list[str]:
    """The lines of :func:`reference_steps` as written above."""
    return inspect.getsource(reference_steps).splitlines()


def buggy_source(bug: Bug) -> list[str]:
    """The reference's lines with the one line whose code is ``bug.correct`` replaced by ``bug.buggy``
    (same indentation, same comment: the author believed the line right)."""
    lines = reference_source()
    hits = [i for i, line in enumerate(lines) if _code(line) == bug.correct]
    if len(hits) != 1:
        raise ValueError(f"bug {bug.key!r}: its line must occur once in the reference; found {len(hits)}")
    i = hits[0]
    line = lines[i]
    indent = line[: len(line) - len(line.lstrip())]
    comment = line[len(indent) + len(bug.correct) :]
    return [*lines[:i], indent + bug.buggy + comment, *lines[i + 1 :]]


def diff(bug: Bug, context: int = 2) -> str:
    """The unified diff of the reference and the bug's variant: the one changed line in context."""
    out = difflib.unified_diff(
        reference_source(), buggy_source(bug), "reference_steps", f"reference_steps ({bug.key})", n=context
    )
    return "\n".join(line.rstrip("\n") for line in out)


@functools.cache
def variant(key: str):
    """The step generator of the bug named ``key``: the reference's source, one line changed, compiled
    in this module's namespace (None: the reference itself)."""
    if key is None:
        return reference_steps
    namespace = dict(globals())
    exec(compile("\n".join(buggy_source(get_bug(key))), f"<bug lab: {key}>", "exec"), namespace)  # noqa: S102
    return namespace["reference_steps"]


def lab_bptt(params: rc.RNNParams, trace: rc.Trace, *, tau: int | None = None, bug: str | None = None):
    """∂L/∂θ by the reference (``bug`` None) or by a bug's variant: the sum of its steps' terms."""
    total = {name: np.zeros_like(getattr(params, name)) for name in PARAMS}
    with np.errstate(all="ignore"):
        for _, _, terms in variant(bug)(params, trace, tau=tau):
            for name in PARAMS:
                total[name] += getattr(terms, name)
    return rc.RNNParams(**total)


def _term_error(bad: np.ndarray, good: np.ndarray) -> float:
    """rc.rel_error(bad, good), with its value 0.0 taken at once where the two terms are equal and finite."""
    if np.array_equal(bad, good) and np.isfinite(good).all():
        return 0.0
    return rc.rel_error(bad, good)


@dataclass(frozen=True)
class Sweep:
    """A bug's variant and the reference run side by side, once: ``grad`` = lab_bptt(bug=…),
    ``correct`` = lab_bptt(), and (when asked for) ``step_errors`` as :func:`step_errors` gives them."""

    grad: rc.RNNParams
    correct: rc.RNNParams
    step_errors: np.ndarray | None


def sweep(params, trace: rc.Trace, *, tau: int | None, bug: str, steps: bool = True) -> Sweep:
    """The variant of ``bug`` and the reference step by step, once: both sums (each added up in the
    order lab_bptt adds it) and, with ``steps``, each step's rel_error, the variant's against the
    reference's."""
    T, B = trace.T, trace.a.shape[1]
    grad = {name: np.zeros_like(getattr(params, name)) for name in PARAMS}
    correct = {name: np.zeros_like(getattr(params, name)) for name in PARAMS}
    out = np.empty((B, len(PARAMS), T)) if steps else None
    with np.errstate(all="ignore"):
        pairs = zip(reference_steps(params, trace, tau=tau), variant(bug)(params, trace, tau=tau))
        for (n, t, good), (_, _, bad) in pairs:
            for j, name in enumerate(PARAMS):
                g, b = getattr(good, name), getattr(bad, name)
                correct[name] += g
                grad[name] += b
                if steps:
                    out[n, j, t - 1] = _term_error(b, g)
    return Sweep(rc.RNNParams(**grad), rc.RNNParams(**correct), out)


# --- the gradient check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryCheck:
    """One parameter's entries: the variant's gradient against the reference gradient.

    ``errors`` (θ's shape): |g − r| / scale with scale the largest |g| or |r| over the checked entries
    (nan where an entry is not a number, and where it was not checked: see ``checked``).
    """

    name: str
    grad: np.ndarray
    reference: np.ndarray
    errors: np.ndarray
    checked: np.ndarray
    rel_error: float  # rc.rel_error over the checked entries

    @property
    def bad(self) -> np.ndarray:
        """Checked entries that disagree: error above TOLERANCE, or not a number."""
        return self.checked & ~(self.errors <= TOLERANCE)

    @property
    def n_bad(self) -> int:
        return int(self.bad.sum())

    @property
    def n_checked(self) -> int:
        return int(self.checked.sum())

    @property
    def worst(self) -> tuple[tuple[int, ...], float]:
        """The index and error of the worst checked entry (nan first)."""
        errs = np.where(self.checked, self.errors, -1.0)
        errs = np.where(self.checked & np.isnan(self.errors), np.inf, errs)
        i = np.unravel_index(int(np.argmax(errs)), errs.shape)
        return tuple(int(j) for j in i), float(self.errors[i])


@dataclass(frozen=True)
class Verdict:
    """Which parameters, entries and steps disagree beyond ``tolerance``: what the page's text says.

    ``bad_params``: the parameters with a disagreeing entry. ``bad_steps[n][name]``: the steps t
    (1-based) of sequence n whose term of ∂L/∂name disagrees. ``fails``: anything disagrees.
    """

    tolerance: float
    bad_params: tuple[str, ...]
    bad_steps: tuple[dict, ...]
    fails: bool

    def steps_of(self, name: str) -> tuple[tuple[int, ...], ...]:
        """The disagreeing steps of ∂L/∂name, one tuple per sequence."""
        return tuple(per_seq[name] for per_seq in self.bad_steps)


@dataclass(frozen=True)
class GradientCheck:
    """A variant checked against a reference, entry by entry and step by step.

    ``entries``: one EntryCheck per parameter (PARAMS order). ``step_errors`` (B, 5, T):
    rc.rel_error of step t's term of ∂L/∂θ from the variant and from the correct reference, for
    each sequence and parameter. ``control``: the correct reference's own error against the
    same reference gradient (rc.rel_error over all parameters), what the tolerance must beat.
    """

    entries: tuple[EntryCheck, ...]
    step_errors: np.ndarray
    control: float
    verdict: Verdict

    def entry(self, name: str) -> EntryCheck:
        return self.entries[PARAMS.index(name)]

    @property
    def control_ok(self) -> bool:
        return bool(self.control <= TOLERANCE)


def fd_entries(size: int, total: int, T: int, seed: int) -> np.ndarray | None:
    """Flat indices of one parameter (``size`` entries of ``total`` in all) to check by finite
    differences; None: all of them.

    Every entry while the whole check stays within FD_STEP_BUDGET recurrence steps; beyond, a seeded
    sample of each parameter in proportion to its size (at least MIN_FD_PER_PARAM entries).
    """
    affordable = FD_STEP_BUDGET // (2 * T)
    if total <= affordable:
        return None
    share = max(MIN_FD_PER_PARAM, size * affordable // total)
    if size <= share:
        return None
    rng = np.random.default_rng([seed, 11])
    return np.sort(rng.choice(size, size=share, replace=False))


def reference_gradient(params, trace: rc.Trace, *, tau: int | None, sample: bool, seed: int = 0):
    """What the variant is checked against, with a mask of the entries checked.

    Full BPTT: central differences of L (rc.numerical_partial), on all entries or, with ``sample``
    and a large network, a seeded sample. Truncated: rc.bptt(truncate=τ), which finite differences of
    L cannot give (they differentiate every path).
    """
    if tau is not None:
        ref = rc.bptt(params, trace, truncate=tau)
        return ref, {name: np.ones(getattr(params, name).shape, dtype=bool) for name in PARAMS}
    out, masks = {}, {}
    total = sum(getattr(params, name).size for name in PARAMS)
    for name in PARAMS:
        shape = getattr(params, name).shape
        idx = fd_entries(getattr(params, name).size, total, trace.T, seed) if sample else None
        out[name] = rc.numerical_partial(
            params,
            trace.xs,
            trace.targets,
            wrt=name,
            activation=trace.activation,
            loss=trace.loss_name,
            eps=FD_EPS,
            entries=idx,
        )
        mask = np.ones(shape, dtype=bool) if idx is None else np.isin(np.arange(out[name].size), idx)
        masks[name] = mask.reshape(shape)
    return rc.RNNParams(**out), masks


def entry_check(name: str, grad: np.ndarray, ref: np.ndarray, checked: np.ndarray) -> EntryCheck:
    """``grad`` against ``ref`` on the ``checked`` entries of one parameter."""
    with np.errstate(all="ignore"):
        both = np.abs(np.stack([grad, ref]))
        finite = np.isfinite(both).all(axis=0) & checked
        scale = float(both[:, finite].max(initial=0.0))
        diff_ = np.abs(grad - ref)
        errors = np.where(finite, diff_ / scale if scale > 0 else 0.0 * diff_, np.nan)
        errors = np.where(checked, errors, np.nan)
        rel = rc.rel_error(np.where(checked, grad, 0.0), np.where(checked, ref, 0.0))
    return EntryCheck(name, grad, ref, errors, checked, rel)


def step_errors(params, trace: rc.Trace, *, tau: int | None, bug: str) -> np.ndarray:
    """(B, 5, T): rc.rel_error of each step's terms, the variant's against the reference's."""
    return sweep(params, trace, tau=tau, bug=bug).step_errors


def verdict_of(entries: tuple[EntryCheck, ...], steps: np.ndarray) -> Verdict:
    """Which parameters and steps disagree beyond TOLERANCE (nan counts as disagreeing)."""
    bad_params = tuple(e.name for e in entries if e.n_bad)
    bad_steps = tuple(
        {
            name: tuple(int(t) + 1 for t in np.flatnonzero(~(steps[n, j] <= TOLERANCE)))
            for j, name in enumerate(PARAMS)
        }
        for n in range(steps.shape[0])
    )
    fails = bool(bad_params) or any(any(per.values()) for per in bad_steps)
    return Verdict(TOLERANCE, bad_params, bad_steps, fails)


def gradient_check(
    params: rc.RNNParams,
    trace: rc.Trace,
    bug: str,
    *,
    tau: int | None = None,
    sample: bool = True,
    seed: int = 0,
    swept: Sweep | None = None,
    reference: tuple | None = None,
) -> GradientCheck:
    """The bug's variant checked against the reference gradient (finite differences, or rc.bptt's
    truncated gradient when ``tau`` is set), entry by entry and step by step. ``swept``: the
    :func:`sweep` of this bug on these settings and ``reference``: what :func:`reference_gradient`
    gives on them (with ``sample`` and ``seed``), if already computed (computed here otherwise)."""
    if swept is None or swept.step_errors is None:
        swept = sweep(params, trace, tau=tau, bug=bug)
    grad, correct = swept.grad, swept.correct
    if reference is None:
        reference = reference_gradient(params, trace, tau=tau, sample=sample, seed=seed)
    ref, masks = reference
    with np.errstate(all="ignore"):
        entries = tuple(
            entry_check(name, getattr(grad, name), getattr(ref, name), masks[name]) for name in PARAMS
        )
        control = max(
            entry_check(name, getattr(correct, name), getattr(ref, name), masks[name]).rel_error
            for name in PARAMS
        )
    steps = swept.step_errors
    return GradientCheck(entries, steps, float(control), verdict_of(entries, steps))


def probe_control(params: rc.RNNParams, trace: rc.Trace, *, entries: int = 4) -> float:
    """rnn_core's BPTT against central differences on the first ``entries`` entries of each
    parameter (the largest rel_error): a cheap look at whether finite differences can be trusted on
    these settings at all (inf: not numbers)."""
    worst = 0.0
    with np.errstate(all="ignore"):
        exact = rc.bptt(params, trace)
        for name in PARAMS:
            idx = np.arange(min(entries, getattr(params, name).size))
            numeric = rc.numerical_partial(
                params,
                trace.xs,
                trace.targets,
                wrt=name,
                activation=trace.activation,
                loss=trace.loss_name,
                eps=FD_EPS,
                entries=idx,
            )
            error = rc.rel_error(getattr(exact, name).ravel()[idx], numeric.ravel()[idx])
            worst = max(worst, np.inf if np.isnan(error) else error)
    return float(worst)


def shows(
    params: rc.RNNParams, trace: rc.Trace, bug: str, *, tau: int | None = None, swept: Sweep | None = None
) -> float:
    """The largest error of the bug's gradient against the correct reference's (exact, no finite
    differences): above TOLERANCE the bug can show on these settings; nan counts as showing.
    ``swept``: the :func:`sweep` of this bug on these settings, if already run."""
    if swept is None:
        swept = sweep(params, trace, tau=tau, bug=bug, steps=False)
    grad, correct = swept.grad, swept.correct
    with np.errstate(all="ignore"):
        errs = [rc.rel_error(getattr(grad, n), getattr(correct, n)) for n in PARAMS]
    return float(np.inf if any(np.isnan(errs)) else max(errs))


def changed_lines(bug: Bug) -> int:
    """How many lines the bug's variant changes (1 for every bug: tests check it)."""
    matcher = difflib.SequenceMatcher(a=reference_source(), b=buggy_source(bug), autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")
