"""``llm-audit inventory``: every model call with its provider, API, model and effective settings.

The inventory governance reviews ask for. Each row is derived from the same report the scan makes:
the resolved call (where its settings come from) and the findings on it.
"""

from __future__ import annotations

import csv
import io
import json

from auditor.checks import timeout as timeout_check

COLUMNS = ("path", "line", "provider", "api", "kind", "model", "timeout", "retries", "token_cap", "fallback",
           "guard")


def _where(s) -> str:
    return f"{s.via} {s.path}:{s.line}" if s is not None else ""


def rows(report, project=None) -> list[dict]:
    by_call: dict = {}
    for f in list(report.findings) + list(report.suppressed):
        by_call.setdefault((f.path, f.line), set()).add(f.rule_id)
    out = []
    for rc in sorted(report.resolved, key=lambda c: (c.path, c.line)):
        rules = by_call.get((rc.path, rc.line), set())
        # timeout: where it is set, or why not
        t = "set"
        if project is not None:
            states = timeout_check.effective(rc, project)
            st, setting, _client = states[0] if states else ("unknown", None, None)
            t = {"set": f"set ({_where(setting)})", "none": f"none ({_where(setting)})",
                 "conditional": f"only when configured ({_where(setting)})", "missing": "missing (SDK default)",
                 "untraced": "not visible (client built elsewhere)", "unknown": "not visible"}.get(st, st)
        if "LLM101" in rules and t.startswith("set"):
            t = "missing (SDK default)"
        retries = "none" if "LLM102" in rules else ("app: " + "; ".join(rc.retry_wrappers) if rc.retry_wrappers
                                                     else "SDK default")
        cap = "n/a" if rc.kind not in ("chat", "completion") else ("missing" if "LLM103" in rules else "set")
        out.append({
            "path": rc.path, "line": rc.line, "provider": rc.provider, "api": rc.api, "kind": rc.kind,
            "model": rc.model or "from config",
            "timeout": t, "retries": retries, "token_cap": cap,
            "fallback": "no" if "LLM105" in rules else "yes",
            "guard": "none" if "LLM106" in rules else "switch",
        })
    return out


def render(report, fmt: str, project=None) -> str:
    data = rows(report, project)
    if fmt == "json":
        return json.dumps({"calls": data}, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(data)
        return buf.getvalue()
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    con = Console(file=buf, width=200, no_color=True, force_terminal=False)
    table = Table(show_lines=False)
    for col in ("location", "provider", "api", "model", "timeout", "retries", "token_cap", "fallback", "guard"):
        table.add_column(col)
    for r in data:
        table.add_row(f"{r['path']}:{r['line']}", r["provider"], ".".join(r["api"].split(".")[-3:]),
                      r["model"], r["timeout"], r["retries"], r["token_cap"], r["fallback"], r["guard"])
    con.print(table)
    con.print(f"{len(data)} model call{'s' if len(data) != 1 else ''}")
    return buf.getvalue()
