"""A time budget per article: a deadline its long loops check, so that one huge or hostile
article is stopped and reported instead of stalling a whole build.

The check is cooperative (a loop asks the clock at a chunk, a sentence or a batch of
matches), never a signal: it works the same in the build's worker processes, in the main
thread of `campaign-map` and in the script thread where Streamlit runs a build, and a
stopped article leaves no half-done state behind, since nothing it made is kept.
"""

from __future__ import annotations

import time

# A news article takes well under a second (10,000 characters: 0.3 s on one core with the
# NER model); a text at the 5 MB upload limit, dense with places and dates, 140 s (115 s
# of it the geoparse, see benchmarks/long_articles.py). The budget lets even that through
# with room for a slower machine, and stops what would take longer: something is wrong
# with a text that does.
DEFAULT_BUDGET_S = 300.0
# How many items a tight loop handles between two looks at the clock (a look is cheap,
# but not free beside a dictionary lookup).
CHECK_EVERY = 256


class BudgetExceeded(Exception):
    """An article's work ran past its deadline; `str()` is the one-line reason."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        super().__init__(f"took longer than {budget_s:g} s; skipped")


class Deadline:
    """The moment an article's work must be done by, from `seconds` after its creation.

    `Deadline(None)` never expires (the work is unbounded, as for a benchmark). `check()`
    raises `BudgetExceeded` once the moment has passed; loops call it at their natural
    boundaries.
    """

    def __init__(self, seconds: float | None) -> None:
        self.budget_s = seconds
        self._ends = None if seconds is None else time.monotonic() + seconds

    @property
    def expired(self) -> bool:
        return self._ends is not None and time.monotonic() >= self._ends

    def remaining(self) -> float | None:
        """Seconds left (never below zero), or None without a budget."""
        return None if self._ends is None else max(0.0, self._ends - time.monotonic())

    def check(self) -> None:
        """Raise `BudgetExceeded` when the deadline has passed."""
        if self._ends is not None and time.monotonic() >= self._ends:
            raise BudgetExceeded(self.budget_s or 0.0)

    def check_every(self, count: int) -> None:
        """`check()` on every CHECK_EVERY-th item of a loop (`count` is the item's index)."""
        if self._ends is not None and count % CHECK_EVERY == 0:
            self.check()


NO_DEADLINE = Deadline(None)


def deadline_after(seconds: float | None) -> Deadline:
    """A deadline `seconds` from now; `NO_DEADLINE` for None (no budget)."""
    return NO_DEADLINE if seconds is None else Deadline(seconds)
