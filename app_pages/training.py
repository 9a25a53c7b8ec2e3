"""Training lab: train the sidebar's network on a long-range task and watch vanishing and exploding
gradients change what it learns."""

import streamlit as st

import ui.training as tl
from rnn_core import TASKS
from ui.formulas import training_update_latex
from ui.state import LEARNING_RATES, current_network

net = current_network()

st.title("Training lab")
st.write(
    "A recurrent network can only learn from an input if the gradient carries the error back to it. "
    "Here the network is **trained** on a task whose answer depends on an input far back in the "
    "sequence, and you watch what vanishing and exploding gradients do to *learning*: the loss, the "
    "size of the gradient, how much of ∂L/∂W comes from long paths, and σ_max(W), step by step."
)
st.markdown(tl.task_bullets())
st.write(
    "Each training step draws a fresh batch of B sequences and takes one step of stochastic gradient "
    "descent on the loss per sequence L/B, scored at step T only (the update is written under the "
    "controls below)."
)
st.info(
    "**The sidebar's activation, H, W initialisation, σ_max(W) and seed are the network trained here.** "
    "Its D, K, T, loss, learning rate and gradient steps do not apply on this page: the task fixes D, K "
    "and the loss, and the page has its own T, learning rate and number of steps below.",
    icon=":material/info:",
)

with st.expander("What is measured, exactly"):
    st.markdown(
        "The gradient of W sums one term per path: the error δₖ⁽ˢ⁾ = ∂L⁽ˢ⁾/∂a⁽ᵏ⁾ that the loss at step "
        "s sends back to step k, times h⁽ᵏ⁻¹⁾ᵀ. Grouping the terms by their distance d = s − k:"
    )
    st.latex(tl.SHARE_LATEX)
    st.markdown(
        "Here only L⁽ᵀ⁾ is scored, so the long-range part is the part of ∂L/∂W that comes from steps "
        "k ≤ T − ⌊T/2⌋: the only part that can teach the network about the distant input. The "
        "baseline is the loss of the best constant output on each batch (the mean answer for "
        "adding, the symbol frequencies for remember-first). ‖g‖ is the norm of all of U, W, V, b, c "
        "together, before clipping; σ_max(W) is measured before each step."
    )

# --- presets ---------------------------------------------------------------------------------------
st.subheader("Classic findings")
st.caption("Each button sets the controls (and the sidebar), trains the runs it needs and overlays them.")
for column, preset in zip(st.columns(len(tl.PRESETS)), tl.PRESETS):
    with column:
        st.button(
            preset.title,
            key=f"tpre_{preset.key}",
            on_click=tl.apply_preset,
            args=(preset.key,),
            width="stretch",
        )
        st.caption(preset.expect)

# --- controls --------------------------------------------------------------------------------------
st.subheader("Your run")
c_task, c_clip, c_tau, c_sgd = st.columns(4)
with c_task:
    task = st.selectbox(
        "Task",
        list(TASKS),
        index=list(TASKS).index(tl.DEFAULT.task),
        format_func=tl.TASK_LABELS.get,
        key="task",
        bind="query-params",
    )
    T = st.slider(
        "Dependency length T",
        tl.T_MIN,
        tl.T_MAX,
        tl.DEFAULT.T,
        key="tT",
        bind="query-params",
        help="The sequence length. The answer is scored at step T; the input it needs is at step 1 "
        "(remember-first) or in the first half (adding).",
    )
with c_clip:
    clip = st.selectbox(
        "Gradient clipping",
        tl.CLIP_OPTIONS,
        index=tl.CLIP_OPTIONS.index(tl.DEFAULT.clip),
        key="tclip",
        bind="query-params",
        help="norm: rescale g when ‖g‖ > threshold (Pascanu, Mikolov & Bengio 2013); elementwise: "
        "clip each entry to ±threshold (the direction can change).",
    )
    threshold = st.select_slider(
        "Clipping threshold",
        tl.THRESHOLDS,
        value=tl.DEFAULT.threshold,
        key="tthr",
        bind="query-params",
        disabled=clip == "none",
    )
with c_tau:
    tau = st.slider(
        "Truncation τ (0 = full BPTT)",
        0,
        tl.TAU_MAX,
        tl.DEFAULT.tau,
        key="ttau",
        bind="query-params",
        help="Truncated BPTT keeps only the paths of ∂L/∂θ over fewer than τ steps. τ ≥ T keeps all.",
    )
    lr = st.select_slider(
        "Learning rate lr", LEARNING_RATES, value=tl.DEFAULT.lr, key="tlr", bind="query-params"
    )
