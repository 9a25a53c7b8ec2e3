"""The Training lab: the sidebar's network trained on a long-range toy task by :func:`rnn_core.train`.

By kind: :mod:`.settings` (what a run depends on, and the controls' ranges), :mod:`.presets` (the
classic findings), :mod:`.runs` (the runs compared in the session, the queue, the URL's run flag),
:mod:`.calls` (a run trained and cached), :mod:`.tables` (the summary table and the CSV),
:mod:`.charts` (plain Altair builders), :mod:`.text` (every sentence and label, as templates) and
:mod:`.sections` (the page's sections that draw with st.* calls).
"""
