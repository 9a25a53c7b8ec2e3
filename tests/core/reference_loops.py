r"""Plain per-step reference implementations of DESIGN.md §2, for the tests to compare against.

Written from the equations, not from rnn_core: one loop over time steps and one over the sequences
of the batch, column vectors as in the notation (a = b + W h + U x), every δ formed explicitly.
They are slow on purpose; only small, finite networks go through them.

    a⁽ᵗ⁾ = b + W h⁽ᵗ⁻¹⁾ + U x⁽ᵗ⁾,  h⁽ᵗ⁾ = f(a⁽ᵗ⁾),  o⁽ᵗ⁾ = c + V h⁽ᵗ⁾,  L = Σₜ L⁽ᵗ⁾
    δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾,   ∂L⁽ˢ⁾/∂W = Σₖ δₖ⁽ˢ⁾ h⁽ᵏ⁻¹⁾ᵀ,   ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W
"""

from __future__ import annotations

import math

import numpy as np

FIELDS = ("U", "W", "V", "b", "c")


# --- activations, one scalar at a time -------------------------------------------------------


def _sigmoid(v: float) -> float:
    # the two branches keep exp's argument ≤ 0, so math.exp never overflows
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


_F = {
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda v: v if v > 0 else 0.0,
    "leaky_relu": lambda v: v if v > 0 else 0.01 * v,
    "linear": lambda v: v,
}

# σ′(a) = σ(a)σ(−a) and tanh′(a) = 4σ(2a)σ(−2a): products of two accurate factors, so the
# derivative keeps its relative precision where 1 − tanh² would cancel to a few digits.
_DF = {
    "tanh": lambda v: 4.0 * _sigmoid(2.0 * v) * _sigmoid(-2.0 * v),
    "sigmoid": lambda v: _sigmoid(v) * _sigmoid(-v),
    "relu": lambda v: 1.0 if v > 0 else 0.0,
    "leaky_relu": lambda v: 1.0 if v > 0 else 0.01,
    "linear": lambda v: 1.0,
}


def f(activation: str, a: np.ndarray) -> np.ndarray:
    """h = f(a) for a vector a."""
    return np.array([_F[activation](float(v)) for v in a])


def df(activation: str, a: np.ndarray) -> np.ndarray:
    """f′(a) for a vector a."""
    return np.array([_DF[activation](float(v)) for v in a])


# --- forward -----------------------------------------------------------------------------------


def forward_loop(params, xs, targets, *, activation: str, loss: str, h0=None, mask=None) -> dict:
    """The forward pass, one sequence and one step at a time.

    Returns a dict with a (T, B, H), h (T+1, B, H), o (T, B, K), y_hat (T, B, K), dL_do (T, B, K)
    (∂L⁽ᵗ⁾/∂o⁽ᵗ⁾), losses (T,) each summed over the batch, and loss. ``mask`` (T,) weights
    each L⁽ᵗ⁾ (and so its ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾); all ones by default.
    """
    U, W, V, b, c = (np.asarray(getattr(params, name)) for name in FIELDS)
    xs = np.asarray(xs, dtype=float)
    T, B, _ = xs.shape
    H, K = W.shape[0], V.shape[0]
    h0 = np.zeros((B, H)) if h0 is None else np.asarray(h0, dtype=float)
    mask = np.ones(T) if mask is None else np.asarray(mask, dtype=float)
    out = {
        "a": np.zeros((T, B, H)),
        "h": np.zeros((T + 1, B, H)),
        "o": np.zeros((T, B, K)),
        "y_hat": np.zeros((T, B, K)),
        "dL_do": np.zeros((T, B, K)),
        "losses": np.zeros(T),
    }
    for n in range(B):
        h = h0[n].copy()
        out["h"][0, n] = h
        for t in range(T):
            a = b + W @ h + U @ xs[t, n]
            h = f(activation, a)
            o = c + V @ h
            if loss == "softmax_ce":
                y = int(targets[t, n])
                m = max(o)
                log_z = m + math.log(sum(math.exp(v - m) for v in o))  # log Σ exp(o), without overflow
                y_hat = np.array([math.exp(v - log_z) for v in o])
                step_loss = log_z - o[y]
                dL_do = y_hat.copy()
                dL_do[y] -= 1.0
            else:
                y_hat = o.copy()
                diff = o - np.asarray(targets[t, n], dtype=float)
                step_loss = 0.5 * float(diff @ diff)
                dL_do = diff
            out["a"][t, n] = a
            out["h"][t + 1, n] = h
            out["o"][t, n] = o
            out["y_hat"][t, n] = y_hat
            out["dL_do"][t, n] = mask[t] * dL_do
            out["losses"][t] += mask[t] * step_loss
    out["loss"] = float(out["losses"].sum())
    out["fprime"] = np.array([[df(activation, out["a"][t, n]) for n in range(B)] for t in range(T)])
    out["xs"] = xs
    return out


