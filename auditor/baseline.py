"""Baselines: record today's findings so a scan reports only new ones (``llm-audit baseline``, ``--baseline``).

A finding is identified by its path (relative to the baseline file's folder), its rule and a SHA-256
of its line's text with whitespace collapsed, never by its line number: code that moves keeps its
entry. The baseline counts findings per key, so an old entry cannot hide a second, new finding on an
identical line. The line itself is never stored (it may hold a key), only its hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

DEFAULT_FILE = ".llm-audit-baseline.json"
VERSION = 1


class BaselineError(Exception):
    """A baseline file that is missing or not one of ours (exit status 2)."""


def normalise(line: str) -> str:
    return " ".join(line.split())


def line_hash(line: str) -> str:
    return hashlib.sha256(normalise(line).encode("utf-8")).hexdigest()


class _Lines:
    def __init__(self, root: str, sources: dict | None = None):
        self.root = Path(root)
        self.sources = sources or {}  # the scan's texts (what --fix's passes see before anything is written)
        self._cache: dict[str, list] = {}

    def get(self, path: str, line: int) -> str:
        src = self.sources.get(path)
        if path not in self._cache and src is not None and src.text is not None:
            self._cache[path] = src.text.splitlines()
        if path not in self._cache:
            p = Path(path) if Path(path).is_absolute() else self.root / path
            try:
                self._cache[path] = p.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._cache[path] = []
        lines = self._cache[path]
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _rel(path: str, root: str, base: Path) -> str:
    p = path if os.path.isabs(path) else os.path.join(root, path)
    try:
        rel = os.path.relpath(p, base)
    except ValueError:  # another drive on Windows
        rel = p
    return rel.replace(os.sep, "/")


def _keys(findings, root: str, base: Path, sources: dict | None = None):
    lines = _Lines(root, sources)
    for f in findings:
        yield f, (_rel(f.path, root, base), f.rule_id, line_hash(lines.get(f.path, f.line)))


def write(report, out: Path) -> int:
    """Write the report's active findings to ``out``; returns how many were written."""
    base = out.resolve().parent
    counts = Counter(key for _f, key in _keys(report.findings, report.root, base))
    entries = [{"path": p, "rule_id": r, "line_hash": h, "count": n} for (p, r, h), n in sorted(counts.items())]
    data = {"tool": "llm-audit", "version": VERSION,
            "note": "findings accepted when this file was written; line_hash is SHA-256 of the whitespace-"
                    "collapsed line, the line itself is not stored",
            "findings": entries}
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return sum(counts.values())


def load(path: Path) -> Counter:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file (create one with 'llm-audit baseline')") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a valid baseline file: {exc}") from exc
    if not isinstance(data, dict) or data.get("tool") != "llm-audit" or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not an llm-audit baseline file (expected an object with 'tool' and 'findings')")
    if data.get("version") != VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {data.get('version')!r} (expected {VERSION})")
    counts: Counter = Counter()
    for i, e in enumerate(data["findings"]):
        ok = isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("path", "rule_id", "line_hash"))
        n = e.get("count", 1) if isinstance(e, dict) else None
        if not ok or not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise BaselineError(f"{path}: findings[{i}]: expected path, rule_id, line_hash and a positive count")
        counts[(e["path"], e["rule_id"], e["line_hash"])] += n
    return counts


def apply(report, path: Path) -> None:
    """Move the findings the baseline at ``path`` accounts for from ``report.findings`` to ``report.baselined``."""
    counts = load(path)
    base = path.resolve().parent
    kept, baselined = [], []
    for f, key in _keys(report.findings, report.root, base, getattr(report, "sources", None)):
        if counts[key] > 0:
            counts[key] -= 1
            baselined.append(f)
        else:
            kept.append(f)
    report.findings = kept
    report.baselined = baselined
