r"""Plain per-step references for the LSTM and the GRU of DESIGN.md §2, for the tests to compare against.

Written from the equations, not from rnn_core: one loop over sequences, one over time steps,
column vectors as in the notation, every gate and every error formed explicitly, scalar σ and tanh
in the forward pass.

    LSTM  f, g, q = σ(b^· + U^· x⁽ᵗ⁾ + W^· h⁽ᵗ⁻¹⁾),  s⁽ᵗ⁾ = f ⊙ s⁽ᵗ⁻¹⁾ + g ⊙ tanh(b + U x⁽ᵗ⁾ + W h⁽ᵗ⁻¹⁾),
          h⁽ᵗ⁾ = q ⊙ tanh(s⁽ᵗ⁾)
    GRU   u, r = σ(b^· + U^· x⁽ᵗ⁾ + W^· h⁽ᵗ⁻¹⁾),
          h⁽ᵗ⁾ = u ⊙ h⁽ᵗ⁻¹⁾ + (1 − u) ⊙ tanh(b + U x⁽ᵗ⁾ + W (r ⊙ h⁽ᵗ⁻¹⁾))
"""

from __future__ import annotations

import math

import numpy as np

from tests.core.reference_loops import f as act

LSTM_FIELDS = ("U", "W", "b", "Uf", "Wf", "bf", "Ug", "Wg", "bg", "Uq", "Wq", "bq", "V", "c")
GRU_FIELDS = ("U", "W", "b", "Uu", "Wu", "bu", "Ur", "Wr", "br", "V", "c")
LSTM_GATES = ("f", "g", "q")
GRU_GATES = ("u", "r")


def cell_of(params) -> str:
    """'lstm' or 'gru', from the fields the params carry."""
    return "lstm" if hasattr(params, "Wq") else "gru"


def _sigma(v: np.ndarray) -> np.ndarray:
    return act("sigmoid", v)


def _tanh(v: np.ndarray) -> np.ndarray:
    return act("tanh", v)


def lstm_step(p, x, h, s) -> dict:
    """One LSTM step for one sequence: the candidate's pre-activation a, the gates, and the new s, h."""
    out = {
        "a": p.b + p.U @ x + p.W @ h,
        "f": _sigma(p.bf + p.Uf @ x + p.Wf @ h),
        "g": _sigma(p.bg + p.Ug @ x + p.Wg @ h),
        "q": _sigma(p.bq + p.Uq @ x + p.Wq @ h),
    }
    out["s"] = out["f"] * s + out["g"] * _tanh(out["a"])
    out["h"] = out["q"] * _tanh(out["s"])
    return out


def gru_step(p, x, h) -> dict:
    """One GRU step for one sequence: the gates, the candidate's pre-activation a, and the new h."""
    out = {"u": _sigma(p.bu + p.Uu @ x + p.Wu @ h), "r": _sigma(p.br + p.Ur @ x + p.Wr @ h)}
    out["a"] = p.b + p.U @ x + p.W @ (out["r"] * h)
    out["h"] = out["u"] * h + (1.0 - out["u"]) * _tanh(out["a"])
    return out


def _output(p, h, target, loss: str):
    """o, ŷ, L⁽ᵗ⁾ and ∂L⁽ᵗ⁾/∂o for one step of one sequence."""
    o = p.c + p.V @ h
    if loss == "softmax_ce":
        m = max(o)
        log_z = m + math.log(sum(math.exp(v - m) for v in o))
        y_hat = np.array([math.exp(v - log_z) for v in o])
        dL_do = y_hat.copy()
        dL_do[int(target)] -= 1.0
        return o, y_hat, log_z - o[int(target)], dL_do
    diff = o - np.asarray(target, dtype=float)
    return o, o.copy(), 0.5 * float(diff @ diff), diff


