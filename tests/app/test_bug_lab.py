"""AppTest of the Bug lab, opened through the app's entry file: random and named bugs, a guess right
and wrong, the reveal, the link's round trip, and bad values in a link."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import open_app
from ui.bug_lab import bugs, calls
from ui.bug_lab import text as tx
from ui.bug_lab.sections import KEYS, RADIO
from ui.i18n import say
from ui.state import DEFAULT

PAGE = "app_pages/bug_lab.py"


def run_page(**query) -> AppTest:
    return open_app(PAGE, **{k: str(v) for k, v in query.items()})


def texts(at: AppTest, *kinds) -> str:
    kinds = kinds or ("markdown", "info", "warning", "caption", "success", "error")
    return "\n".join(e.value for kind in kinds for e in getattr(at, kind))


def qp(at: AppTest, key: str) -> str | None:
    """The link's value of ``key`` (AppTest holds a string, or a list when the test set it)."""
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def link(at: AppTest) -> dict:
    return {k: qp(at, k) for k in at.query_params}


def literal(template: str) -> str:
    """The words of a template before its first field: what tells its sentence apart."""
    return template.split("{", 1)[0]


def revealed_title(at: AppTest) -> str | None:
    """The title of the bug the reveal names, or None when there is no reveal."""
    shown = texts(at, "success", "error", "info")
    for key, title in ((b.key, say(b.title)) for b in bugs.BUGS):
        if f"the bug is **{title}**" in shown or say(tx.REVEALED, title=title) in shown:
            return key
    return None


def test_the_page_renders_with_a_random_bug_hidden():
    at = run_page()
    assert not at.exception
    assert at.title[0].value == say(tx.TITLE)
    assert len(at.get("vega_lite_chart")) == 2  # the entry heatmap and the step heatmap
    assert qp(at, KEYS["seed"]) == "0"
    assert revealed_title(at) is None
    assert not at.code or all(c.language != "diff" for c in at.code)
    # the verdict names the gradients that disagree, read from the check the page drew
    result = calls.lab_check(DEFAULT, 0, bugs.pick_bug(0))
    body = texts(at, "markdown")
    for e in result.check.entries:
        assert (f"**∂L/∂{e.name}**: {e.n_bad} of {e.n_checked}" in body) == bool(e.n_bad)


@pytest.mark.parametrize("seed", [1, 5])
def test_a_seed_in_the_link_chooses_the_bug_at_random(seed):
    at = run_page(bl_seed=seed, bl_reveal=1)
    assert not at.exception
    assert revealed_title(at) == bugs.pick_bug(seed)
    diff = next(c for c in at.code if c.language == "diff")
    assert diff.value == bugs.diff(bugs.get_bug(bugs.pick_bug(seed)))


def test_a_bug_named_in_the_link_is_that_bug_and_the_lab_says_what_it_changed():
    at = run_page(bl_bug="not_reset", bl_reveal=1)
    assert not at.exception
    assert revealed_title(at) == "not_reset"
    assert say(tx.BUG_BY_NAME) in texts(at, "markdown")
    info = texts(at, "info")
    assert literal(tx.CHANGED) in info and "B from 1 to 2" in info


def pick_and_submit(at: AppTest, key: str) -> AppTest:
    at.radio(key=RADIO).set_value(key).run()
    at.button(key="bl_submit").click().run()
    return at


def test_a_right_guess_is_told_right_with_the_diff_and_the_reason():
    key = bugs.pick_bug(2)
    at = pick_and_submit(run_page(bl_seed=2), key)
    assert not at.exception
    assert at.success and say(tx.RIGHT, title=say(bugs.get_bug(key).title)) in at.success[0].value
    assert qp(at, KEYS["pick"]) == key and qp(at, KEYS["reveal"]) == "1"
    assert any(c.language == "diff" for c in at.code)
    assert say(bugs.get_bug(key).explanation) in texts(at, "markdown")
    assert literal(tx.FOUND) in texts(at, "markdown")


def test_a_wrong_guess_is_told_wrong_and_names_the_bug():
    key = bugs.pick_bug(2)
    wrong = next(k for k in bugs.KEYS if k != key)
    at = pick_and_submit(run_page(bl_seed=2), wrong)
    assert not at.exception
    assert at.error
    assert (
        say(tx.WRONG, guess=say(bugs.get_bug(wrong).title), title=say(bugs.get_bug(key).title))
        in at.error[0].value
    )


