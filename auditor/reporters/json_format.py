"""``--format json``: exactly one JSON object (the contract in the README)."""

from __future__ import annotations

import json

from auditor import __version__


def finding_dict(f) -> dict:
    d = {
        "rule_id": f.rule_id, "category": f.category, "severity": f.severity,
        "path": f.path, "line": f.line, "column": f.column, "message": f.message,
    }
    if f.end_line:
        d["end_line"] = f.end_line
    if f.fix_location is not None:
        d["fix_location"] = {"path": f.fix_location.path, "line": f.fix_location.line}
    if f.related:
        d["related"] = [{"path": loc.path, "line": loc.line, "message": msg} for loc, msg in f.related]
    if getattr(f, "fix", None) is not None:
        d["fix"] = f.fix.as_dict()
    return d


def render(report, **_opts) -> str:
    out = {
        "tool": {"name": "llm-audit", "version": __version__},
        "calls": [
            {"path": c.path, "line": c.line, "column": c.column, "provider": c.provider, "api": c.api,
             "kind": c.kind, "model": c.model}
            for c in report.calls
        ],
        "findings": [finding_dict(f) for f in report.findings],
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
    }
    if getattr(report, "fixed", None) is not None:
        out["fixed"] = report.fixed
    if report.score is not None:
        from auditor.checklist import score_dict

        out["score"] = score_dict(report.score)
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
