# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Backpropagation through time, by hand and with `rnn_core`
#
# The questions of the homework (update rules of V, W, U; the derivatives of sigmoid, tanh and ReLU;
# vanishing and exploding gradients) worked on a live network. Every number here is computed twice:
# once by hand in numpy, once with `rnn_core`, and the two are compared.
#
# Install (a hosted notebook or a fresh virtual environment):
#
#     pip install "git+<URL of this repository>" matplotlib
#
# The model, in the notation of Goodfellow, Bengio & Courville, *Deep Learning*, ch. 10:
#
# $$a^{(t)} = b + W h^{(t-1)} + U x^{(t)}, \qquad h^{(t)} = f(a^{(t)}), \qquad
#   o^{(t)} = c + V h^{(t)}, \qquad \hat y^{(t)} = \operatorname{softmax}(o^{(t)})$$
#
# $$L = \sum_t L^{(t)}, \qquad L^{(t)} = -\log \hat y^{(t)}_{y^{(t)}}$$

# %%
import matplotlib.pyplot as plt
import numpy as np

import rnn_core as rc

print("rnn_core", rc.__version__)

# %% [markdown]
# ## 1. A network small enough to follow
#
# D = 2 inputs, H = 3 hidden units, K = 2 classes, T = 3 steps, one sequence (B = 1), tanh.
# Arrays are time-major: xs is (T, B, D). The initial state h⁽⁰⁾ is not zero here, so that every
# path below carries a nonzero term (with h⁽⁰⁾ = 0 the path through step 1 gives W nothing).

# %%
D, H, K, T = 2, 3, 2, 3
activation, loss = "tanh", "softmax_ce"
params = rc.RNNParams.init(D, H, K, w_init="gaussian", w_scale=0.9, seed=3)
rng = np.random.default_rng(0)
xs = rng.standard_normal((T, 1, D))  # (T, B, D)
targets = np.array([[1], [0], [1]])  # (T, B) class indices
h0 = 0.5 * rng.standard_normal((1, H))  # (B, H)

trace = rc.forward(params, xs, targets, activation=activation, loss=loss, h0=h0)
print("L⁽¹⁾, L⁽²⁾, L⁽³⁾ =", trace.losses.round(4), "  L =", round(trace.loss, 4))

# %% [markdown]
# The same forward pass by hand, one step at a time (h[t] is h⁽ᵗ⁾, h[0] = h⁽⁰⁾):

# %%
U, W, V, b, c = params.U, params.W, params.V, params.b, params.c
f = np.tanh
x, y = xs[:, 0], targets[:, 0]  # (T, D), (T,)

a, h, y_hat, L = {}, {0: h0[0]}, {}, {}
for t in range(1, T + 1):
    a[t] = b + W @ h[t - 1] + U @ x[t - 1]
    h[t] = f(a[t])
    o = c + V @ h[t]
    y_hat[t] = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
    L[t] = -np.log(y_hat[t][y[t - 1]])

hand_losses = np.array([L[t] for t in range(1, T + 1)])
err_forward = rc.rel_error(hand_losses, trace.losses)
print(f"forward by hand vs rc.forward: {err_forward:.1e}")
assert err_forward < 1e-12

# %% [markdown]
# ## 2. ∂L⁽³⁾/∂W as a sum over paths
#
# W acts at every step, so L⁽³⁾ depends on W through h⁽³⁾, through h⁽²⁾ (via h⁽³⁾) and through
# h⁽¹⁾ (via h⁽²⁾ and h⁽³⁾). The homework writes the three paths:
#
# $$\frac{\partial L^{(3)}}{\partial W} =
#   \frac{\partial L^{(3)}}{\partial o^{(3)}} \frac{\partial o^{(3)}}{\partial h^{(3)}}
#   \left( \frac{\partial^+ h^{(3)}}{\partial W}
#        + \frac{\partial h^{(3)}}{\partial h^{(2)}} \frac{\partial^+ h^{(2)}}{\partial W}
#        + \frac{\partial h^{(3)}}{\partial h^{(2)}} \frac{\partial h^{(2)}}{\partial h^{(1)}}
#          \frac{\partial^+ h^{(1)}}{\partial W} \right)$$
#
# where ∂⁺h⁽ᵏ⁾/∂W is the *immediate* derivative, with h⁽ᵏ⁻¹⁾ held fixed (GBC write it with a copy
# W⁽ᵏ⁾ of W used at step k only). Each factor, as an array:
#
# - ∂L⁽³⁾/∂o⁽³⁾ = ŷ⁽³⁾ − onehot(y⁽³⁾), a row of K numbers;
# - ∂o⁽³⁾/∂h⁽³⁾ = V, (K, H);
# - ∂h⁽ᵗ⁾/∂h⁽ᵗ⁻¹⁾ = diag(f′(a⁽ᵗ⁾)) W, (H, H);
# - ∂⁺h⁽ᵏ⁾/∂W, (H, H, H): entry [i, j, l] = ∂h⁽ᵏ⁾ᵢ/∂W_jl = [i = j] f′(a⁽ᵏ⁾ᵢ) h⁽ᵏ⁻¹⁾ₗ.
#
# For tanh, f′(a) = 1 − tanh²(a).


