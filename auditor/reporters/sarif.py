"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

One run; ``tool.driver.rules`` holds one entry per check the results use, documented from the
check module's docstring. Results carry ``partialFingerprints.primaryLocationLineHash`` computed
exactly as GitHub's upload action does (codeql-action ``src/fingerprints.ts``), so uploading does
not recompute a different value. Inline-suppressed findings are kept, marked with ``suppressions``.
Files not scanned become tool execution notifications. No source text is copied into the log.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from auditor import __version__

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/OWNER/llm-audit"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000  # GitHub code scanning: results per run
MAX_RELATED = 1_000  # GitHub code scanning: related locations per result

# Security checks are scored (GitHub shows them as security alerts); the rest are quality checks.
SECURITY_SEVERITY = {"LLM201": "8.0", "LLM109": "9.0"}
SECURITY_CATEGORIES = {"secret": "8.0"}
# How often a finding of each check is right; flow checks judge code around the call and guess more.
PRECISION = {"LLM105": "medium", "LLM106": "medium", "LLM107": "medium"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}

_NOT_SCANNED = "A file could not be read, decoded or parsed and was not audited."
_TRUNCATED = "More results than GitHub code scanning accepts in one run (25,000); the rest were left out."
NOTIFICATIONS = [
    {"id": "LLMA-E1", "name": "FileNotScanned", "shortDescription": {"text": _NOT_SCANNED},
     "fullDescription": {"text": _NOT_SCANNED + " The message says why (syntax error, binary file, "
                                 "undecodable text, over the size limit, path not found)."},
     "help": {"text": "Fix the file or exclude it in the configuration; run the console format to see the reason."}},
    {"id": "LLMA-W1", "name": "ResultsTruncated", "shortDescription": {"text": _TRUNCATED},
     "fullDescription": {"text": _TRUNCATED + " The log keeps the first results in report order."},
     "help": {"text": "Narrow the scan (--select, exclude) or use --format json for the complete report."}},
]

# ----- fingerprints (codeql-action src/fingerprints.ts) ----------------------------------------------

_MASK = (1 << 64) - 1
_BLOCK = 100
_MOD = 37
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_TAB, _SPACE, _LF, _CR, _EOF = 9, 32, 10, 13, 65535


def line_hashes(text: str) -> dict[int, str]:
    """``{line: "hash:occurrence"}`` for every line of ``text``, as GitHub's upload action computes it.

    A rolling hash (base 37, 64-bit wrap-around) over the first 100 characters from the start of
    each line, skipping spaces and tabs, with CR and CRLF read as LF; the text is taken as UTF-16
    code units (JavaScript's ``charCodeAt``); after the text come one 65535 and zeros. The suffix
    counts how many lines so far had the same hash."""
    codec = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
    units = memoryview(text.encode(codec)).cast("H") if text else []
    window = [0] * _BLOCK
    line_numbers = [-1] * _BLOCK
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "prev_cr": False}

    def output() -> None:
        i = state["index"]
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        out[line_numbers[i]] = f"{value}:{counts[value]}"
        line_numbers[i] = -1

    def update(current: int) -> None:
        i = state["index"]
        begin = window[i]
        window[i] = current
        state["hash"] = (_MOD * state["hash"] + current - _FIRST_MOD * begin) & _MASK
        state["index"] = (i + 1) % _BLOCK

    def process(current: int) -> None:
        if current in (_SPACE, _TAB) or (state["prev_cr"] and current == _LF):
            state["prev_cr"] = False
            return
        if current == _CR:
            current = _LF
            state["prev_cr"] = True
        else:
            state["prev_cr"] = False
        if line_numbers[state["index"]] != -1:
            output()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        if current == _LF:
            state["line_start"] = True
        update(current)

    for unit in units:
        process(unit)
    process(_EOF)
    for _ in range(_BLOCK):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    return out


# ----- helpers ---------------------------------------------------------------------------------------


