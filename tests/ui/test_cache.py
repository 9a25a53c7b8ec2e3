"""ui.cache: st.cache_data looked up by the digest of the pickled arguments."""

import threading
from dataclasses import replace

import numpy as np
import pytest

from ui.cache import cache_data, key_of
from ui.state import Network

CALLS: list[tuple] = []


@cache_data(max_entries=16, show_spinner=False)
def doubled(net: Network, steps: int) -> dict:
    CALLS.append(("doubled", net, steps))
    return {"H": 2 * net.H, "steps": steps}


@cache_data(max_entries=16, show_spinner=False)
def tripled(net: Network, steps: int) -> dict:
    CALLS.append(("tripled", net, steps))
    return {"H": 3 * net.H, "steps": steps}


@pytest.fixture(autouse=True)
def fresh():
    doubled.clear()
    tripled.clear()
    CALLS.clear()


def test_a_call_runs_once_per_distinct_arguments_and_copies_hit():
    net = Network(H=8)
    assert doubled(net, 3) == {"H": 16, "steps": 3}
    assert doubled(replace(net), 3) == {"H": 16, "steps": 3}  # an equal copy: the same entry
    assert doubled(net, steps=3) == {"H": 16, "steps": 3}  # by keyword: another call, another entry
    assert doubled(replace(net, H=9), 3) == {"H": 18, "steps": 3}
    assert doubled(net, 4) == {"H": 16, "steps": 4}
    assert [c[1:] for c in CALLS] == [(net, 3), (net, 3), (replace(net, H=9), 3), (net, 4)]


def test_two_functions_with_the_same_arguments_do_not_share_entries():
    net = Network(H=5)
    assert doubled(net, 0)["H"] == 10 and tripled(net, 0)["H"] == 15
    assert [c[0] for c in CALLS] == ["doubled", "tripled"]


def test_the_digest_tells_apart_what_differs_and_nothing_else():
    net = Network()
    assert key_of((net, 1), {}) == key_of((replace(net), 1), {})
    fields = dict(H=net.H + 1, T=net.T + 1, activation="relu", w_scale=net.w_scale + 1e-12, seed=net.seed + 1)
    keys = {key_of((replace(net, **{k: v}), 1), {}) for k, v in fields.items()}
    assert len(keys) == len(fields) and key_of((net, 1), {}) not in keys
    a = np.arange(4.0)
    b = a.copy()
    b[3] = np.nextafter(b[3], 10)  # one ulp apart
    assert key_of((a,), {}) != key_of((b,), {}) and key_of((a,), {}) == key_of((a.copy(),), {})
    assert key_of((lambda: 0,), {}) is None  # does not pickle


@cache_data(max_entries=4, show_spinner=False)
def named(f, x: int) -> str:
    CALLS.append(("named", x))
    return f"{f.name}:{x}"


def test_arguments_that_do_not_pickle_use_streamlits_own_hashing(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("a")
    with open(path) as f:  # an open file does not pickle; Streamlit hashes it (by name and position)
        assert key_of((f, 3), {}) is None
        assert named(f, 3) == named(f, 3) == f"{path}:3" and named(f, 4) == f"{path}:4"
    assert CALLS == [("named", 3), ("named", 4)]


@cache_data(max_entries=16, show_spinner=False)
def factorial(n: int) -> int:
    return 1 if n <= 1 else n * factorial(n - 1)


@cache_data(max_entries=16, show_spinner=False)
def outer_sum(net: Network, steps: int) -> int:
    inner = doubled(net, steps)  # the same arguments, so the same digest, in another cache
    return inner["H"] + steps


def test_a_cached_function_may_call_itself_and_others_with_the_same_arguments():
    factorial.clear()
    outer_sum.clear()
    assert factorial(6) == 720 and factorial(7) == 5040
    net = Network(H=4)
    assert outer_sum(net, 2) == 10 and doubled(net, 2) == {"H": 8, "steps": 2}
    assert outer_sum(replace(net, H=5), 2) == 12


def test_concurrent_calls_in_threads_get_their_own_arguments():
    results: dict[int, dict] = {}

    def call(h):
        results[h] = doubled(Network(H=h), h)

    threads = [threading.Thread(target=call, args=(h,)) for h in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {h: {"H": 2 * h, "steps": h} for h in range(1, 9)}