# --- backward ----------------------------------------------------------------------------------


def _zeros_like_params(params) -> dict:
    return {name: np.zeros(np.shape(getattr(params, name))) for name in FIELDS}


def bptt_loop(params, fw: dict) -> dict:
    """Full BPTT by the recursion of DESIGN §2, for each sequence of the batch in turn.

    ∂L/∂h⁽ᵗ⁾ = Vᵀ ∂L/∂o⁽ᵗ⁾ + Wᵀ diag(f′(a⁽ᵗ⁺¹⁾)) ∂L/∂h⁽ᵗ⁺¹⁾, δ⁽ᵗ⁾ = diag(f′(a⁽ᵗ⁾)) ∂L/∂h⁽ᵗ⁾.
    ``fw`` is :func:`forward_loop`'s result. Returns a dict of gradients U, W, V, b, c.
    """
    W, V = np.asarray(params.W), np.asarray(params.V)
    T, B, H = fw["a"].shape
    g = _zeros_like_params(params)
    for n in range(B):
        dh_from_next = np.zeros(H)  # Wᵀ δ⁽ᵗ⁺¹⁾, zero after the last step
        for t in range(T - 1, -1, -1):
            dL_do = fw["dL_do"][t, n]
            dh = V.T @ dL_do + dh_from_next
            delta = np.diag(fw["fprime"][t, n]) @ dh
            g["V"] += np.outer(dL_do, fw["h"][t + 1, n])
            g["c"] += dL_do
            g["W"] += np.outer(delta, fw["h"][t, n])
            g["U"] += np.outer(delta, fw["xs"][t, n])
            g["b"] += delta
            dh_from_next = W.T @ delta
    return g


def loss_step_deltas(params, fw: dict, s: int, n: int, truncate: int | None = None) -> dict[int, np.ndarray]:
    """δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾ for sequence n, by one backward pass from the loss at step s alone.

    Returns {k: δₖ⁽ˢ⁾} for k = s, s−1, …, 1, or only for the τ steps s − k < τ with ``truncate`` = τ.
    """
    W, V = np.asarray(params.W), np.asarray(params.V)
    last = 1 if truncate is None else max(1, s - truncate + 1)
    dh = V.T @ fw["dL_do"][s - 1, n]  # ∂L⁽ˢ⁾/∂h⁽ˢ⁾
    out = {}
    for k in range(s, last - 1, -1):
        delta = np.diag(fw["fprime"][k - 1, n]) @ dh
        out[k] = delta
        dh = W.T @ delta  # ∂L⁽ˢ⁾/∂h⁽ᵏ⁻¹⁾
    return out


def _factor(fw: dict, wrt: str, k: int, n: int) -> np.ndarray:
    """What δₖ⁽ˢ⁾ multiplies in the path term of ``wrt``: h⁽ᵏ⁻¹⁾ for W, x⁽ᵏ⁾ for U, 1 for b."""
    if wrt == "W":
        return fw["h"][k - 1, n]
    if wrt == "U":
        return fw["xs"][k - 1, n]
    return np.ones(1)


def path_terms_loop(params, fw: dict, s: int, wrt: str) -> np.ndarray:
    """(s, *θ.shape): entry k−1 is Σ over the batch of δₖ⁽ˢ⁾ zₖᵀ (zₖ = h⁽ᵏ⁻¹⁾, x⁽ᵏ⁾ or 1)."""
    B = fw["a"].shape[1]
    shape = np.shape(getattr(params, wrt))
    terms = np.zeros((s,) + shape)
    for n in range(B):
        for k, delta in loss_step_deltas(params, fw, s, n).items():
            terms[k - 1] += np.outer(delta, _factor(fw, wrt, k, n)).reshape(shape)
    return terms


def loss_step_gradient(params, fw: dict, s: int, truncate: int | None = None) -> dict:
    """∂L⁽ˢ⁾/∂θ for every field (U, W, V, b, c), each path kept only when s − k < ``truncate``."""
    B = fw["a"].shape[1]
    g = _zeros_like_params(params)
    for n in range(B):
        dL_do = fw["dL_do"][s - 1, n]
        g["V"] += np.outer(dL_do, fw["h"][s, n])  # V meets the loss at step s only
        g["c"] += dL_do
        for k, delta in loss_step_deltas(params, fw, s, n, truncate).items():
            g["W"] += np.outer(delta, fw["h"][k - 1, n])
            g["U"] += np.outer(delta, fw["xs"][k - 1, n])
            g["b"] += delta
    return g


