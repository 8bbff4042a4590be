"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::warning file=app/llm.py,line=12,col=5,endLine=15,title=LLM101 missing-timeout::message``.
Property values escape ``%``, CR, LF, ``:`` and ``,``; the message escapes ``%``, CR and LF (the
rules of ``@actions/core``'s ``command.ts``). Notes become ``::notice``; files not scanned become
warnings on the file. Suppressed findings are not annotated.
"""

from __future__ import annotations

_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props) -> str:
    parts = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{level}{' ' + parts if parts else ''}::{escape_data(message)}"


def render(report, **_opts) -> str:
    from auditor.catalog import catalog

    names = {cid: c.name for cid, c in catalog().checks.items()}
    out = []
    for f in report.findings:
        end = f.end_line if f.end_line and f.end_line > f.line else None
        title = f"{f.rule_id} {names.get(f.rule_id, f.category)}"
        out.append(command(_LEVEL[f.severity], f.message, file=f.path, line=f.line, col=f.column,
                           endLine=end, title=title))
    for e in report.errors:
        out.append(command("warning", e.message, file=e.path, title="llm-audit: file not scanned"))
    return "".join(line + "\n" for line in out)
