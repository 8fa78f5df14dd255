"""A new page waits while the machine's CPU is saturated, but never below one page a core."""

from __future__ import annotations

import asyncio

from crawler.admission import BUSY, READ_EVERY, SPACING, Admission


class Machine:
    """/proc/stat as the admission reads it: (busy, total) jiffies that grow as time passes."""

    def __init__(self) -> None:
        self.now = 0.0
        self.busy_fraction = 0.0
        self._busy = self._total = 0.0

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._total += 200 * seconds  # 2 cores, 100 jiffies a second each
        self._busy += 200 * seconds * self.busy_fraction

    def read(self) -> tuple[float, float]:
        return self._busy, self._total


def _admission(machine: Machine, floor: int = 2) -> Admission:
    return Admission(floor, read=machine.read, clock=lambda: machine.now)


def test_pages_start_freely_while_the_cpu_has_room() -> None:
    machine = Machine()
    machine.busy_fraction = BUSY - 0.2
    admission = _admission(machine)

    async def enter_many() -> None:
        for _ in range(6):
            machine.advance(READ_EVERY)
            await asyncio.wait_for(admission.enter(), 1)

    asyncio.run(enter_many())
    assert (admission.open, admission.held) == (6, 0)


def test_a_saturated_machine_holds_new_pages_until_one_closes_or_the_cpu_frees() -> None:
    machine = Machine()
    admission = _admission(machine, floor=2)
    machine.busy_fraction = 1.0
    machine.advance(READ_EVERY)
    admission.saturated()  # a first reading
    machine.advance(READ_EVERY)

    async def scenario() -> list[str]:
        seen: list[str] = []
        await admission.enter()
        await admission.enter()  # below the floor: both start although the CPU is full
        seen.append(f"open {admission.open}")
        third = asyncio.ensure_future(admission.enter())
        await asyncio.sleep(0.3)
        seen.append("third waits" if not third.done() else "third started")
        admission.left()  # a page closed: back under the floor
        await asyncio.wait_for(third, 1)
        seen.append(f"third started, open {admission.open}")
        fourth = asyncio.ensure_future(admission.enter())
        await asyncio.sleep(0.3)
        seen.append("fourth waits" if not fourth.done() else "fourth started")
        machine.busy_fraction = 0.3  # the miners finished
        machine.advance(READ_EVERY)
        await asyncio.wait_for(fourth, 1)
        seen.append(f"fourth started, open {admission.open}")
        return seen

    assert asyncio.run(scenario()) == [
        "open 2",
        "third waits",
        "third started, open 2",
        "fourth waits",
        "fourth started, open 3",
    ]
    assert admission.held == 2


def test_without_proc_stat_nothing_is_held() -> None:
    admission = Admission(1, read=lambda: None)

    async def enter_many() -> None:
        for _ in range(4):
            await asyncio.wait_for(admission.enter(), 1)

    asyncio.run(enter_many())
    assert admission.open == 4


def test_pages_above_the_floor_start_spaced_out_not_all_at_once() -> None:
    machine = Machine()  # idle
    admission = _admission(machine, floor=1)

    async def scenario() -> list[int]:
        opened: list[int] = []
        entering = [asyncio.ensure_future(admission.enter()) for _ in range(3)]
        await asyncio.sleep(0.3)
        opened.append(admission.open)  # the floor's page; the others wait their turn
        for _ in range(2):
            machine.advance(SPACING)
            await asyncio.sleep(0.3)
            opened.append(admission.open)
        await asyncio.wait_for(asyncio.gather(*entering), 1)
        return opened

    assert asyncio.run(scenario()) == [1, 2, 3]
