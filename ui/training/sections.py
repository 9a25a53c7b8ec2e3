"""The Training lab's sections that draw with st.* calls: the presets, the controls, a run trained
with live charts, the notes above the compared runs, their summary and their four charts."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

import streamlit as st

import rnn_core as rc
from rnn_core import TASKS
from ui import turns
from ui.chart_cache import draw_chart, language, show_chart
from ui.i18n import say
from ui.state import LEARNING_RATES, Network
from ui.training import calls, presets, runs, settings, tables, text
from ui.training.calls import RunRecord
from ui.training.charts import chart_set
from ui.training.settings import DEFAULT, RunSettings

LIVE_REDRAW_SECONDS = 0.5  # live charts are redrawn at most this often: drawing costs more than a step
POLL_SECONDS = 0.1  # how often a session looks at the progress of the run it waits for
PROGRESS_SECONDS = 0.25  # the progress bar moves at most this often (each move is a message)
# Many sessions watching one run (a class pressing Train together) share its live pictures: the
# live charts show the run at one of LIVE_SNAPSHOTS evenly spaced steps (built once for every
# watcher), and each watcher redraws the charts and moves its bar less often the more watchers
# there are (LIVE_WATCHERS at the full rate; the bar at least every PROGRESS_SECONDS_MAX): every
# message a script sends wakes the server's event loop, and fifty sessions sending at full rate
# would starve the other pages.
LIVE_SNAPSHOTS = 25
LIVE_WATCHERS = 4
PROGRESS_SECONDS_MAX = 1.0
# When a run that a class followed ends, the sessions that followed its job hold its one result
# object, so the charts of a set of results are built once and kept here by the results' identity
# (the entry holds the results, so an id cannot be reused while its entry lives).
SHARED_ENTRIES = 32
_shared_lock = threading.Lock()
_shared: OrderedDict[tuple, tuple] = OrderedDict()


def _shared_value(key: tuple, keep: tuple, build):
    """The value stored under ``key`` (kept with the objects ``keep``), else ``build()`` stored.

    The sessions asking for the same value (a herd whose job just ended) take their turns one
    after the other (ui.turns), so the first one builds it and the others find it here.
    """
    with _shared_lock:
        if key in _shared:
            _shared.move_to_end(key)
            return _shared[key][1]
    value = build()
    with _shared_lock:
        _shared[key] = (keep, value)
        while len(_shared) > SHARED_ENTRIES:
            _shared.popitem(last=False)
    return value


def shared_chart_set(shown: Sequence[RunRecord]):
    """:func:`chart_set` of ``shown`` with its run labels, built once per set of result objects."""
    labels = text.run_labels([r.settings for r in shown])
    results = tuple(r.result for r in shown)
    key = ("charts", tuple(id(r) for r in results), tuple(labels), language())
    return _shared_value(key, results, lambda: chart_set(shown, labels))


def shared_csv(compared: Sequence[RunRecord], labels: Sequence[str]) -> str:
    """:func:`tables.runs_csv` of the compared runs, built once per set of result objects."""
    results = tuple(r.result for r in compared)
    key = ("csv", tuple(id(r) for r in results), tuple(labels), language())
    return _shared_value(key, results, lambda: tables.runs_csv(compared, labels))


def live_record(job, s: RunSettings, records: Sequence[dict], done: int) -> RunRecord:
    """The run of ``job`` after its first ``done`` steps: one object for every session watching it."""
    return _shared_value(("live", job.id, done), (job,), lambda: calls.partial_record(s, records[:done]))


GRID = (("loss", "grad_norm"), ("share", "sigma"))
ICONS = {"error": ":material/error:", "success": ":material/school:", "warning": ":material/warning:"}


def preset_buttons() -> None:
    """One button per classic finding, with what it shows underneath."""
    for column, preset in zip(st.columns(len(presets.PRESETS)), presets.PRESETS):
        with column:
            st.button(
                text.preset_title(preset.key),
                key=f"tpre_{preset.key}",
                on_click=presets.apply_preset,
                args=(preset.key,),
                width="stretch",
            )
            st.caption(text.preset_expect(preset))


def run_controls(net: Network) -> tuple[RunSettings, int]:
    """The page's own controls in four columns; returns the run they ask for and the τ asked for."""
    keys = settings.KEYS
    c_task, c_clip, c_tau, c_sgd = st.columns(4)
    tasks = list(TASKS)
    bound = dict(bind="query-params")
    task = c_task.selectbox(
        say(text.TASK),
        tasks,
        index=tasks.index(DEFAULT.task),
        format_func=settings.TASK_LABELS.get,
        key=keys["task"],
        **bound,
    )
    cells = list(rc.CELL_NAMES)
    cell = c_task.selectbox(
        say(text.CELL),
        cells,
        index=cells.index(DEFAULT.cell),
        format_func=settings.CELL_LABELS.get,
        key=keys["cell"],
        help=say(text.CELL_HELP),
        **bound,
    )
    T = c_task.slider(
        say(text.T_LABEL),
        settings.T_MIN,
        settings.T_MAX,
        DEFAULT.T,
        key=keys["T"],
        help=say(text.T_HELP),
        **bound,
    )
    clip = c_clip.selectbox(
        say(text.CLIP),
        settings.CLIP_OPTIONS,
        index=settings.CLIP_OPTIONS.index(DEFAULT.clip),
        key=keys["clip"],
        help=say(text.CLIP_HELP),
        **bound,
    )
    threshold = c_clip.select_slider(
        say(text.THRESHOLD),
        settings.THRESHOLDS,
        value=DEFAULT.threshold,
        key=keys["threshold"],
        disabled=clip == "none",
        **bound,
    )
    tau = c_tau.slider(
        say(text.TAU), 0, settings.TAU_MAX, DEFAULT.tau, key=keys["tau"], help=say(text.TAU_HELP), **bound
    )
    optimizers = list(rc.OPTIMIZERS)
    optimizer = c_tau.selectbox(
        say(text.OPTIMIZER),
        optimizers,
        index=optimizers.index(DEFAULT.optimizer),
        format_func=settings.OPTIMIZER_LABELS.get,
        key=keys["optimizer"],
        help=say(text.OPTIMIZER_HELP),
        **bound,
    )
    lr = c_tau.select_slider(say(text.LR), LEARNING_RATES, value=DEFAULT.lr, key=keys["lr"], **bound)
    steps = c_sgd.slider(
        say(text.STEPS),
        settings.STEPS_MIN,
        settings.STEPS_MAX,
        DEFAULT.steps,
        step=settings.STEPS_STEP,
        key=keys["steps"],
        **bound,
    )
    batch_size = c_sgd.select_slider(
        say(text.BATCH),
        settings.BATCH_SIZES,
        value=DEFAULT.batch_size,
        key=keys["batch_size"],
        help=say(text.BATCH_HELP),
        **bound,
    )
    chosen = settings.settings_from(
        net,
        task=task,
        T=int(T),
        cell=cell,
        clip=clip,
        threshold=float(threshold),
        tau=int(tau),
        optimizer=optimizer,
        lr=float(lr),
        steps=int(steps),
        batch_size=int(batch_size),
    )
    return chosen, int(tau)


