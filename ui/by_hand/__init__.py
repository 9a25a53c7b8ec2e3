"""The "Work it by hand" page: a worked example small enough for paper, and the student's answers checked."""
