"""Dealing cells to workers so that every worker finishes at about the same time.

A run's wall time is at best (sum of cell times) / workers, and a bad order misses that
floor by its tail: a worker left with a few slow cells while the others are done. The
balancer works on jobs (a cell's index, its group — the engine build, whose host a worker
starts once — and its expected cost) and keeps one queue per worker:

* Groups are dealt largest first to the least loaded worker, whole, so that a build's host
  starts on one worker only. A group larger than a worker's share (pywasm: a third of the
  matrix's time) is cut: its cells, longest first, fill one worker to its share, and the
  rest goes on to the next.
* Each queue runs its longest cells first, so what is left at the end is short cells,
  which balance finely.
* A worker whose queue runs dry takes the cheaper half of the fullest queue's remaining
  cost from that queue's end, cells of builds it has already started first; a worker
  with nothing left to take is done.

Nothing here knows pytest: matrix/scheduling.py feeds it pytest-xdist's items.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    index: int  # the item's place in the collection
    group: str  # the engine build: its cells share a host
    cost: float  # expected seconds


# Work left on the fullest queue (in this run's seconds) below which a dry worker takes no
# cells it would have to start a host for: a host start (0.1 to 4 s) would cost more than
# the time won.
STEAL_MIN_S = 1.0
# How far past its share a worker may be planned to keep a group whole (one host start).
SPLIT_SLACK_S = 2.0


class Balancer:
    def __init__(self, jobs: Iterable[Job], workers: Iterable[Hashable]):
        self.jobs = {job.index: job for job in jobs}
        self.queues: dict[Hashable, deque[int]] = {worker: deque() for worker in workers}
        self.started: dict[Hashable, set[str]] = {worker: set() for worker in self.queues}
        self.planned: dict[Hashable, float] = {worker: 0.0 for worker in self.queues}
        self._estimated = self._measured = 0.0  # of the jobs done so far (see pace)
        self._orphans: list[int] = []  # put back when no worker was there to take them
        if self.queues:
            self._deal()

    def _deal(self) -> None:
        groups: dict[str, list[Job]] = {}
        for job in self.jobs.values():
            groups.setdefault(job.group, []).append(job)
        cost = {group: sum(job.cost for job in jobs) for group, jobs in groups.items()}
        share = sum(cost.values()) / len(self.queues)
        order = list(self.queues)  # ties go to the first worker: the same plan every time
        for group in sorted(groups, key=lambda g: (-cost[g], g)):
            left = sorted(groups[group], key=lambda job: (-job.cost, job.index))
            while left:
                worker = min(order, key=lambda w: (self.planned[w], order.index(w)))
                room = share - self.planned[worker]
                if sum(job.cost for job in left) <= room + SPLIT_SLACK_S or room <= 0:
                    taken, left = left, []
                else:  # fill this worker to its share: longest cells first, each that fits
                    taken, rest, filled = [], [], 0.0
                    for job in left:
                        if not taken or filled + job.cost <= room:
                            taken.append(job)
                            filled += job.cost
                        else:
                            rest.append(job)
                    left = rest
                self.queues[worker] += [job.index for job in taken]
                self.planned[worker] += sum(job.cost for job in taken)
        for worker, queue in self.queues.items():
            self.queues[worker] = deque(self._ordered(list(queue)))

    def _ordered(self, indices: list[int]) -> list[int]:
        """Longest cells first, and cells of one group together, each group placed by its
        longest cell."""
        lead: dict[str, float] = {}
        for index in indices:
            job = self.jobs[index]
            lead[job.group] = max(lead.get(job.group, 0.0), job.cost)

        def rank(index: int) -> tuple:
            job = self.jobs[index]
            return (-lead[job.group], job.group, -job.cost, index)

        return sorted(indices, key=rank)

    # --- while the run goes ------------------------------------------------------------

    def add_worker(self, worker: Hashable) -> None:
        """A worker that joined late (one replacing a crashed worker): it starts with what
        no worker was left to take, if anything."""
        self.queues.setdefault(worker, deque()).extend(self._orphans)
        self._orphans.clear()
        self.started.setdefault(worker, set())
        self.planned.setdefault(worker, 0.0)

    def remove_worker(self, worker: Hashable) -> None:
        """A worker that went away: its queue goes to the others."""
        queue = self.queues.pop(worker, deque())
        self.started.pop(worker, None)
        self.planned.pop(worker, None)
        self.put_back(queue)

    def put_back(self, indices: Iterable[int]) -> None:
        """Jobs to run again (on a crashed worker's, or rescheduled): the shortest queue
        takes them, first."""
        indices = list(indices)
        if not indices:
            return
        if not self.queues:  # no worker left: kept for the one that replaces it
            self._orphans.extend(indices)
            return
        worker = min(self.queues, key=self.remaining)
        self.queues[worker].extendleft(reversed(indices))

    def remaining(self, worker: Hashable) -> float:
        return sum(self.jobs[index].cost for index in self.queues.get(worker, []))

    def take(self, worker: Hashable, count: int) -> list[int]:
        """Up to `count` jobs for the worker: from its own queue, else from the fullest one."""
        queue = self.queues[worker]
        if not queue:
            queue.extend(self._steal_for(worker))
        taken = [queue.popleft() for _ in range(min(count, len(queue)))]
        self.started[worker].update(self.jobs[index].group for index in taken)
        return taken

    def next_cost(self, worker: Hashable) -> float | None:
        """The expected cost of the job the worker would get next, if any is queued."""
        queue = self.queues[worker]
        return self.jobs[queue[0]].cost if queue else None

    def finished(self) -> bool:
        return not self._orphans and not any(self.queues.values())

    def observe(self, index: int, seconds: float) -> None:
        """A job's real time: estimates made on another day (another load) are scaled by
        how this run compares, so that "a second of work left" means a second now."""
        self._estimated += self.jobs[index].cost
        self._measured += seconds

    @property
    def pace(self) -> float:
        """Real seconds per estimated second so far (1 until something is measured)."""
        return self._measured / self._estimated if self._estimated > 0 else 1.0

    def _steal_for(self, thief: Hashable) -> list[int]:
        others = [w for w in self.queues if w != thief and self.queues[w]]
        if not others:
            return []
        victim = max(others, key=self.remaining)
        left = self.remaining(victim)
        wanted = left / 2
        queue = self.queues[victim]
        known = self.started[thief]
        # Cells of builds the thief already has a host for cost no host start: take those
        # whenever there is more than one cell; others only for a real second of work.
        rules = [lambda job: job.group in known]
        if left * self.pace >= STEAL_MIN_S:
            rules.append(lambda job: True)
        # From the queue's end (its shortest cells, its smallest groups); always leave the
        # victim something.
        chosen: set[int] = set()
        got = 0.0
        for rule in rules:
            for index in reversed(queue):
                job = self.jobs[index]
                if got >= wanted or len(chosen) >= len(queue) - 1:
                    break
                if index not in chosen and rule(job):
                    chosen.add(index)
                    got += job.cost
        self.queues[victim] = deque(index for index in queue if index not in chosen)
        return self._ordered([index for index in queue if index in chosen])
