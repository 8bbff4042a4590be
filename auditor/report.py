"""The report object every reporter renders: nothing downstream recomputes anything."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("note", "warning", "error")


@dataclass
class Location:
    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Finding:
    rule_id: str
    category: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    end_line: int | None = None
    fix_location: Location | None = None  # where the fix belongs (e.g. the client constructor)
    related: list = field(default_factory=list)  # [(Location, description)]
    suppressed: str | None = None  # the reason of an inline suppression, "" when none was given
    fix: object = None  # auditor.fix.Fix: the edits that resolve it, when there is a mechanical fix
    origin: object = field(default=None, repr=False, compare=False)  # what produced it (in memory only)

    def sort_key(self):
        return (self.path, self.line, self.column, self.rule_id)


@dataclass
class CallRecord:
    path: str
    line: int
    column: int
    provider: str
    api: str
    kind: str
    model: str | None
    resolved: bool


@dataclass
class FileError:
    path: str
    message: str


@dataclass
class Report:
    root: str
    findings: list = field(default_factory=list)  # active findings
    suppressed: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    missing_paths: list = field(default_factory=list)  # paths given on the command line that do not exist
    resolved: list = field(default_factory=list)  # the ResolvedCall objects behind `calls` (in memory only)
    score: object = None  # checklist.Score
    project: object = None  # the link.Project the calls were resolved in (in memory only)
    baselined: list = field(default_factory=list)  # findings the baseline file already lists (not reported)
    only: object = None  # display paths checks were limited to (--diff-base), None for all
    sources: dict = field(default_factory=dict, repr=False)  # display path -> engine.Source (in memory only)
    fixed: int | None = None  # findings fixed by --fix (None when no fix was asked for)
    unsafe_fixes: bool = False  # --unsafe-fixes: unsafe fixes count as applicable
    fix_notes: list = field(default_factory=list)  # (path, message): fixes that could not be planned
    files_scanned: int = 0
    files_parsed: int = 0
    seconds: float = 0.0

    def failing(self, fail_on: str) -> list:
        floor = SEVERITIES.index(fail_on)
        return [f for f in self.findings if SEVERITIES.index(f.severity) >= floor]