# %%
def df(a):
    return 1.0 - np.tanh(a) ** 2  # tanh′


I = np.eye(H)

dL3_do3 = y_hat[3] - np.eye(K)[y[2]]  # (K,)
do3_dh3 = V  # (K, H)
dh_dhprev = {t: np.diag(df(a[t])) @ W for t in (1, 2, 3)}  # ∂h⁽ᵗ⁾/∂h⁽ᵗ⁻¹⁾ (H, H)
dh_dW = {k: np.einsum("ij,i,l->ijl", I, df(a[k]), h[k - 1]) for k in (1, 2, 3)}  # ∂⁺h⁽ᵏ⁾/∂W (H, H, H)

g3 = dL3_do3 @ do3_dh3  # ∂L⁽³⁾/∂h⁽³⁾ (H,)
path = {
    3: np.tensordot(g3, dh_dW[3], axes=1),
    2: np.tensordot(g3 @ dh_dhprev[3], dh_dW[2], axes=1),
    1: np.tensordot(g3 @ dh_dhprev[3] @ dh_dhprev[2], dh_dW[1], axes=1),
}  # each (H, H)
dL3_dW_hand = path[1] + path[2] + path[3]
for k in (3, 2, 1):
    print(f"path through h⁽{k}⁾: ‖term‖_F = {np.linalg.norm(path[k]):.4f}")

# %% [markdown]
# `rnn_core.path_terms(params, trace, s=3)` returns the same three terms (entry k−1 is the path
# through step k), and `rnn_core.bptt(params, trace, s=3)` the gradient of L⁽³⁾ alone. Contracting
# the chain above gives the compact form δₖ⁽³⁾ h⁽ᵏ⁻¹⁾ᵀ with δₖ⁽³⁾ = ∂L⁽³⁾/∂a⁽ᵏ⁾.

# %%
terms = rc.path_terms(params, trace, s=3, wrt="W")  # (3, H, H)
hand_terms = np.stack([path[1], path[2], path[3]])
err_terms = rc.rel_error(hand_terms, terms)
err_sum = rc.rel_error(dL3_dW_hand, rc.bptt(params, trace, s=3).W)
print(f"hand paths vs rc.path_terms: {err_terms:.1e}")
print(f"hand sum of paths vs rc.bptt(s=3): {err_sum:.1e}")
assert err_terms < 1e-12 and err_sum < 1e-12

# %% [markdown]
# And against finite differences of L⁽³⁾, which know nothing about paths:
# (L⁽³⁾(W + εeᵢ) − L⁽³⁾(W − εeᵢ)) / 2ε for every entry of W.

# %%
numeric = rc.numerical_gradient(params, xs, targets, activation=activation, loss=loss, h0=h0, s=3)
err_fd3 = rc.rel_error(dL3_dW_hand, numeric.W)
print(f"hand sum of paths vs finite differences: {err_fd3:.1e}")
assert err_fd3 < 1e-6

fig, ax = plt.subplots(figsize=(5, 2.8))
ax.bar([f"k = {k}\n(distance {3 - k})" for k in (1, 2, 3)], [np.linalg.norm(path[k]) for k in (1, 2, 3)])
ax.set_ylabel("‖path term‖_F")
ax.set_title("∂L⁽³⁾/∂W: the path through step k")
fig.tight_layout()