def forward_loop(params, xs, targets, *, loss: str, h0=None, s0=None, mask=None) -> dict:
    """The forward pass, one sequence and one step at a time, for an LSTM or a GRU.

    Returns arrays a, the gates (T, B, H), h (T+1, B, H) (and s (T+1, B, H) for the LSTM), o,
    y_hat, dL_do (T, B, K), losses (T,) each summed over the batch, loss, xs.
    """
    cell = cell_of(params)
    xs = np.asarray(xs, dtype=float)
    T, B, _ = xs.shape
    H, K = params.W.shape[0], params.V.shape[0]
    h0 = np.zeros((B, H)) if h0 is None else np.asarray(h0, dtype=float)
    s0 = np.zeros((B, H)) if s0 is None else np.asarray(s0, dtype=float)
    mask = np.ones(T) if mask is None else np.asarray(mask, dtype=float)
    gates = LSTM_GATES if cell == "lstm" else GRU_GATES
    out = {name: np.zeros((T, B, H)) for name in ("a",) + gates}
    out.update(h=np.zeros((T + 1, B, H)), s=np.zeros((T + 1, B, H)))
    out.update(
        o=np.zeros((T, B, K)), y_hat=np.zeros((T, B, K)), dL_do=np.zeros((T, B, K)), losses=np.zeros(T)
    )
    for n in range(B):
        h, s = h0[n].copy(), s0[n].copy()
        out["h"][0, n], out["s"][0, n] = h, s
        for t in range(T):
            step = lstm_step(params, xs[t, n], h, s) if cell == "lstm" else gru_step(params, xs[t, n], h)
            h = step["h"]
            s = step.get("s", s)
            o, y_hat, step_loss, dL_do = _output(params, h, targets[t, n], loss)
            for name in ("a",) + gates:
                out[name][t, n] = step[name]
            out["h"][t + 1, n], out["s"][t + 1, n] = h, s
            out["o"][t, n], out["y_hat"][t, n] = o, y_hat
            out["dL_do"][t, n] = mask[t] * dL_do
            out["losses"][t] += mask[t] * step_loss
    if cell == "gru":
        del out["s"]
    out["loss"] = float(out["losses"].sum())
    out["xs"] = xs
    return out


def loss_step_errors(params, fw: dict, s: int, n: int, truncate: int | None = None) -> dict[int, dict]:
    """One backward pass of L⁽ˢ⁾ alone, sequence n: {k: {block: ∂L⁽ˢ⁾/∂(pre-activation of block at k)}}.

    Blocks "a" (the candidate) and the gates; k = s, s−1, …, 1, or only s − k < τ with ``truncate``.
    """
    p = params
    last = 1 if truncate is None else max(1, s - truncate + 1)
    dh = p.V.T @ fw["dL_do"][s - 1, n]  # ∂L⁽ˢ⁾/∂h⁽ˢ⁾
    ds = np.zeros_like(dh)  # ∂L⁽ˢ⁾/∂s⁽ᵏ⁾ through s⁽ᵏ⁺¹⁾ (LSTM)
    out = {}
    for k in range(s, last - 1, -1):
        cand = np.tanh(fw["a"][k - 1, n])
        h_prev = fw["h"][k - 1, n]
        if cell_of(p) == "lstm":
            f, g, q = (fw[name][k - 1, n] for name in LSTM_GATES)
            tanh_s = np.tanh(fw["s"][k, n])
            ds_total = ds + dh * q * (1.0 - tanh_s**2)  # h⁽ᵏ⁾ = q ⊙ tanh(s⁽ᵏ⁾)
            e = {
                "a": ds_total * g * (1.0 - cand**2),
                "f": ds_total * fw["s"][k - 1, n] * f * (1.0 - f),
                "g": ds_total * cand * g * (1.0 - g),
                "q": dh * tanh_s * q * (1.0 - q),
            }
            dh = p.W.T @ e["a"] + p.Wf.T @ e["f"] + p.Wg.T @ e["g"] + p.Wq.T @ e["q"]
            ds = ds_total * f
        else:
            u, r = fw["u"][k - 1, n], fw["r"][k - 1, n]
            e = {"a": dh * (1.0 - u) * (1.0 - cand**2), "u": dh * (h_prev - cand) * u * (1.0 - u)}
            d_rh = p.W.T @ e["a"]  # ∂L⁽ˢ⁾/∂(r ⊙ h⁽ᵏ⁻¹⁾)
            e["r"] = d_rh * h_prev * r * (1.0 - r)
            dh = dh * u + d_rh * r + p.Wu.T @ e["u"] + p.Wr.T @ e["r"]
        out[k] = e
    return out


def _factor(params, fw: dict, block: str, k: int, n: int) -> np.ndarray:
    """What block's error at step k multiplies in the gradient of its recurrent weights."""
    h_prev = fw["h"][k - 1, n]
    return fw["r"][k - 1, n] * h_prev if block == "a" and cell_of(params) == "gru" else h_prev


def _suffix(block: str) -> str:
    return "" if block == "a" else block


