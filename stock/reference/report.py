"""The outcome of one matching step, in a shape a management command can print."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MatchReport:
    """How many items of one step were matched, and which were not.

    ``unmatched`` holds the source names (or descriptions) that found no counterpart, in file
    order and without duplicates, so that a person can review them.
    """

    step: str
    total: int
    matched: int
    unmatched: tuple[str, ...] = field(default_factory=tuple)

    @property
    def unmatched_count(self) -> int:
        return self.total - self.matched

    @property
    def rate(self) -> float:
        """Share of matched items, 0.0 to 1.0 (1.0 for an empty step)."""
        return self.matched / self.total if self.total else 1.0

    def summary(self) -> str:
        """One line such as ``"provinces: 3344/3344 matched (100.0%)"``."""
        return f"{self.step}: {self.matched}/{self.total} matched ({self.rate:.1%})"

    def lines(self) -> list[str]:
        """The summary line followed by one indented line per unmatched name."""
        return [self.summary(), *(f"  - {name}" for name in self.unmatched)]