# %% [markdown]
# ## 3. The update rules, corrected
#
# **W and U.** Gradient descent uses the gradient of the whole loss L = Σₛ L⁽ˢ⁾, so the update is
# W ← W − lr · ∂L/∂W with ∂L/∂W = Σₛ ∂L⁽ˢ⁾/∂W, every loss step with its own sum over paths; the
# homework's W ← W − lr · ∂L⁽³⁾/∂W uses the last loss only (and its U update makes the same slip).
# Both W and U carry history: they act at every step, so each L⁽ˢ⁾ reaches them through
# h⁽ˢ⁾, h⁽ˢ⁻¹⁾, …, h⁽¹⁾.

# %%
grads = rc.bptt(params, trace)  # ∂L/∂θ, the same type as params
dL_dW = sum(rc.path_terms(params, trace, s=s, wrt="W").sum(axis=0) for s in range(1, T + 1))
dL_dU = sum(rc.path_terms(params, trace, s=s, wrt="U").sum(axis=0) for s in range(1, T + 1))
err_W, err_U = rc.rel_error(dL_dW, grads.W), rc.rel_error(dL_dU, grads.U)
print(f"Σₛ ∂L⁽ˢ⁾/∂W vs rc.bptt: {err_W:.1e}")
print(f"Σₛ ∂L⁽ˢ⁾/∂U vs rc.bptt: {err_U:.1e}")
print(f"∂L⁽³⁾/∂W alone vs ∂L/∂W: {rc.rel_error(dL3_dW_hand, grads.W):.3f} (the homework's update)")
assert err_W < 1e-12 and err_U < 1e-12

# %% [markdown]
# **V has no history.** V acts on h⁽ᵗ⁾ only at step t, so L⁽ᵗ⁾ reaches V through o⁽ᵗ⁾ alone and
# the indices agree: ∂L/∂V = Σₜ ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ · ∂o⁽ᵗ⁾/∂V = Σₜ (ŷ⁽ᵗ⁾ − onehot(y⁽ᵗ⁾)) h⁽ᵗ⁾ᵀ (the homework
# writes ∂L⁽ⁱ⁾/∂o⁽ᵗ⁾ inside Σᵢ). There are no path terms to split it into, and `path_terms` says so.

# %%
dL_dV = sum(np.outer(y_hat[t] - np.eye(K)[y[t - 1]], h[t]) for t in range(1, T + 1))
err_V = rc.rel_error(dL_dV, grads.V)
print(f"Σₜ ∂L⁽ᵗ⁾/∂o⁽ᵗ⁾ h⁽ᵗ⁾ᵀ vs rc.bptt: {err_V:.1e}")
assert err_V < 1e-12
try:
    rc.path_terms(params, trace, s=3, wrt="V")
except ValueError as err:
    print(err)

# %% [markdown]
# The whole gradient against finite differences, then one step θ ← θ − lr · ∂L/∂θ:

# %%
numeric = rc.numerical_gradient(params, xs, targets, activation=activation, loss=loss, h0=h0)
err_fd = max(rc.rel_error(getattr(grads, name), getattr(numeric, name)) for name in "UWVbc")
print(f"bptt vs finite differences: {err_fd:.1e}")
assert err_fd < 1e-6

stepped = params.sgd_step(grads, lr=0.1)
after = rc.forward(stepped, xs, targets, activation=activation, loss=loss, h0=h0)
print(f"L before the step {trace.loss:.4f}, after {after.loss:.4f}")

# %% [markdown]
# ## 4. Activation derivatives
#
# Every path multiplies one diag(f′(a⁽ʲ⁾)) W per step it crosses, so the bound γ = sup|f′| matters:
#
# - sigmoid′ = σ(1 − σ) ranges over (0, 1/4], and equals 1/4 at a = 0 (γ = 1/4);
# - tanh′ = 1 − tanh² ranges over (0, 1], and equals 1 at a = 0 (γ = 1);
# - ReLU′ is 0 for a ≤ 0 and 1 for a > 0: a 0 cuts the path for that unit and step; a 1 only
#   removes the damping, it does not make the gradient grow (that is W's part, below).

