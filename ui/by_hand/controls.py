"""The "Work it by hand" page's controls: their ranges, defaults and URL keys (prefix wx_), and the
settings they return.

Every control is bound to a URL query parameter, so a link reproduces the exercise, the stages
open, and the steps revealed and the answers typed in them; a value in a link that is garbage or out
of range opens with that control's default (Streamlit drops it).

A stage's steps are drawn only while its panel is open (each step is a card with a text box, a button
and an expander: drawing all of them on every rerun cost the server several times a trivial page). A
value typed in a stage is kept for the session while the stage is closed, and is back in the link
when it opens again.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from rnn_core import ACTIVATIONS, LOSSES
from ui.by_hand import text as tx
from ui.i18n import say
from ui.state import ACTIVATION_LABELS, LEARNING_RATES, LOSS_LABELS, step_slider

# Paper-sized limits: every number of the computation fits on a page or two.
T_MIN, T_MAX = 1, 5
H_MIN, H_MAX = 1, 3
SEED_MAX = 9999
D, K = 1, 2  # the homework's sizes: one input, two classes
DECIMALS = 2  # parameters, inputs and targets are rounded to this many decimals before use
PREFIX = "wx_"
KEYS = dict(T="wx_T", s="wx_s", H="wx_H", activation="wx_act", loss="wx_loss", seed="wx_seed", lr="wx_lr")
REVEAL_PREFIX = "wx_r_"  # + a step's name: its "Reveal" expander, open or closed
ANSWER_PREFIX = "wx_in_"  # + a step's name: the value the student typed
CHECK_PREFIX = "wx_chk_"  # + a step's name: its Check button
CHECKED = "wx_checked"  # session state: the names whose Check was pressed
STAGE_PREFIX = "wx_open_"  # + a stage's name: its panel of steps, open or closed


@dataclass(frozen=True)
class ExampleSettings:
    """What the page's controls set: the arguments of rnn_core.worked_example."""

    T: int = 3
    s: int = 3
    H: int = 2
    activation: str = "tanh"
    loss: str = "softmax_ce"
    seed: int = 0
    lr: float = 0.1

    def arguments(self) -> dict:
        """Keyword arguments for rnn_core.worked_example."""
        return dict(
            H=self.H, D=D, K=K, T=self.T, s=self.s, activation=self.activation, loss=self.loss,
            lr=self.lr, seed=self.seed, decimals=DECIMALS,
        )  # fmt: skip


DEFAULT = ExampleSettings()


def reveal_key(name: str) -> str:
    return REVEAL_PREFIX + name


def answer_key(name: str) -> str:
    return ANSWER_PREFIX + name


def stage_key(stage: str) -> str:
    return STAGE_PREFIX + stage


def linked_steps(names) -> bool:
    """Whether the link carries an answer or a reveal of one of the steps ``names``."""
    params = st.query_params
    return any(answer_key(n) in params or reveal_key(n) in params for n in names)


def example_controls() -> ExampleSettings:
    """Draw the exercise's controls in three columns; return the settings they ask for."""
    bound = dict(bind="query-params")
    c1, c2, c3 = st.columns(3)
    T = c1.slider(say(tx.T_LABEL), T_MIN, T_MAX, DEFAULT.T, key=KEYS["T"], **bound)
    if T > 1:
        s = step_slider(say(tx.S_LABEL), int(T), DEFAULT.s, key=KEYS["s"], where=c1, help=say(tx.S_HELP))
    else:
        s = 1
        c1.caption(say(tx.ONLY_STEP))
    H = c2.slider(say(tx.H_LABEL), H_MIN, H_MAX, DEFAULT.H, key=KEYS["H"], help=say(tx.H_HELP), **bound)
    activations = list(ACTIVATIONS)
    activation = c2.selectbox(
        say(tx.ACTIVATION_LABEL),
        activations,
        index=activations.index(DEFAULT.activation),
        format_func=ACTIVATION_LABELS.get,
        key=KEYS["activation"],
        **bound,
    )
    losses = list(LOSSES)
    loss = c3.selectbox(
        say(tx.LOSS_LABEL),
        losses,
        index=losses.index(DEFAULT.loss),
        format_func=LOSS_LABELS.get,
        key=KEYS["loss"],
        **bound,
    )
    seed = c3.number_input(
        say(tx.SEED_LABEL),
        0,
        SEED_MAX,
        DEFAULT.seed,
        step=1,
        key=KEYS["seed"],
        help=say(tx.SEED_HELP),
        **bound,
    )
    lr = c3.select_slider(say(tx.LR_LABEL), LEARNING_RATES, value=DEFAULT.lr, key=KEYS["lr"], **bound)
    return ExampleSettings(
        T=int(T), s=int(s), H=int(H), activation=activation, loss=loss, seed=int(seed), lr=float(lr)
    )


def mark_checked(name: str) -> None:
    """on_click of a step's Check button: its verdict is shown from now on."""
    st.session_state[CHECKED] = st.session_state.get(CHECKED, frozenset()) | {name}


def was_checked(name: str) -> bool:
    return name in st.session_state.get(CHECKED, frozenset())


def reveal_all(names: tuple[str, ...], open_: bool, stages: tuple[str, ...] = ()) -> None:
    """on_click of "Reveal all" / "Hide all": every step's expander opened or closed; revealing also
    opens the panels of ``stages``, where those steps are drawn (hiding leaves them as they are)."""
    for name in names:
        key = reveal_key(name)
        if open_ and key not in st.session_state:  # not drawn yet: its value goes in by the link
            st.query_params[key] = "true"
        st.session_state[key] = open_
    if open_:
        for stage in stages:
            st.session_state[stage_key(stage)] = True
