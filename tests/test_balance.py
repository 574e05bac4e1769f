"""Dealing cells to workers (matrix/balance.py): builds kept together, long cells first,
the slow family spread, and a dry worker taking work from the fullest queue."""

from __future__ import annotations

import random

from matrix.balance import STEAL_MIN_S, Balancer, Job


def jobs_of(groups: dict[str, list[float]]) -> list[Job]:
    jobs: list[Job] = []
    for group, costs in groups.items():
        for cost in costs:
            jobs.append(Job(len(jobs), group, cost))
    return jobs


def run(balancer: Balancer, workers: list[str]) -> dict[str, float]:
    """Simulate the workers: each takes its next job when it is free; returns each
    worker's finishing time."""
    clock = dict.fromkeys(workers, 0.0)
    done: set[int] = set()
    active = set(workers)
    while active:
        worker = min(active, key=lambda w: (clock[w], w))
        taken = balancer.take(worker, 1)
        if not taken:
            active.discard(worker)
            continue
        for index in taken:
            assert index not in done
            done.add(index)
            clock[worker] += balancer.jobs[index].cost
    assert done == set(balancer.jobs)
    return clock


def test_every_job_is_dealt_once_and_builds_stay_whole():
    jobs = jobs_of({f"engine-{n}": [0.01 * (n + 1)] * 40 for n in range(10)})
    balancer = Balancer(jobs, ["a", "b"])
    dealt = [index for queue in balancer.queues.values() for index in queue]
    assert sorted(dealt) == sorted(job.index for job in jobs)
    for group in {job.group for job in jobs}:
        holders = [w for w, q in balancer.queues.items() if any(jobs[i].group == group for i in q)]
        assert len(holders) == 1, group


def test_a_build_bigger_than_a_share_is_spread_longest_cells_first():
    # One slow family worth more than half of everything (pywasm in the full matrix).
    slow = [20.0, 15.0, 12.0] + [1.0] * 60 + [0.02] * 100
    jobs = jobs_of({"pywasm": slow, **{f"fast-{n}": [0.05] * 200 for n in range(6)}})
    balancer = Balancer(jobs, ["a", "b"])
    holders = {w for w, q in balancer.queues.items() if any(jobs[i].group == "pywasm" for i in q)}
    assert holders == {"a", "b"}
    # The longest cell of all comes first on its worker.
    firsts = [jobs[q[0]].cost for q in balancer.queues.values()]
    assert max(firsts) == 20.0
    finish = run(balancer, ["a", "b"])
    total = sum(job.cost for job in jobs)
    assert max(finish.values()) - total / 2 < 2.0


def test_each_queue_runs_its_longest_cells_first_and_a_build_in_one_stretch():
    jobs = jobs_of({"x": [0.1, 3.0, 0.2], "y": [1.0, 0.5], "z": [0.3]})
    balancer = Balancer(jobs, ["only"])
    order = list(balancer.queues["only"])
    assert [jobs[i].group for i in order] == ["x", "x", "x", "y", "y", "z"]
    assert [jobs[i].cost for i in order] == [3.0, 0.2, 0.1, 1.0, 0.5, 0.3]


def test_a_dry_worker_takes_the_cheap_end_of_the_fullest_queue():
    jobs = jobs_of({"slow": [5.0] * 4, "fast": [0.5] * 8})
    balancer = Balancer(jobs, ["a", "b"])
    # However the plan came out, a worker that has finished its own queue takes work.
    mine = list(balancer.queues["a"])
    balancer.queues["b"].extend(mine)
    balancer.queues["a"].clear()
    before = balancer.remaining("b")
    stolen = balancer.take("a", 100)
    assert stolen
    assert balancer.remaining("b") >= before / 2 - 5.0
    assert all(i not in balancer.queues["b"] for i in stolen)


def test_a_worker_stops_rather_than_start_a_host_for_a_moment_of_work():
    jobs = jobs_of({"x": [STEAL_MIN_S / 4] * 3})
    balancer = Balancer(jobs, ["a", "b"])
    owner = next(w for w, q in balancer.queues.items() if q)
    other = "b" if owner == "a" else "a"
    assert balancer.take(other, 1) == []


def test_estimates_that_are_wrong_are_evened_out_at_the_end():
    rng = random.Random(7)
    groups = {f"engine-{n}": [rng.uniform(0.001, 0.05) for _ in range(300)] for n in range(30)}
    groups["slow"] = [rng.uniform(0.5, 15.0) for _ in range(40)]
    jobs = jobs_of(groups)
    balancer = Balancer(jobs, ["a", "b"])
    # The run turns out different from the plan: every cell takes up to 3x its estimate.
    actual = [Job(job.index, job.group, job.cost * rng.uniform(0.3, 3.0)) for job in jobs]
    balancer.jobs = {job.index: job for job in actual}
    finish = run(balancer, ["a", "b"])
    assert abs(finish["a"] - finish["b"]) < 15.0  # at most about one slow cell apart