def draw_charts(area, shown: Sequence[RunRecord], *, notices: bool = True) -> None:
    """Draw the four charts of ``shown`` in a 2 × 2 grid into the placeholder ``area``.

    With ``notices`` each chart gets its "Notice: …" caption (the finished view); without, the
    bare charts (the live view, redrawn while a run trains). Titles are drawn as text above the
    charts: the theme crops Vega titles of charts in columns.
    """
    charts = shared_chart_set(shown)
    with area.container():
        for row in GRID:
            for column, name in zip(st.columns(2), row):
                with column:
                    st.markdown(f"**{say(text.CHART_TITLES[name])}**")
                    if notices:
                        show_chart(charts.charts[name], text.notice(name, charts.notes[name]))
                    else:
                        draw_chart(charts.charts[name])


def run_with_progress(
    s: RunSettings, progress, live, shown: Sequence[RunRecord] = (), *, i: int = 1, n: int = 1
):
    """The run ``s``: from the cache, or followed while it trains with a progress bar and live charts.

    ``progress`` and ``live`` are st.empty() placeholders; the live charts show ``shown`` (finished
    runs) with the run in progress; ``i`` of ``n`` is its place in the queue. The run trains in a
    job that every session asking for the same settings shares (:func:`calls.training_job`).
    Returns (record, True when it came from the cache).
    """
    record = calls.cached_run(s)
    if record is not None:
        return record, True
    job = calls.training_job(s)
    if job is None:  # another session stored it a moment ago
        return calls.cached_run(s), True
    try:
        follow(job, s, progress, live, shown, i=i, n=n)
        return calls.job_record(job), False
    finally:
        calls.release_job(job)