def test_the_link_round_trips_the_bug_the_guess_and_the_reveal():
    key = bugs.pick_bug(4)
    at = pick_and_submit(run_page(bl_seed=4), key)
    query = link(at)
    again = open_app(PAGE, **query)
    assert not again.exception
    assert again.radio(key=RADIO).value == key
    assert again.success and revealed_title(again) == key
    assert link(again) == query


def test_new_bug_draws_another_one_and_hides_it_again():
    at = run_page(bl_seed=3, bl_reveal=1, bl_pick=bugs.KEYS[0])
    before = bugs.pick_bug(3)
    at.button(key="bl_new").click().run()
    assert not at.exception
    seed = int(qp(at, KEYS["seed"]))
    assert bugs.pick_bug(seed) != before
    assert KEYS["reveal"] not in at.query_params and KEYS["pick"] not in at.query_params
    assert revealed_title(at) is None
    assert at.radio(key=RADIO).value is None


def test_show_the_bug_without_a_guess():
    at = run_page(bl_seed=6)
    at.button(key="bl_show").click().run()
    assert not at.exception
    assert revealed_title(at) == bugs.pick_bug(6)
    assert not at.success and not at.error


@pytest.mark.parametrize(
    "query, note",
    [
        (dict(bl_bug="<b>nope</b>", bl_reveal=1), tx.BAD_BUG),
        (dict(bl_seed="banana", bl_reveal=1), tx.BAD_SEED),
        (dict(bl_seed="-3", bl_reveal=1), tx.BAD_SEED),
        (dict(bl_seed="1e999", bl_reveal=1), tx.BAD_SEED),
    ],
)
def test_a_bad_value_in_the_link_falls_back_with_a_note(query, note):
    at = run_page(**query)
    assert not at.exception
    assert literal(note) in texts(at, "warning")
    assert revealed_title(at) == bugs.pick_bug(0)  # the seeded choice of the default seed
    assert KEYS["bug"] not in at.query_params
    assert qp(at, KEYS["seed"]) == "0"


def test_bad_pick_and_reveal_values_are_dropped():
    at = run_page(bl_pick="zzz", bl_reveal="yes")
    assert not at.exception
    assert KEYS["pick"] not in at.query_params and KEYS["reveal"] not in at.query_params
    assert revealed_title(at) is None


def test_the_sidebar_network_reaches_the_check():
    at = run_page(act="sigmoid", H=6, T=9, bl_bug="prev_state")
    assert not at.exception
    assert "sigmoid, H = 6, T = 9" in texts(at, "markdown")


def test_after_gradient_steps_the_lab_quotes_the_sigma_max_of_the_trained_w():
    # /bug_lab?steps=25: the settings line said "σ_max(W) = 1, after 25 gradient steps", the
    # initial value, while the W the check runs on has moved
    import numpy as np

    import rnn_core as rc
    from ui.format import number

    at = run_page(steps=25, bl_bug="prev_state")
    assert not at.exception
    # the 25 full-batch steps written out here: θ ← θ − lr·∂L/∂θ on the sidebar's sequence
    net = DEFAULT
    params = rc.RNNParams.init(net.D, net.H, net.K, w_init=net.w_init, w_scale=net.w_scale, seed=net.seed)
    xs, targets = rc.random_sequence(net.T, net.D, net.K, loss=net.loss, seed=net.seed)
    for _ in range(25):
        trace = rc.forward(params, xs, targets, activation=net.activation, loss=net.loss)
        params = params.sgd_step(rc.bptt(params, trace), net.lr)
    trained = np.linalg.svd(params.W, compute_uv=False)[0]
    assert number(trained, ".4g") != number(net.w_scale, ".4g")  # the steps moved it
    (line,) = [m.value for m in at.markdown if m.value.startswith(literal(tx.SETTINGS))]
    assert f"σ_max(W) = {number(trained, '.4g')}, initialised to {number(net.w_scale, '.4g')}" in line
    assert "after 25 gradient steps" in line
