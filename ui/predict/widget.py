"""A prediction on a page: the question with no answer chosen, a Commit button, then the reveal.

:func:`ask` returns whether what it predicts may be drawn: True once the student committed (or
when predictions are off, or the question cannot be asked of this network), False while the
question waits. A question's state is keyed by the page, the question and the facts that decide
its answer, so changing the network so that the answer may change asks it again.

The answers and the score live in ``st.session_state`` only: a link does not carry them.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import rnn_core as rc
from ui.i18n import say
from ui.predict import mode
from ui.predict import text as t


def _answers() -> dict:
    return st.session_state.setdefault(mode.ANSWERS, {})


def question_key(page: str, pred: rc.Prediction, context=None) -> str:
    """page:question:digest of what decides it: ``context`` when given (the settings of a run that
    has not happened yet), else the facts and the answer."""
    decided = (
        repr(context)
        if context is not None
        else repr((pred.answer, sorted(pred.facts.items()), pred.options))
    )
    return f"{page}:{pred.key}:{hashlib.sha1(decided.encode()).hexdigest()[:12]}"


def _commit(qkey: str, page: str, pred: rc.Prediction) -> None:
    """The Commit button's callback: record the chosen answer (scored now, or once it is known), or
    ask for one."""
    response = st.session_state.get(f"pr-{qkey}")
    if response is None:
        st.session_state[f"pm-{qkey}"] = True
        return
    st.session_state.pop(f"pm-{qkey}", None)
    right = pred.is_right(response) if pred.askable else None
    _answers()[qkey] = {"page": page, "response": response, "right": right}


def _pending(pred: rc.Prediction) -> bool:
    """A question whose answer comes later (a run not trained yet): it can be committed now."""
    return not pred.askable and bool(pred.facts.get("pending"))


def shown(page: str, pred: rc.Prediction | None, context=None) -> bool:
    """Whether what ``pred`` predicts may be drawn (what :func:`ask` returns), without drawing."""
    if pred is None or not mode.enabled() or (not pred.askable and not _pending(pred)):
        return True
    return question_key(page, pred, context) in _answers()


def ask(page: str, pred: rc.Prediction | None, *, context=None) -> bool:
    """Ask ``pred`` on ``page`` (a short page name) unless it is committed; True when the chart it
    predicts may be drawn. None: nothing to ask of this network. ``context``: what keys the
    question instead of its facts (see :func:`question_key`)."""
    if pred is None or not mode.enabled():
        return True
    pending = _pending(pred)
    if not pred.askable and not pending:
        st.caption(say(t.NOT_ASKED))
        return True
    qkey = question_key(page, pred, context)
    done = _answers().get(qkey)
    with st.container(border=True, key=f"predict-{page}-{pred.key}"):
        if done is None:
            _question(qkey, page, pred)
            return False
        if pending:
            st.info(t.committed(pred, done["response"]), icon=":material/hourglass:")
            return True
        if done["right"] is None:  # committed before the answer existed: score it now
            done["right"] = pred.is_right(done["response"])
        _reveal(pred, done)
    return True


def _question(qkey: str, page: str, pred: rc.Prediction) -> None:
    with st.form(key=f"pf-{qkey}", border=False):
        st.markdown(f"**{say(t.PREDICT)}** · {t.question(pred)}")
        if pred.options is not None:
            st.radio(
                say(t.YOUR_ANSWER),
                pred.options,
                index=None,
                format_func=lambda o: t.option(pred, o),
                key=f"pr-{qkey}",
            )
        else:
            st.number_input(
                t.number_label(pred),
                value=None,
                step=0.1,
                format="%.2f",
                key=f"pr-{qkey}",
                help=t.number_help(pred),
            )
        st.form_submit_button(say(t.COMMIT), type="primary", on_click=_commit, args=(qkey, page, pred))
    if st.session_state.get(f"pm-{qkey}"):
        st.warning(say(t.PICK_FIRST), icon=":material/touch_app:")


def _reveal(pred: rc.Prediction, done: dict) -> None:
    response = done["response"]
    verdict = say(t.RIGHT if done["right"] else t.WRONG)
    line = f"**{verdict}** {t.you_said(pred, response)}"
    if done["right"]:
        st.success(line, icon=":material/check_circle:")
    else:
        st.warning(line, icon=":material/cancel:")
    st.markdown(t.question(pred))
    st.markdown(t.reveal(pred))
    if why := t.tempting(pred, response):
        st.markdown(why)
    st.caption(f"{mode.score_text()} {say(t.SCORE_NOTE)}")
