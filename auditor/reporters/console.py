"""Console output: findings grouped by file with a short code frame, then a summary line."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.markup import escape

_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}


def _lines(path: str, root: str) -> list[str]:
    from pathlib import Path

    p = Path(path) if Path(path).is_absolute() else Path(root) / path
    try:
        return p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _mask_secrets(code: str) -> str:
    """A code frame never shows a key, whichever finding it illustrates (or whether LLM201 is on)."""
    from auditor.catalog import catalog
    from auditor.secrets_scan import redact

    return redact(code, catalog())


def fix_hint(report) -> str:
    """ruff's nudge: how many findings ``--fix`` would fix, and how many more ``--unsafe-fixes`` would."""
    with_fix = [f.fix for f in report.findings if getattr(f, "fix", None) is not None]
    if not with_fix:
        return ""
    unsafe_on = getattr(report, "unsafe_fixes", False)
    safe = sum(1 for x in with_fix if x.applies(unsafe_on))
    more = len(with_fix) - safe
    if safe and more:
        return f"{safe} fixable with --fix ({more} more with --unsafe-fixes)."
    if safe:
        return f"{safe} fixable with --fix{' --unsafe-fixes' if unsafe_on and any(not x.safe for x in with_fix) else ''}."
    return f"{more} fixable with --fix --unsafe-fixes."


def render(report, color: bool = False, statistics: bool = False, width: int = 100, show_errors: bool = True) -> str:
    """The console report. Files not scanned are listed unless ``show_errors`` is False (the CLI
    then writes them to stderr instead)."""
    unsafe = getattr(report, "unsafe_fixes", False)
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=width, highlight=False,
                  soft_wrap=True)
    if statistics:
        counts = Counter((f.rule_id, f.category) for f in report.findings)
        for (rid, cat), n in sorted(counts.items(), key=lambda x: (-x[1], x[0])):
            con.print(f"{n:6d}  {rid}  {escape(f'[{cat}]')}")
    else:
        current = None
        cache: dict = {}
        for f in report.findings:
            if f.path != current:
                if current is not None:
                    con.print()
                con.print(f"[bold underline]{escape(f.path)}[/]")
                current = f.path
            sev = f"[{_STYLE[f.severity]}]{f.severity}[/]"
            mark = " [*]" if f.fix is not None and f.fix.applies(unsafe) else ""  # ruff's "fixable" mark
            con.print(f"  {f.line}:{f.column}  [bold]{f.rule_id}[/]{escape(mark)} {sev}  {escape(f.message)}")
            lines = cache.setdefault(f.path, _lines(f.path, report.root))
            if 0 < f.line <= len(lines):
                code = _mask_secrets(lines[f.line - 1].rstrip())
                if len(code) > 110:
                    code = code[:107] + "..."
                con.print(f"    [dim]{f.line:>5} |[/] {escape(code)}")
    for e in report.errors if show_errors else ():
        con.print(f"[red]error[/]: {escape(e.path)}: {escape(e.message)}")
    n = len(report.findings)
    by_sev = Counter(f.severity for f in report.findings)
    parts = [f"{by_sev[s]} {s}{'s' if by_sev[s] != 1 else ''}" for s in ("error", "warning", "note") if by_sev[s]]
    summary = f"Found {n} finding{'s' if n != 1 else ''}" + (f" ({', '.join(parts)})" if parts else "")
    summary += (f" in {report.files_scanned} file{'s' if report.files_scanned != 1 else ''}; "
                f"{len(report.calls)} model call{'s' if len(report.calls) != 1 else ''}")
    if report.suppressed:
        summary += f"; {len(report.suppressed)} suppressed"
    if getattr(report, "baselined", None):
        summary += f"; {len(report.baselined)} baselined"
    if report.errors:
        summary += f"; {len(report.errors)} file{'s' if len(report.errors) != 1 else ''} not scanned"
    if not n and not report.errors:
        summary = "All checks passed. " + summary
    con.print()
    con.print(f"[bold]{summary}[/] ({report.seconds:.2f}s)")
    fixed = getattr(report, "fixed", None)
    if fixed is not None:
        con.print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''} ({n} remaining).")
    hint = fix_hint(report)
    if hint:
        con.print(hint)
    sc = report.score
    if sc is not None and sc.overall is not None:
        parts = ", ".join(f"{s.title.lower()} {s.score:g}" for s in sc.sections if s.score is not None)
        con.print(f"Production readiness: [bold]{sc.overall:g}/100 ({sc.grade})[/]  {escape(parts)}")
    return buf.getvalue()