# %%
grid = np.linspace(-6, 6, 1201)
names = ["sigmoid", "tanh", "relu"]
fig, axes = plt.subplots(1, 3, figsize=(11, 3), sharex=True)
for ax, name in zip(axes, names):
    act = rc.ACTIVATIONS[name]
    ax.plot(grid, act.f(grid), label="f(a)")
    ax.plot(grid, act.df(grid), "--", label="f′(a)")
    ax.axhline(act.gamma, color="grey", lw=0.8, ls=":", label=f"γ = {act.gamma:g}")
    ax.set_title(name)
    ax.set_xlabel("a")
    ax.set_ylim(-1.1, 1.6)
    ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()

for name in names:
    act = rc.ACTIVATIONS[name]
    print(f"{name:8s} f′(0) = {act.df(np.array(0.0)):.2f}   max f′ on the grid = {act.df(grid).max():.2f}")

# %% [markdown]
# ## 5. The Jacobian profile: vanishing and exploding
#
# ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Πⱼ diag(f′(a⁽ʲ⁾)) W over the steps j = k+1..t, so
#
# $$\|\partial h^{(t)}/\partial h^{(k)}\|_2 \le (\gamma\,\sigma_{\max}(W))^{t-k}.$$
#
# γ·σ_max(W) < 1 is enough for the gradient to vanish; γ·σ_max(W) > 1 is needed, not enough, for it
# to explode. `rnn_core.jacobian_profile` measures log₁₀‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂ against the distance d (in
# log space, so it stays finite where the norm overflows float64) and names the regime.
# One network per activation, T = 60 steps, H = 16:

# %%
T_long, H_long = 60, 16
xs_long = np.random.default_rng(1).standard_normal((T_long, 1, D))
targets_long = np.zeros((T_long, 1), dtype=int)
settings = [("sigmoid", 1.0), ("tanh", 3.0), ("relu", 1.0), ("leaky_relu", 1.5), ("linear", 1.0)]

fig, axes = plt.subplots(1, len(settings), figsize=(15, 3.2), sharey=True)
profiles = {}
for ax, (name, w_scale) in zip(axes, settings):
    net = rc.RNNParams.init(D, H_long, K, w_init="orthogonal", w_scale=w_scale, seed=0)
    run = rc.forward(net, xs_long, targets_long, activation=name)
    profile = rc.jacobian_profile(net, run)
    profiles[name] = profile
    ax.plot(profile.distances, profile.log_norms, label="measured")
    ax.plot(profile.distances, profile.bound, "--", label="bound d·log₁₀(γσ_max)")
    ax.set_title(f"{name}, σ_max(W) = {w_scale:g}\n{profile.regime.kind}", fontsize=9)
    ax.set_xlabel("distance d = T − k")
axes[0].set_ylabel("log₁₀ ‖∂h⁽ᵀ⁾/∂h⁽ᵀ⁻ᵈ⁾‖₂")
axes[0].legend(fontsize=7)
fig.tight_layout()

for name, profile in profiles.items():
    r = profile.regime
    print(
        f"{name:10s} γ·σ_max = {r.bound_base:.2f}  log₁₀‖∂h⁽⁶⁰⁾/∂h⁽⁰⁾‖ = {r.log_norm:7.2f}"
        f"  per step ×{r.per_step:.3f}  → {r.kind}"
    )

# %% [markdown]
# What to notice:
#
# - sigmoid with an orthogonal W (σ_max = 1): γ·σ_max = 1/4, the gradient must vanish, and does.
# - ReLU at σ_max(W) = 1 vanishes too: f′ = 1 on the active units does not make it explode; units
#   that are off (f′ = 0) cut their paths. Raise σ_max(W) (leaky ReLU at 1.5) and it grows.
# - tanh at σ_max(W) = 3 explodes, but much more slowly than 3 per step: saturated units damp it.
#   The bound is only a bound.
# - linear with an orthogonal W is the closed form: every product is orthogonal, ‖·‖₂ = 1 exactly.

# %%
assert np.abs(profiles["linear"].log_norms).max() < 1e-9
assert profiles["sigmoid"].regime.kind == "vanishing" and profiles["sigmoid"].regime.vanishing_guaranteed