class _Sources:
    """Reads each reported file once (for fingerprints and to express columns in UTF-16 units)."""

    def __init__(self, root: str):
        self.root = Path(root)
        self._text: dict[str, str | None] = {}
        self._hashes: dict[str, dict] = {}
        self._lines: dict[str, list] = {}

    def text(self, path: str) -> str | None:
        if path not in self._text:
            p = Path(path) if Path(path).is_absolute() else self.root / path
            try:
                # as the upload action reads it: UTF-8, invalid bytes replaced, a BOM kept
                self._text[path] = p.read_bytes().decode("utf-8", errors="replace")
            except OSError:
                self._text[path] = None
        return self._text[path]

    def line(self, path: str, line: int) -> str | None:
        if path not in self._lines:
            text = self.text(path)
            self._lines[path] = re.split(r"\r\n|\r|\n", text) if text is not None else []
        lines = self._lines[path]
        return lines[line - 1] if 0 < line <= len(lines) else None

    def fingerprint(self, path: str, line: int) -> str | None:
        if path not in self._hashes:
            text = self.text(path)
            self._hashes[path] = line_hashes(text) if text is not None else {}
        return self._hashes[path].get(line)


def _utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _column(src: str | None, column: int, in_bytes: bool) -> int:
    """A 1-based column as UTF-16 code units (SARIF's default) from the report's 1-based character
    column (the engine converts ast's UTF-8 byte offsets to characters for every finding)."""
    _ = in_bytes
    if src is None or src.isascii():
        return max(column, 1)
    return _utf16(src[: column - 1]) + 1


