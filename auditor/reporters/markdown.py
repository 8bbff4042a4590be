"""``--format markdown``: a report to post as a pull-request comment.

A summary line, a table of counts per rule, then the findings grouped by rule (a collapsible
table each). GitHub comments hold at most 65,536 characters: past ``budget`` the remaining rows are
counted instead of listed.
"""

from __future__ import annotations

from collections import Counter

from auditor import __version__

BUDGET = 60_000
_ICON = {"error": "🔴", "warning": "🟡", "note": "🔵"}


def cell(s: str) -> str:
    """Text for a table cell: no line breaks, pipes and markup escaped."""
    s = " ".join(str(s).split())
    for ch in "\\|`*_[]<>":
        s = s.replace(ch, "\\" + ch)
    return s


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render(report, budget: int = BUDGET, **_opts) -> str:
    from auditor.catalog import catalog

    checks = catalog().checks
    out = ["## llm-audit report", ""]
    by_sev = Counter(f.severity for f in report.findings)
    parts = [f"{_ICON[s]} {by_sev[s]} {s}{'s' if by_sev[s] != 1 else ''}" for s in ("error", "warning", "note")
             if by_sev[s]]
    head = (f"**{_plural(len(report.findings), 'finding')}**" + (f" ({', '.join(parts)})" if parts else "")
            + f" in {_plural(report.files_scanned, 'file')}; {_plural(len(report.calls), 'model call')}")
    if report.suppressed:
        head += f"; {len(report.suppressed)} suppressed"
    if report.errors:
        head += f"; {_plural(len(report.errors), 'file')} not scanned"
    if not report.findings and not report.errors:
        head = "✅ All checks passed. " + head
    out += [head + ".", ""]
    sc = getattr(report, "score", None)
    if sc is not None and sc.overall is not None:
        out += [f"**Production readiness: {sc.overall:g}/100 ({sc.grade})**", "",
                "| Section | Score | Failing items |", "| --- | ---: | --- |"]
        for sec in sc.sections:
            if sec.score is None:
                continue
            failing = [i.title for i in sec.items if i.status in ("fail", "partial")]
            out.append(f"| {cell(sec.title)} | {sec.score:g} | {cell('; '.join(failing)) or '-'} |")
        out.append("")

    by_rule: dict[str, list] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    if by_rule:
        out += ["| Rule | Name | Category | Severity | Findings |", "| --- | --- | --- | --- | ---: |"]
        for rid in sorted(by_rule):
            meta = checks.get(rid)
            sev = Counter(f.severity for f in by_rule[rid]).most_common(1)[0][0]
            out.append(f"| {rid} | {cell(meta.name if meta else '')} | {cell(by_rule[rid][0].category)} | "
                       f"{_ICON[sev]} {sev} | {len(by_rule[rid])} |")
        out.append("")
    used = sum(len(x) + 1 for x in out)
    left_out = 0
    for rid in sorted(by_rule):
        meta = checks.get(rid)
        title = f"{rid} {meta.name}: {meta.title}" if meta else rid
        block = [f"<details><summary><b>{cell(title)}</b> ({len(by_rule[rid])})</summary>", "",
                 "| Location | Severity | Message |", "| --- | --- | --- |"]
        for f in by_rule[rid]:
            row = f"| `{f.path}:{f.line}:{f.column}` | {f.severity} | {cell(f.message)} |"
            if used + sum(len(x) + 1 for x in block) + len(row) > budget:
                left_out += 1
                continue
            block.append(row)
        block += ["", "</details>", ""]
        if len(block) > 7:  # at least one row made it
            out += block
            used += sum(len(x) + 1 for x in block)
    if left_out:
        out += [f"_{_plural(left_out, 'more finding')} not listed (comment size limit); "
                "see the full report (`--format sarif` or `--format json`)._", ""]
    if report.errors:
        out += ["<details><summary><b>Files not scanned</b></summary>", "", "| File | Reason |", "| --- | --- |"]
        out += [f"| `{e.path}` | {cell(e.message)} |" for e in report.errors]
        out += ["", "</details>", ""]
    out.append(f"<sub>llm-audit {__version__}</sub>")
    return "\n".join(out) + "\n"
