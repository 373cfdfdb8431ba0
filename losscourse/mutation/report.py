"""What grading the mutants found: one :class:`Outcome` per mutant, and the assignment's
:class:`Report` (kill rate, survivors, the text ``losscourse mutate`` prints).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .constants import TARGET_KILL_RATE
from .operators import Mutant


@dataclass
class Outcome:
    mutant: Mutant
    points: float
    max_points: float
    equivalent: str = ""  # the reason, if declared equivalent
    messages: dict[str, str] = field(default_factory=dict)  # failed test -> message

    task_points: float = 0.0  # of the mutated task's own tests (visible and hidden)
    task_max_points: float = 0.0

    @property
    def killed(self) -> bool:
        return self.points < self.max_points

    @property
    def scores_zero(self) -> bool:
        """Whether the mutated task's own tests give it nothing (what a trivial answer must get)."""
        return self.task_points == 0


@dataclass
class Report:
    assignment: str
    outcomes: list[Outcome]
    stale_equivalents: list[str]

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.mutant.kind == kind]

    @property
    def counted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.mutant.kind in ("operator", "bug") and not o.equivalent]

    @property
    def trivial_scoring(self) -> list[Outcome]:
        """Trivial answers that earn points on their task (there must be none)."""
        return [o for o in self.of("trivial") if not o.scores_zero]

    @property
    def kill_rate(self) -> float:
        counted = self.counted
        return sum(o.killed for o in counted) / len(counted) if counted else 1.0

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.counted if not o.killed]

    @property
    def passed(self) -> bool:
        """Whether the tests are good enough: kill rate reached, no alternative short of full marks,
        no trivial answer scoring on its task."""
        alternatives_short = any(o.killed for o in self.of("alternative"))
        return self.kill_rate >= TARGET_KILL_RATE and not alternatives_short and not self.trivial_scoring

    def text(self) -> str:
        counted = self.counted
        lines = [
            f"{self.assignment}: {sum(o.killed for o in counted)} of {len(counted)} mutants killed "
            f"({self.kill_rate:.1%}; {len(self.of('bug'))} hand-written bugs among them), "
            f"{sum(bool(o.equivalent) for o in self.outcomes)} declared equivalent, "
            f"{sum(not o.killed for o in self.of('alternative'))} of {len(self.of('alternative'))} "
            "alternative solutions at full marks, "
            f"{len(self.of('trivial')) - len(self.trivial_scoring)} of {len(self.of('trivial'))} trivial answers "
            "score 0 on their task"
        ]
        per_task: dict[str, list[Outcome]] = {}
        for o in counted:
            per_task.setdefault(o.mutant.task, []).append(o)
        for task, outs in per_task.items():
            lines.append(f"  {task}: {sum(o.killed for o in outs)}/{len(outs)} killed")
        for o in self.survivors:
            lines.append(f"  SURVIVED {o.mutant.task}: {o.mutant.label}")
        for o in self.of("alternative"):
            if o.killed:
                lines.append(
                    f"  ALTERNATIVE LOST POINTS {o.mutant.task}: {o.mutant.label} ({o.points:g}/{o.max_points:g}): "
                    + "; ".join(f"{k}: {v[:300]}" for k, v in o.messages.items())
                )
        for o in self.trivial_scoring:
            lines.append(
                f"  TRIVIAL ANSWER SCORES {o.mutant.task}: {o.mutant.label} ({o.task_points:g}/{o.task_max_points:g})"
            )
        for label in self.stale_equivalents:
            lines.append(f"  STALE EQUIVALENT (no such mutant): {label}")
        return "\n".join(lines)