def _artifact(path: str) -> dict:
    p = PurePosixPath(path)
    if p.is_absolute() or re.match(r"^[A-Za-z]:[\\/]", path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _region(sources: _Sources, path: str, line: int, column: int | None, end_line: int | None,
            in_bytes: bool) -> dict:
    src = sources.line(path, line)
    region = {"startLine": line}
    if column is not None:
        region["startColumn"] = _column(src, column, in_bytes)
    end = max(end_line or line, line)
    end_src = src if end == line else sources.line(path, end)
    region["endLine"] = end
    if end_src is not None:  # to the end of the last line of the expression (no end column is recorded)
        region["endColumn"] = max(_utf16(end_src.rstrip()) + 1, region.get("startColumn", 1) if end == line else 1)
    return region


def _location(sources: _Sources, path: str, line: int, column: int | None = None, end_line: int | None = None,
              in_bytes: bool = True) -> dict:
    return {"physicalLocation": {"artifactLocation": _artifact(path),
                                 "region": _region(sources, path, line, column, end_line, in_bytes)}}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _section(doc: str, title: str) -> str:
    m = re.search(rf"^##\s+{re.escape(title)}\s*\n(.*?)(?=^##\s|\Z)", doc, re.M | re.S)
    return " ".join(m.group(1).split()) if m else ""


def pascal(name: str) -> str:
    """SARIF's convention for a rule's friendly name: missing-timeout -> MissingTimeout."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", name))


def _rule(meta, doc: str) -> dict:
    security = SECURITY_SEVERITY.get(meta.id) or SECURITY_CATEGORIES.get(meta.category)
    full = _section(doc, "What it finds") or meta.title
    props: dict = {"tags": (["security"] if security else ["reliability", "maintainability"]) + [meta.category]}
    if security:
        props["security-severity"] = security
    else:
        props["problem.severity"] = PROBLEM_SEVERITY[meta.severity]
        props["precision"] = PRECISION.get(meta.id, "high")
    props["category"] = meta.category
    return {
        "id": meta.id,
        "name": pascal(meta.name),
        "shortDescription": {"text": _sentence(meta.title)},
        "fullDescription": {"text": _sentence(full)},
        "help": {"text": doc or meta.title, "markdown": doc or meta.title},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules/{meta.id}.md",
        "defaultConfiguration": {"level": meta.severity},
        "properties": props,
    }


def _fix(sources: _Sources, fix) -> dict:
    """A SARIF ``fix``: one ``artifactChange`` per file, its edits as ``replacements`` (a deleted region in
    UTF-16 columns, end exclusive, and the text inserted there); the applicability in ``properties``."""
    changes: dict = {}
    for e in fix.edits:
        start_src = sources.line(e.path, e.line)
        end_src = sources.line(e.path, e.end_line)
        region = {"startLine": e.line, "startColumn": _column(start_src, e.column, False),
                  "endLine": e.end_line, "endColumn": _column(end_src, e.end_column, False)}
        rep: dict = {"deletedRegion": region}
        if e.new_text:
            rep["insertedContent"] = {"text": e.new_text}
        changes.setdefault(e.path, []).append(rep)
    return {
        "description": {"text": _sentence(fix.message)},
        "artifactChanges": [{"artifactLocation": _artifact(path), "replacements": reps}
                            for path, reps in changes.items()],
        "properties": {"applicability": fix.applicability},
    }


# ----- the log ---------------------------------------------------------------------------------------


def build(report, max_results: int = MAX_RESULTS) -> dict:
    """The SARIF log as a dict (``render`` serialises it)."""
    from auditor.catalog import catalog
    from auditor.checks import load_checks

    checks = load_checks(catalog())
    sources = _Sources(report.root)
    everything = list(report.findings) + list(report.suppressed)
    kept = everything[:max_results]
    used = sorted({f.rule_id for f in kept})
    index = {rid: i for i, rid in enumerate(used)}

    results = []
    for f in kept:
        in_bytes = f.category not in ("secret", "suppression")
        res: dict = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": f.severity,
            "message": {"text": _sentence(f.message)},
            "locations": [_location(sources, f.path, f.line, f.column, f.end_line, in_bytes)],
        }
        related = []
        if f.fix_location is not None:
            related.append((f.fix_location, "where the fix belongs"))
        related += [(loc, msg) for loc, msg in f.related]
        seen = set()
        rel_out = []
        for loc, msg in related:
            key = (loc.path, loc.line, msg)
            if key in seen or len(rel_out) >= MAX_RELATED:
                continue
            seen.add(key)
            rel = _location(sources, loc.path, loc.line)
            rel["id"] = len(rel_out) + 1
            rel["message"] = {"text": _sentence(msg or "related location")}
            rel_out.append(rel)
        if rel_out:
            res["relatedLocations"] = rel_out
        fp = sources.fingerprint(f.path, f.line) if not PurePosixPath(f.path).is_absolute() else None
        if fp:
            res["partialFingerprints"] = {"primaryLocationLineHash": fp}
        if getattr(f, "fix", None) is not None:
            res["fixes"] = [_fix(sources, f.fix)]
        if f.suppressed is not None:
            sup = {"kind": "inSource", "status": "accepted"}
            if f.suppressed:
                sup["justification"] = f.suppressed
            res["suppressions"] = [sup]
        res["properties"] = {"category": f.category}
        results.append(res)

    notes = []
    for e in report.errors:
        notes.append({
            "level": "error" if e.path in report.missing_paths else "warning",
            "message": {"text": _sentence(f"{e.path}: {e.message}")},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(e.path)}}],
            "descriptor": {"id": NOTIFICATIONS[0]["id"], "index": 0},
        })
    if len(everything) > len(kept):
        notes.append({
            "level": "warning",
            "message": {"text": f"{len(everything)} results found; only the first {len(kept)} are in this log "
                                "(GitHub code scanning accepts at most 25,000 results per run)."},
            "descriptor": {"id": NOTIFICATIONS[1]["id"], "index": 1},
        })

    invocation: dict = {"executionSuccessful": not report.missing_paths}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    run = {
        "tool": {"driver": {
            "name": "llm-audit",
            "semanticVersion": __version__,
            "version": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(checks[rid].meta, checks[rid].doc) for rid in used],
            "notifications": NOTIFICATIONS,
        }},
        "automationDetails": {"id": "llm-audit/"},
        "originalUriBaseIds": {SRCROOT: {"uri": Path(report.root).resolve().as_uri().rstrip("/") + "/"}},
        "invocations": [invocation],
        "columnKind": "utf16CodeUnits",
        "results": results,
        "properties": {"filesScanned": report.files_scanned, "modelCalls": len(report.calls),
                       "suppressed": len(report.suppressed), "truncated": len(everything) > len(kept)},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report, max_results: int = MAX_RESULTS, **_opts) -> str:
    return json.dumps(build(report, max_results=max_results), indent=2, ensure_ascii=False) + "\n"