def test_the_plan_is_the_same_every_time():
    jobs = jobs_of({f"e{n}": [0.1 * n] * 5 for n in range(1, 8)})
    first = Balancer(jobs, ["a", "b"]).queues
    again = Balancer(list(reversed(jobs)), ["a", "b"]).queues
    assert first == again


def test_a_lost_worker_s_queue_goes_to_the_others():
    jobs = jobs_of({"x": [1.0] * 10, "y": [1.0] * 10})
    balancer = Balancer(jobs, ["a", "b"])
    lost = set(balancer.queues["a"])
    balancer.remove_worker("a")
    assert lost <= set(balancer.queues["b"])
    balancer.add_worker("c")
    assert balancer.take("c", 1)


class FakeNode:
    """A worker as xdist's controller sees it: it is sent cells and, at the end, shutdown."""

    def __init__(self, name: str):
        self.gateway = type("Gateway", (), {"id": name})()
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices):
        assert not self.shutting_down
        self.sent += list(indices)

    def shutdown(self):
        self.shutting_down = True


def test_the_xdist_scheduler_sends_every_cell_once_a_few_at_a_time(monkeypatch):
    from matrix import scheduling

    monkeypatch.setattr(
        "xdist.workermanage.parse_tx_spec_config", lambda config: ["popen", "popen"]
    )
    jobs = jobs_of({"pywasm": [9.0, 7.0] + [0.5] * 6, "node": [0.01] * 30, "wasm3": [0.02] * 30})
    collection = [f"case.yaml::cell-{job.index}" for job in jobs]
    scheduler = scheduling.CostScheduling(object(), lambda ids: jobs, log=None)
    nodes = [FakeNode("gw0"), FakeNode("gw1")]
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    for node in nodes:  # never more than three cells ahead
        assert 2 <= len(scheduler.node2pending[node]) <= 3
    # Run them: the worker with the least time done finishes its first pending cell.
    clock = {node: 0.0 for node in nodes}
    while not scheduler.tests_finished:
        busy = [node for node in nodes if scheduler.node2pending[node]]
        node = min(busy, key=lambda n: clock[n])
        index = scheduler.node2pending[node][0]
        clock[node] += jobs[index].cost
        scheduler.mark_test_complete(node, index, jobs[index].cost)
    for node in nodes:  # the last cells, which need no next one
        for index in list(scheduler.node2pending[node]):
            clock[node] += jobs[index].cost
            scheduler.mark_test_complete(node, index, jobs[index].cost)
    sent = nodes[0].sent + nodes[1].sent
    assert sorted(sent) == list(range(len(jobs)))
    assert all(node.shutting_down for node in nodes)
    # The slow family is spread, and the two workers end close together.
    assert {jobs[i].group for i in nodes[0].sent} & {"pywasm"}
    assert {jobs[i].group for i in nodes[1].sent} & {"pywasm"}
    assert abs(clock[nodes[0]] - clock[nodes[1]]) < 2.0
    summary = scheduler.summary()
    assert sum(worker["cells"] for worker in summary.values()) == len(jobs)


def test_a_slower_day_than_the_estimates_is_measured_and_a_dry_worker_still_takes_work():
    jobs = jobs_of({"x": [0.03] * 30})  # 0.9 s estimated in all: not worth a host start
    balancer = Balancer(jobs, ["a", "b"])
    owner = next(w for w, q in balancer.queues.items() if q)
    other = "b" if owner == "a" else "a"
    assert balancer.take(other, 1) == []
    for index in balancer.take(owner, 2):
        balancer.observe(index, 0.6)  # each took 20x its estimate today
    assert balancer.pace == 20.0
    assert balancer.take(other, 1)  # 0.84 estimated seconds left are 17 real ones


def test_cells_of_the_last_worker_to_crash_wait_for_its_replacement():
    jobs = jobs_of({"x": [1.0] * 4})
    balancer = Balancer(jobs, ["a"])
    balancer.take("a", 1)
    balancer.remove_worker("a")  # its queue goes back, with no one to take it
    assert not balancer.finished()
    balancer.add_worker("a2")
    assert len(balancer.take("a2", 10)) == 3
    assert balancer.finished()
