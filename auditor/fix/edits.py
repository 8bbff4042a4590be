"""Edits and fixes: what a fix changes, as plain data every reporter can print."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` of the file by ``new_text`` (offsets in characters of the text the
    scan read). Lines and columns are 1-based, in characters; the end is exclusive (the column after the
    last character replaced); an insertion has start == end."""

    path: str
    start: int
    end: int
    new_text: str
    line: int
    column: int
    end_line: int
    end_column: int

    def key(self) -> tuple:
        return self.path, self.start, self.end, self.new_text

    def overlaps(self, other: Edit) -> bool:
        """Two edits of one file that cannot both be applied in one pass: their ranges share characters,
        or they insert different text at the same place (which comes first is not defined). Identical
        edits (an import two fixes both need) do not overlap: one is applied."""
        if self.path != other.path or self.key() == other.key():
            return False
        if self.start < other.end and other.start < self.end:
            return True
        if self.start == self.end == other.start == other.end:
            return True
        # an insertion at the very edge of a replaced range belongs to neither side: keep them apart
        return (self.start == self.end and other.start < self.start < other.end) or (
            other.start == other.end and self.start < other.start < self.end)

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column, "end_line": self.end_line,
                "end_column": self.end_column, "new_text": self.new_text}


@dataclass
class Fix:
    """The edits that resolve one finding. ``applicability`` as ruff means it: ``safe`` keeps what the
    program does and is applied by ``--fix``; ``unsafe`` changes behaviour and needs ``--unsafe-fixes``."""

    rule_id: str
    applicability: str
    message: str
    edits: tuple

    @property
    def safe(self) -> bool:
        return self.applicability == "safe"

    def applies(self, unsafe: bool) -> bool:
        return self.safe or unsafe

    def as_dict(self) -> dict:
        return {"applicability": self.applicability, "message": self.message,
                "edits": [e.as_dict() for e in self.edits]}


def apply(text: str, edits: list) -> str:
    """``text`` with ``edits`` (of one file, none overlapping) applied."""
    out = []
    pos = 0
    for e in sorted({e.key(): e for e in edits}.values(), key=lambda e: (e.start, e.end)):
        out.append(text[pos:e.start])
        out.append(e.new_text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