def truncated_bptt_loop(params, fw: dict, truncate: int | None) -> dict:
    """Σₛ ∂L⁽ˢ⁾/∂θ with each L⁽ˢ⁾ back-propagated for ``truncate`` steps only (all of them if None)."""
    T = fw["a"].shape[0]
    g = _zeros_like_params(params)
    for s in range(1, T + 1):
        for name, value in loss_step_gradient(params, fw, s, truncate).items():
            g[name] += value
    return g


def distance_terms_loop(params, fw: dict, wrt: str) -> np.ndarray:
    """(T, *θ.shape): entry d sums the path terms of every L⁽ˢ⁾ through step k with s − k = d."""
    T = fw["a"].shape[0]
    shape = np.shape(getattr(params, wrt))
    G = np.zeros((T,) + shape)
    for s in range(1, T + 1):
        terms = path_terms_loop(params, fw, s, wrt)
        for k in range(1, s + 1):
            G[s - k] += terms[k - 1]
    return G


def distance_term_loop(params, fw: dict, wrt: str, d: int) -> np.ndarray:
    """Σₖ Σ_batch δₖ⁽ᵏ⁺ᵈ⁾ zₖᵀ alone: each L⁽ᵏ⁺ᵈ⁾ back-propagated exactly d + 1 steps, to step k."""
    T, B = fw["a"].shape[:2]
    shape = np.shape(getattr(params, wrt))
    G = np.zeros(shape)
    for n in range(B):
        for k in range(1, T - d + 1):
            delta = loss_step_deltas(params, fw, k + d, n, truncate=d + 1)[k]
            G += np.outer(delta, _factor(fw, wrt, k, n)).reshape(shape)
    return G


# --- Jacobians ---------------------------------------------------------------------------------


def jacobian_log_norms_loop(params, fw: dict, t: int, n: int = 0) -> np.ndarray:
    """log₁₀‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ for k = 0..t (sequence n), one SVD per k.

    The product Πⱼ₌ₖ₊₁ᵗ diag(f′(a⁽ʲ⁾)) W is grown one factor at a time on the right, rescaled to
    unit Frobenius norm after each factor, and the scale is kept as a sum of log₁₀'s, so the
    result stays finite where the norm itself would overflow float64. −inf once it is exactly 0.
    """
    W = np.asarray(params.W)
    H = W.shape[0]
    out = np.zeros(t + 1)
    P = np.eye(H)
    log_scale = 0.0
    for k in range(t - 1, -1, -1):
        P = P @ np.diag(fw["fprime"][k, n]) @ W  # ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = ∂h⁽ᵗ⁾/∂h⁽ᵏ⁺¹⁾ · diag(f′(a⁽ᵏ⁺¹⁾)) W
        scale = np.linalg.norm(P)
        if scale == 0.0:
            out[: k + 1] = -np.inf
            break
        P = P / scale
        log_scale += math.log10(scale)
        out[k] = log_scale + math.log10(np.linalg.svd(P, compute_uv=False)[0])
    return out


# --- test inputs -------------------------------------------------------------------------------


def random_problem(
    T: int,
    B: int,
    D: int,
    H: int,
    K: int,
    *,
    loss: str = "softmax_ce",
    seed: int = 0,
    w_init: str = "orthogonal",
    w_scale: float = 1.0,
    zero_h0: bool = False,
):
    """Random (params, xs, targets, h0) of the given sizes, with nonzero b, c and (by default) h0.

    ``RNNParams.init`` sets b = c = 0; random biases make every gradient field carry signal.
    """
    import rnn_core as rc

    rng = np.random.default_rng(seed)
    base = rc.RNNParams.init(D, H, K, w_init=w_init, w_scale=w_scale, seed=seed)
    params = rc.RNNParams(
        U=base.U, W=base.W, V=base.V, b=0.3 * rng.standard_normal(H), c=0.3 * rng.standard_normal(K)
    )
    xs = rng.standard_normal((T, B, D))
    if loss == "softmax_ce":
        targets = rng.integers(0, K, size=(T, B))
    else:
        targets = rng.standard_normal((T, B, K))
    h0 = np.zeros((B, H)) if zero_h0 else 0.5 * rng.standard_normal((B, H))
    return params, xs, targets, h0