def follow(job, s: RunSettings, progress, live, shown: Sequence[RunRecord], *, i: int, n: int) -> None:
    """Draw ``job``'s progress and its live charts until it ends.

    The progress bar moves at most every :data:`PROGRESS_SECONDS` and the live charts are redrawn
    at most every :data:`LIVE_REDRAW_SECONDS` (both less often when many sessions watch the job),
    checked at each step that arrived, at the latest of the run's shared snapshot steps.
    """
    seen = drawn = 0
    last_draw = last_progress = time.monotonic()
    snapshot = max(1, s.steps // LIVE_SNAPSHOTS)
    while True:
        with turns.aside():  # the other sessions' runs go on while this one waits for the job
            ended = job.wait(POLL_SECONDS)
        records = list(job.records)
        now, crowd = time.monotonic(), max(1.0, job.waiters / LIVE_WATCHERS)
        bar_interval = min(PROGRESS_SECONDS_MAX, PROGRESS_SECONDS * crowd)
        if len(records) > seen and not ended and now - last_progress >= bar_interval:
            progress.progress(len(records) / s.steps, text=text.progress(len(records), s.steps, i, n))
            last_progress = now
        interval = LIVE_REDRAW_SECONDS * crowd
        # each step that arrived is a chance to redraw, as when the page trained in its own thread
        for done in range(seen + 1, len(records) + 1):
            shared = done if LIVE_REDRAW_SECONDS == 0 else len(records) // snapshot * snapshot
            if shared > drawn and time.monotonic() - last_draw >= interval:
                draw_charts(live, [*shown, live_record(job, s, records, shared)], notices=False)
                last_draw, drawn = time.monotonic(), shared
        seen = len(records)
        if ended:
            return
        # Reading the session state is where Streamlit stops this script when the session asks for a
        # newer run (a widget moved): the job is then released, and cancelled if nobody else waits.
        _ = runs.RUNS_KEY in st.session_state


def train_queue(queue: Sequence[RunSettings], progress, live) -> list[tuple[str, str]]:
    """Train (or read from the cache) each run of ``queue`` and keep it for comparison; returns the
    notes (kind, sentence) to say above the compared runs."""
    notes, fresh = [], []
    for i, run in enumerate(queue):
        try:
            record, from_cache = run_with_progress(
                run, progress, live, runs.compared_runs(), i=i + 1, n=len(queue)
            )
        except ValueError as error:  # a combination rnn_core refuses: say so, never a traceback
            notes.append(("error", say(text.NOT_STARTED, error=error)))
            continue
        if runs.add_run(record) is not None:
            notes.append(("caption", say(text.DROPPED, n=runs.MAX_RUNS)))
        fresh.append(from_cache)
    progress.empty()
    if fresh and all(fresh):
        notes.append(("caption", say(text.FROM_CACHE)))
    return notes


def draw_notes(
    where,
    notes: list[tuple[str, str]],
    compared: Sequence[RunRecord],
    labels: Sequence[str],
    chosen: RunSettings,
) -> None:
    """The notes of this rerun; whether the runs shown are the controls' (stale); what they share;
    what the chosen preset expected and the runs measured (else each run's verdict); why any run
    stopped; and which truncated runs keep no long-range path."""
    stale = text.stale_note(chosen, runs.stale_run(chosen, compared))
    if stale:
        notes.append(("warning", stale))
    paired = text.paired_note([r.settings for r in compared])
    if paired:
        notes.append(("caption", paired))
    preset = presets.PRESETS_BY_KEY.get(runs.chosen_preset())
    if preset is not None and compared:
        notes.append(("success", text.preset_seen(preset, compared, labels)))
    elif compared:
        lines = [
            say(text.MEASURED_LINE, sentence=text.verdict_sentence(r, label))
            for r, label in zip(compared, labels)
        ]
        notes.append(("markdown", "\n".join(lines)))
    for record, label in zip(compared, labels):
        stopped = text.stop_message(record, label)
        if stopped:
            notes.append(("warning", stopped))
        truncated = text.truncated_note(record, label)
        if truncated:
            notes.append(("caption", truncated))
    with where.container():
        for kind, sentence in notes:
            if kind == "caption":
                st.caption(sentence)
            elif kind == "markdown":
                st.markdown(sentence)
            else:
                getattr(st, kind)(sentence, icon=ICONS[kind])


def draw_summary(where, compared: Sequence[RunRecord], labels: Sequence[str]) -> None:
    """The summary table, a remove button per run, "Clear all runs" and the CSV download."""
    with where.container():
        st.dataframe(tables.summary_table(compared, labels), hide_index=True)
        st.caption(text.summary_caption())
        for column, (i, label) in zip(st.columns(runs.MAX_RUNS), enumerate(labels)):
            column.button(
                label,
                key=f"trm{i}",
                on_click=runs.remove_run,
                args=(i,),
                icon=":material/close:",
                help=say(text.REMOVE_HELP, label=label),
                width="stretch",
            )
        clear, download, _ = st.columns([1, 1, 2])
        clear.button(say(text.CLEAR), key="tclear", on_click=runs.clear_runs, width="stretch")
        download.download_button(
            say(text.DOWNLOAD),
            shared_csv(compared, labels),
            file_name=tables.CSV_NAME,
            mime="text/csv",
            key="tcsv",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
            help=say(text.DOWNLOAD_HELP),
        )
