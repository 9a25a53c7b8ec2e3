"""The shared network: its controls (ranges, defaults, URL keys) in one place, and the sidebar.

Every control is a Streamlit widget bound to a URL query parameter (``bind="query-params"``):
a link reproduces what its sender saw, and Streamlit itself drops values from a link that are
garbage or out of range (the widget then shows its default); the page then says so, naming the
value received and the one used (:func:`link_notes`). σ_max(W) is rounded to the precision its
slider shows before it reaches a cache key, so a link's off-step value (1.33) is used as shown
and the caches see a finite set of keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import streamlit as st

from rnn_core import ACTIVATIONS, LEAKY_SLOPE, LOSSES, W_INITS
from ui import state_text as words
from ui.format import number
from ui.i18n import say
from ui.predict import mode as predict_mode

MAX_STEPS = 500
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
# σ_max(W) is used rounded to SCALE_STEP, the precision its slider prints (SCALE_FORMAT): a link
# carrying an off-step value such as 1.33 is computed as shown. The slider itself moves in
# SCALE_SLIDER_STEP. Up to SCALE_MAX = 8, twice sigmoid's 1/γ = 4, so every activation can be put
# on both sides of its threshold.
SCALE_STEP = 0.01
SCALE_SLIDER_STEP = 0.05
SCALE_FORMAT = "%.2f"
SCALE_MIN, SCALE_MAX = 0.05, 8.0
H_RANGE, T_RANGE, D_RANGE, K_RANGE, SEED_RANGE = (1, 128), (1, 200), (1, 16), (2, 16), (0, 9999)

# Labels double as URL values (a bound selectbox writes its label into the link): short, no spaces.
ACTIVATION_LABELS = {
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "relu": "ReLU",
    "leaky_relu": "leaky-ReLU",
    "linear": "linear",
}
LOSS_LABELS = {"softmax_ce": "softmax-CE", "mse": "MSE"}
INIT_LABELS = {"orthogonal": "orthogonal", "gaussian": "gaussian", "identity": "identity"}


@dataclass(frozen=True)
class Network:
    """What the sidebar sets: the network, its one training sequence (B = 1) and the learning rate."""

    activation: str = "tanh"
    H: int = 16
    T: int = 20
    D: int = 3
    K: int = 3
    w_init: str = "orthogonal"
    w_scale: float = 1.0
    loss: str = "softmax_ce"
    seed: int = 0
    lr: float = 0.1

    def key(self) -> tuple:
        """A hashable, rounded key for the caches."""
        return tuple(asdict(self).values())


DEFAULT = Network()


def snap(value: float, step: float) -> float:
    """``value`` rounded to the slider grid, so that float cache keys stay finite."""
    return round(round(value / step) * step, 10)


def network_sidebar() -> Network:
    """Draw the "Network" sidebar and return the network it sets; say above the page when a link's
    value for one of its controls could not be used."""
    received = {key: st.query_params.get(key) for key in LINK_KEYS}
    sb = st.sidebar
    sb.header(say(words.NETWORK))
    activation = sb.selectbox(
        say(words.ACTIVATION),
        list(ACTIVATIONS),
        index=list(ACTIVATIONS).index(DEFAULT.activation),
        format_func=ACTIVATION_LABELS.get,
        key="act",
        bind="query-params",
        help=say(words.ACTIVATION_HELP, slope=number(LEAKY_SLOPE, "g")),
    )
    H = sb.slider(say(words.HIDDEN), *H_RANGE, DEFAULT.H, key="H", bind="query-params")
    T = sb.slider(say(words.LENGTH), *T_RANGE, DEFAULT.T, key="T", bind="query-params")
    w_init = sb.selectbox(
        say(words.W_INIT),
        list(W_INITS),
        index=list(W_INITS).index(DEFAULT.w_init),
        format_func=INIT_LABELS.get,
        key="init",
        bind="query-params",
        help=say(words.W_INIT_HELP),
    )
    w_scale = sb.slider(
        say(words.W_SCALE),
        SCALE_MIN,
        SCALE_MAX,
        DEFAULT.w_scale,
        step=SCALE_SLIDER_STEP,
        format=SCALE_FORMAT,
        key="scale",
        bind="query-params",
        help=say(words.W_SCALE_HELP, thresholds=_thresholds()),
    )
    with sb.expander(say(words.MORE)):
        D = st.slider(say(words.INPUT), *D_RANGE, DEFAULT.D, key="D", bind="query-params")
        K = st.slider(say(words.OUTPUT), *K_RANGE, DEFAULT.K, key="K", bind="query-params")
        loss = st.selectbox(
            say(words.LOSS),
            list(LOSSES),
            index=list(LOSSES).index(DEFAULT.loss),
            format_func=LOSS_LABELS.get,
            key="loss",
            bind="query-params",
            help=say(words.LOSS_HELP),
        )
        seed = st.number_input(
            say(words.SEED),
            *SEED_RANGE,
            DEFAULT.seed,
            step=1,
            key="seed",
            bind="query-params",
            help=say(words.SEED_HELP),
        )
        lr = st.select_slider(
            say(words.LEARNING_RATE), LEARNING_RATES, value=DEFAULT.lr, key="lr", bind="query-params"
        )
    net = Network(
        activation=activation,
        H=int(H),
        T=int(T),
        D=int(D),
        K=int(K),
        w_init=w_init,
        w_scale=snap(w_scale, SCALE_STEP),  # as the slider shows it
        loss=loss,
        seed=int(seed),
        lr=float(lr),
    )
    sb.number_input(  # no explicit value: the step buttons set it through st.session_state
        say(words.STEPS),
        0,
        MAX_STEPS,
        step=1,
        key="steps",
        bind="query-params",
        help=say(words.STEPS_HELP),
    )
    predict_mode.control(sb)
    st.session_state["network"] = net
    for note in link_notes(received):
        st.warning(note, icon=":material/link_off:")
    return net


# The sidebar's URL keys: what a link's value is compared with (the label the URL carries for a
# choice, the number for a slider), the control's words, and what it accepts.
LINK_KEYS = ("act", "H", "T", "init", "scale", "D", "K", "loss", "seed", "lr", "steps", predict_mode.KEY)
_CHOICES = {
    "act": ACTIVATION_LABELS,
    "init": INIT_LABELS,
    "loss": LOSS_LABELS,
    predict_mode.KEY: {m: m for m in predict_mode.MODES},
}
_RANGES = {
    "H": H_RANGE,
    "T": T_RANGE,
    "D": D_RANGE,
    "K": K_RANGE,
    "seed": SEED_RANGE,
    "scale": (SCALE_MIN, SCALE_MAX),
    "steps": (0, MAX_STEPS),
}
_LABELS = {
    "act": words.ACTIVATION,
    "H": words.HIDDEN,
    "T": words.LENGTH,
    "init": words.W_INIT,
    "scale": words.W_SCALE_SHORT,
    "D": words.INPUT,
    "K": words.OUTPUT,
    "loss": words.LOSS,
    "seed": words.SEED,
    "lr": words.LEARNING_RATE,
    "steps": words.STEPS,
    predict_mode.KEY: predict_mode.LABEL,
}


def _shown(key: str, value) -> str:
    """A control's value as its widget shows it (the label of a choice, σ_max(W) to two decimals)."""
    if key in _CHOICES:
        return _CHOICES[key][value]
    return format(value, ".2f") if key == "scale" else number(value, "g")


