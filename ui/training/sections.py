"""The Training lab's sections that draw with st.* calls: the presets, the controls, a run trained
with live charts, the notes above the compared runs, their summary and their four charts."""

from __future__ import annotations

import time
from collections.abc import Sequence

import streamlit as st

import rnn_core as rc
from rnn_core import TASKS
from ui.chart_cache import draw_chart, show_chart
from ui.i18n import say
from ui.state import LEARNING_RATES, Network
from ui.training import calls, presets, runs, settings, tables, text
from ui.training.calls import RunRecord
from ui.training.charts import chart_set
from ui.training.settings import DEFAULT, RunSettings

LIVE_REDRAW_SECONDS = 0.5  # live charts are redrawn at most this often: drawing costs more than a step
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
    charts = chart_set(shown, text.run_labels([r.settings for r in shown]))
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
    """The run ``s``: from the cache, or trained now with a progress bar and live charts.

    ``progress`` and ``live`` are st.empty() placeholders; the live charts show ``shown`` (finished
    runs) with the run in progress; ``i`` of ``n`` is its place in the queue. Returns (record, True
    when it came from the cache).
    """
    record = calls.cached_run(s)
    if record is not None:
        return record, True
    records: list[dict] = []
    last_draw = [time.monotonic()]

    def on_step(step: int, rec: dict) -> None:
        records.append(rec)
        done = step + 1
        if 100 * done // s.steps > 100 * step // s.steps:  # once per percent: each update is a message
            progress.progress(done / s.steps, text=text.progress(done, s.steps, i, n))
        if time.monotonic() - last_draw[0] >= LIVE_REDRAW_SECONDS:
            draw_charts(live, [*shown, calls.partial_record(s, records)], notices=False)
            last_draw[0] = time.monotonic()

    record = calls.train_run(s, on_step)
    calls.store_run(record)
    return record, False


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
            tables.runs_csv(compared, labels),
            file_name=tables.CSV_NAME,
            mime="text/csv",
            key="tcsv",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
            help=say(text.DOWNLOAD_HELP),
        )