with c_sgd:
    steps = st.slider(
        "Training steps",
        tl.STEPS_MIN,
        tl.STEPS_MAX,
        tl.DEFAULT.steps,
        step=tl.STEPS_STEP,
        key="tsteps",
        bind="query-params",
    )
    batch_size = st.select_slider(
        "Batch size B",
        tl.BATCH_SIZES,
        value=tl.DEFAULT.batch_size,
        key="tB",
        bind="query-params",
        help="Sequences per step; each step draws a fresh batch. The baseline is the best constant "
        "guess for each batch, fitted to that batch.",
    )

settings = tl.settings_from(
    net,
    task=task,
    T=int(T),
    clip=clip,
    threshold=float(threshold),
    tau=int(tau),
    lr=float(lr),
    steps=int(steps),
    batch_size=int(batch_size),
)
st.latex(training_update_latex(settings.clip))
if tau and settings.tau == 0:
    st.caption(f"τ = {tau} ≥ T = {settings.T}: every path is kept, as in full BPTT.")
if settings.batch_size == 1:
    st.caption(
        "With B = 1 the best constant guess fits the one sequence of each batch exactly, so the "
        "baseline is 0 and the loss cannot be compared with it: take B ≥ 8 for that."
    )
long_run = tl.long_run_message(settings)
if long_run:
    st.warning(long_run[0], icon=":material/hourglass:")
pressed = st.button(
    "Train",
    type="primary",
    key="ttrain",
    icon=":material/play_arrow:",
    disabled=bool(long_run and long_run[1]),
)

# --- training --------------------------------------------------------------------------------------
queue = tl.take_queue()
refused = bool(long_run and long_run[1])
if pressed:
    queue = [settings]
    st.session_state.pop(tl.PRESET_KEY, None)
    st.query_params[tl.RUN_PARAM] = "1"  # a link to this page now reproduces the run, not just its settings
elif not queue and not tl.compared_runs() and st.query_params.get(tl.RUN_PARAM) == "1" and not refused:
    queue = [settings]  # opened from such a link (or reloaded): train it again, or read it from the cache

progress = st.empty()
st.subheader("Compared runs")
# placeholders (not containers): each replaces the previous run's content at once, so nothing stale
# is left on screen while a new run trains
messages = st.empty()
summary = st.empty()
chart_area = st.empty()

notes = []  # (kind, text) said above the compared runs
fresh = []
for i, run in enumerate(queue):
    prefix = f"Run {i + 1} of {len(queue)}: " if len(queue) > 1 else ""
    try:
        record, from_cache = tl.run_with_progress(
            run, progress, chart_area, tl.compared_runs(), caption=prefix
        )
    except ValueError as error:  # a combination rnn_core refuses: say so, never a traceback
        notes.append(("error", f"This run could not start: {error}"))
        continue
    if tl.add_run(record) is not None:
        notes.append(("caption", f"At most {tl.MAX_RUNS} runs are compared: the oldest one was removed."))
    fresh.append(from_cache)
progress.empty()

runs = tl.compared_runs()
labels = tl.run_labels([r.settings for r in runs])
if fresh and all(fresh):
    notes.append(("caption", "These settings were trained before: the finished run came from the cache."))
preset = tl.PRESETS_BY_KEY.get(st.session_state.get(tl.PRESET_KEY))
if preset is not None and runs:
    notes.append(("success", f"**{preset.title}.** What to see: {preset.expect}"))
for record, label in zip(runs, labels):
    text = tl.stop_message(record, label)
    if text:
        notes.append(("warning", text))
ICONS = {"error": ":material/error:", "success": ":material/school:", "warning": ":material/warning:"}
with messages.container():
    for kind, text in notes:
        if kind == "caption":
            st.caption(text)
        else:
            getattr(st, kind)(text, icon=ICONS[kind])

if not runs:
    chart_area.info(
        "No run yet. Press **Train** to train the network with the settings above, or a classic "
        "finding to set them up and train.",
        icon=":material/model_training:",
    )
    st.stop()

with summary.container():
    st.dataframe(tl.summary_table(runs, labels), hide_index=True)
    st.caption(
        "Final loss / baseline: the mean L/B over the last 10% of the steps divided by the mean "
        "baseline there (1: no better than the constant guess). Long-range share: its median over the run."
    )
    for column, (i, label) in zip(st.columns(tl.MAX_RUNS), enumerate(labels)):
        column.button(
            label,
            key=f"trm{i}",
            on_click=tl.remove_run,
            args=(i,),
            icon=":material/close:",
            help=f"Remove the run “{label}” from the comparison.",
            width="stretch",
        )
    clear, download, _ = st.columns([1, 1, 2])
    clear.button("Clear all runs", key="tclear", on_click=tl.clear_runs, width="stretch")
    download.download_button(
        "Download CSV",
        tl.runs_csv(runs, labels),
        file_name="training_runs.csv",
        mime="text/csv",
        key="tcsv",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        help="Every step of every compared run: run label, settings and the whole history.",
    )

tl.draw_charts(chart_area, runs)