def _valid(key: str, raw: str) -> bool:
    """Whether the link's ``raw`` value is one its control can take (a choice, or a number in range:
    a whole number for the integer controls, one of the rates for lr). A valid value that differs
    from the control's current value is not a fallback: a preset or a step button changed it since."""
    if key in _CHOICES:
        return raw in _CHOICES[key].values()
    try:
        received = float(raw)
    except ValueError:
        return False
    if key == "lr":
        return received in LEARNING_RATES
    low, high = _RANGES[key]
    return low <= received <= high and (key == "scale" or received.is_integer())


def _expected(key: str) -> str:
    if key in _CHOICES:
        return ", ".join(_CHOICES[key].values())
    if key == "lr":
        return ", ".join(number(v, "g") for v in LEARNING_RATES)
    low, high = _RANGES[key]
    return say(words.LINK_RANGE, low=number(low, "g"), high=number(high, "g"))


def link_notes(received: dict) -> list[str]:
    """One sentence per control whose value in the link was not used: what came, what is used.

    ``received`` maps each of :data:`LINK_KEYS` to the link's raw value (None when absent), read
    before the widgets were drawn. Streamlit drops such a value from the URL, so the sentence is
    kept in the session and repeated while the control still holds the value it fell back to.
    """
    kept = st.session_state.setdefault("link_notes", {})
    for key, raw in received.items():
        if raw is None or key not in st.session_state:
            continue
        value = st.session_state[key]
        if not _valid(key, raw):
            kept[key] = (
                say(
                    words.LINK_FALLBACK,
                    label=say(_LABELS[key]),
                    received=raw[:40],
                    expected=_expected(key),
                    used=_shown(key, value),
                ),
                value,
            )
    for key in [k for k, (_, used) in kept.items() if st.session_state.get(k) != used]:
        del kept[key]
    return [note for note, _ in kept.values()]


def _thresholds() -> str:
    """1/γ of every activation, grouped by value: "1 for tanh, ReLU, …; 4 for sigmoid"."""
    groups: dict[float, list[str]] = {}
    for name, act in ACTIVATIONS.items():
        groups.setdefault(1.0 / act.gamma, []).append(ACTIVATION_LABELS[name])
    return "; ".join(
        say(words.THRESHOLD_GROUP, edge=number(e, "g"), names=", ".join(n)) for e, n in sorted(groups.items())
    )


def step_slider(label: str, T: int, default: int, *, key: str, where=None, help: str | None = None) -> int:
    """A URL-bound slider over the steps 1..T (T ≥ 2) whose value follows T down.

    When T drops below the value the slider holds (the student shortened the sequence, or a link
    carries a larger value), the value is lowered to T before the slider is drawn: Streamlit
    refuses a slider whose value lies above its maximum.
    """
    held = st.session_state.get(key)
    if isinstance(held, int) and held > T:
        st.session_state[key] = T
    return int((where or st).slider(label, 1, T, min(default, T), key=key, bind="query-params", help=help))


def current_network() -> Network:
    """The network the sidebar set in this run (defaults when a page runs on its own)."""
    return st.session_state.get("network", DEFAULT)


def current_steps() -> int:
    """How many gradient steps the sidebar says were taken (0 when a page runs on its own)."""
    return int(st.session_state.get("steps", 0))
