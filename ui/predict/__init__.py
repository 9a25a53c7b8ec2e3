"""Predict, then reveal: before a key chart or number, the page asks the student to commit to a
prediction, then reveals the chart and explains the answer with the live network's numbers.

widget.py draws a question and its reveal and keeps the session's score, calls.py holds the cached
calls that compute the answers (rnn_core.predictions), text.py the words, mode.py the ``pred`` URL
key (on / off). Importing this package imports nothing else: ui/state.py reads mode.py.
"""