def gradient_loop(params, fw: dict, *, truncate: int | None = None, steps=None) -> dict:
    """Σₛ ∂L⁽ˢ⁾/∂θ over the loss steps ``steps`` (all by default), each path kept only when s − k < τ."""
    fields = LSTM_FIELDS if cell_of(params) == "lstm" else GRU_FIELDS
    g = {name: np.zeros(np.shape(getattr(params, name))) for name in fields}
    T, B = fw["a"].shape[:2]
    for n in range(B):
        for s in steps or range(1, T + 1):
            dL_do = fw["dL_do"][s - 1, n]
            g["V"] += np.outer(dL_do, fw["h"][s, n])
            g["c"] += dL_do
            for k, errors in loss_step_errors(params, fw, s, n, truncate).items():
                for block, e in errors.items():
                    x = _suffix(block)
                    g["U" + x] += np.outer(e, fw["xs"][k - 1, n])
                    g["W" + x] += np.outer(e, _factor(params, fw, block, k, n))
                    g["b" + x] += e
    return g


def contributions_loop(params, fw: dict, block: str) -> np.ndarray:
    """C[s−1, k−1] = ‖Σ over the batch of (block's error of L⁽ˢ⁾ at k) zₖᵀ‖_F, zero where k > s."""
    T, B = fw["a"].shape[:2]
    C = np.zeros((T, T))
    for s in range(1, T + 1):
        terms = {}
        for n in range(B):
            for k, errors in loss_step_errors(params, fw, s, n).items():
                term = np.outer(errors[block], _factor(params, fw, block, k, n))
                terms[k] = terms.get(k, 0.0) + term
        for k, term in terms.items():
            C[s - 1, k - 1] = np.linalg.norm(term)
    return C


def step_jacobian(params, fw: dict, j: int, n: int) -> np.ndarray:
    """∂x⁽ʲ⁾/∂x⁽ʲ⁻¹⁾ as a matrix, x = (h, s) (2H) for the LSTM, h (H) for the GRU."""
    p = params
    cand = np.tanh(fw["a"][j - 1, n])
    h_prev = fw["h"][j - 1, n]
    if cell_of(p) == "lstm":
        f, g, q = (fw[name][j - 1, n] for name in LSTM_GATES)
        tanh_s = np.tanh(fw["s"][j, n])
        s_prev = fw["s"][j - 1, n]
        ds_dh = (
            np.diag(g * (1.0 - cand**2)) @ p.W
            + np.diag(s_prev * f * (1.0 - f)) @ p.Wf
            + np.diag(cand * g * (1.0 - g)) @ p.Wg
        )
        dh_ds_new = np.diag(q * (1.0 - tanh_s**2))  # ∂h⁽ʲ⁾/∂s⁽ʲ⁾
        dh_dh = dh_ds_new @ ds_dh + np.diag(tanh_s * q * (1.0 - q)) @ p.Wq
        return np.block([[dh_dh, dh_ds_new @ np.diag(f)], [ds_dh, np.diag(f)]])
    u, r = fw["u"][j - 1, n], fw["r"][j - 1, n]
    da_dh = p.W @ (np.diag(r) + np.diag(h_prev * r * (1.0 - r)) @ p.Wr)
    return (
        np.diag(u)
        + np.diag((h_prev - cand) * u * (1.0 - u)) @ p.Wu
        + np.diag((1.0 - u) * (1.0 - cand**2)) @ da_dh
    )


def state_jacobian_log_norms_loop(params, fw: dict, t: int, n: int = 0, block=slice(None)) -> np.ndarray:
    """log₁₀‖(Πⱼ₌ₖ₊₁ᵗ ∂x⁽ʲ⁾/∂x⁽ʲ⁻¹⁾)[block, block]‖₂ for k = 0..t, one SVD per k, no rescaling."""
    size = step_jacobian(params, fw, 1, n).shape[0]
    P = np.eye(size)
    out = np.zeros(t + 1)
    for k in range(t - 1, -1, -1):
        P = P @ step_jacobian(params, fw, k + 1, n)
        out[k] = math.log10(np.linalg.svd(P[block, block], compute_uv=False)[0])
    return out


def random_gated_problem(
    cell: str, T: int, B: int, D: int, H: int, K: int, *, loss: str = "softmax_ce", seed=0
):
    """Random (params, xs, targets, h0, s0) with every field, h0 and s0 nonzero (s0 None for the GRU)."""
    import rnn_core as rc

    rng = np.random.default_rng(seed)
    cls = rc.LSTMParams if cell == "lstm" else rc.GRUParams
    base = cls.init(D, H, K, seed=seed)
    params = cls(**{k: v + 0.3 * rng.standard_normal(v.shape) for k, v in base.arrays().items()})
    xs = rng.standard_normal((T, B, D))
    targets = rng.integers(0, K, size=(T, B)) if loss == "softmax_ce" else rng.standard_normal((T, B, K))
    h0 = 0.5 * rng.standard_normal((B, H))
    s0 = 0.5 * rng.standard_normal((B, H)) if cell == "lstm" else None
    return params, xs, targets, h0, s0
