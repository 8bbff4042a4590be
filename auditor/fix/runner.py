"""Applying fixes the way ``ruff --fix`` does: in passes, until nothing applicable is left.

A pass takes every applicable fix of the report in order and keeps those whose edits do not overlap an
edit already kept (identical edits, such as an import two fixes both need, are applied once); the others
wait for the next pass, which starts from a new scan of the edited text. A fix is applied whole or not
at all. Every edited file must still parse and compile: a fix that would break it is dropped (and
reported), the file keeps the fixes that do not. Nothing is written here: the passes run on texts in
memory (``scan(overlay=...)``), and ``writer`` writes the result.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field

from auditor.fix import attach
from auditor.fix.edits import apply

MAX_PASSES = 10


@dataclass
class Outcome:
    report: object  # the report after the last pass (a scan of the fixed texts)
    originals: dict = field(default_factory=dict)  # path -> text before any fix
    texts: dict = field(default_factory=dict)  # path -> text after the fixes
    applied: list = field(default_factory=list)  # (rule id, paths edited) of every finding fixed
    problems: list = field(default_factory=list)  # (path, message): fixes dropped
    passes: int = 0

    @property
    def changed(self) -> dict:
        return {p: t for p, t in self.texts.items() if t != self.originals.get(p)}

    def fixed(self, skip: set = frozenset()) -> Counter:
        """Findings fixed per rule, leaving out those whose edits touch a file in ``skip`` (not written)."""
        return Counter(rule for rule, paths in self.applied if not paths & set(skip))

    def total(self, skip: set = frozenset()) -> int:
        return sum(self.fixed(skip).values())


def compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def run(report, config, rescan, unsafe: bool) -> Outcome:
    """Fix ``report``'s findings. ``rescan(overlay)`` scans again with ``overlay`` (path -> text)."""
    out = Outcome(report)
    blocked: set = set()  # fixes (rule, edit keys) that broke a file: never tried again
    for n in range(MAX_PASSES + 1):
        attach(report, config, unsafe)
        out.problems += [p for p in report.fix_notes if p not in out.problems]
        todo = sorted((f for f in report.findings if f.fix is not None and f.fix.applies(unsafe)
                       and _key(f) not in blocked), key=lambda f: f.sort_key())
        kept, edits = [], []
        for f in todo:
            if any(e.overlaps(k) for e in f.fix.edits for k in edits):
                continue  # the next pass, after a new scan
            kept.append(f)
            edits.extend(f.fix.edits)
        if not kept:
            break
        if n == MAX_PASSES:
            out.problems.append((kept[0].path, f"fixes still applicable after {MAX_PASSES} passes; stopped "
                                               "(please report it)"))
            break
        out.passes += 1
        applied = _apply(report, kept, out, blocked)
        if not applied:
            break
        for f in applied:
            out.applied.append((f.rule_id, frozenset(e.path for e in f.fix.edits)))
        report = rescan(dict(out.texts))
    attach(report, config, unsafe)
    out.report = report
    return out


def _key(f) -> tuple:
    return (f.rule_id,) + tuple(e.key() for e in f.fix.edits)


def _apply(report, kept: list, out: Outcome, blocked: set) -> list:
    """Apply the kept fixes file by file; return the findings whose fix went in."""
    by_path: dict = {}
    for f in kept:
        for path in {e.path for e in f.fix.edits}:
            by_path.setdefault(path, []).append(f)
    failed: set = set()
    new_texts: dict = {}
    for path, fixes in by_path.items():
        text = out.texts.get(path, report.sources[path].text)
        if path not in out.originals and not compiles(report.sources[path].text, path):
            # parses but does not compile ('return' outside a function...): never touched
            for f in fixes:
                failed.add(id(f))
                blocked.add(_key(f))
            out.problems.append((path, "does not compile as it is; not fixed"))
            continue
        out.originals.setdefault(path, report.sources[path].text)
        new = apply(text, [e for f in fixes for e in f.fix.edits if e.path == path])
        if not compiles(new, path):
            # find the fixes that break it: apply one at a time, keep those that compile
            new = text
            for f in fixes:
                cand = apply(new, [e for e in f.fix.edits if e.path == path])
                if compiles(cand, path):
                    new = cand
                else:
                    failed.add(id(f))
                    blocked.add(_key(f))
                    out.problems.append((path, f"the {f.rule_id} fix at line {f.line} would not compile; not applied"))
        new_texts[path] = new
    done = []
    for f in kept:
        if id(f) in failed:
            continue
        done.append(f)
    # a fix spanning files whose other file failed keeps its applied part only if no file failed for it
    for path, new in new_texts.items():
        out.texts[path] = new
    return done
