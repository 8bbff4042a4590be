"""Command line: ``llm-audit scan``, ``llm-audit rules``, ``llm-audit explain``."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from auditor import __version__

app = typer.Typer(
    name="llm-audit", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Audit the Python code that calls language models for production readiness.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    console = "console"
    json = "json"
    json_lines = "json-lines"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"
    junit = "junit"


class RulesFormat(str, Enum):
    console = "console"
    json = "json"


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    note = "note"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llm-audit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


def _split(values: Optional[List[str]]) -> list:
    out = []
    for v in values or []:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out


def _emit(text: str, output: Optional[Path]) -> None:
    """Write a rendered report to ``output`` (``-o``) or stdout."""
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _fail(message: str) -> None:
    typer.echo(f"llm-audit: error: {message}", err=True)
    raise typer.Exit(2)


def _run(paths, select, ignore, fail_on, config_file, isolated, force_exclude=False, diff_base=None, baseline=None,
         rescan: list | None = None):
    """Load the configuration and scan: (config, report). Usage and configuration errors exit 2. When
    ``rescan`` is a list, a function ``overlay -> report`` that scans again the same way is put in it (the
    fixer's passes: ``overlay`` maps display paths to their edited text)."""
    from auditor.baseline import BaselineError
    from auditor.catalog import CatalogError
    from auditor.changed import ChangedFilesError
    from auditor.config import ConfigError, find_config, load_config

    cwd = Path.cwd()
    try:
        cfg_path = None if isolated else (config_file or find_config(cwd / paths[0]))
        if config_file is not None and not config_file.is_file():
            _fail(f"{config_file}: no such configuration file")
        config = load_config(cfg_path)
        from auditor.catalog import catalog

        cat = catalog()
        for tok in _split(select) + _split(ignore):
            t = tok.upper()
            if t != "ALL" and not any(cid.startswith(t) for cid in cat.checks) and tok.lower() not in (
                {c.name for c in cat.checks.values()} | cat.categories
            ):
                _fail(f"unknown rule or category '{tok}' in --select/--ignore")
        if select:
            config.select = _split(select)
        if ignore:
            config.ignore = config.ignore + _split(ignore)
        if fail_on is not None:
            config.fail_on = fail_on.value
        from auditor.engine import scan as run_scan

        only = None
        if diff_base is not None:
            from auditor.changed import changed_files

            only = changed_files(cwd, diff_base)
        if baseline is not None:
            from auditor import baseline as baseline_mod

            baseline_mod.load(baseline)  # a bad baseline fails before the scan, not after it
        def again(overlay=None):
            rep = run_scan(paths, config, cwd, force_exclude=force_exclude, only=only, overlay=overlay)
            if baseline is not None:
                baseline_mod.apply(rep, baseline)
            return rep

        report = again()
        if rescan is not None:
            rescan.append(again)
        return config, report
    except (ConfigError, CatalogError, BaselineError, ChangedFilesError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the user
        _fail(f"internal error: {type(exc).__name__}: {exc} (please report it)")
    raise AssertionError("unreachable")


@app.command()
def scan(
    paths: List[str] = typer.Argument(None, help="Files or folders to audit (default: the current folder)."),
    fmt: Format = typer.Option(Format.console, "--format", "--output-format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings."),
    statistics: bool = typer.Option(False, "--statistics", help="Show the number of findings per rule."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rules/prefixes/categories."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rules/prefixes/categories."),
    fail_on: Optional[Severity] = typer.Option(None, "--fail-on", help="Lowest severity that fails the run."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Configuration file to use."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore configuration files."),
    fail_under: Optional[float] = typer.Option(None, "--fail-under", min=0, max=100,
                                               help="Exit 1 when the production-readiness score is below this."),
    baseline: Optional[Path] = typer.Option(None, "--baseline",
                                            help="Report only findings not in this baseline file."),
    diff_base: Optional[str] = typer.Option(None, "--diff-base", metavar="REF",
                                            help="Audit only files changed since this git ref."),
    force_exclude: bool = typer.Option(False, "--force-exclude",
                                       help="Apply excludes to files named on the command line too."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes (and the unsafe ones with --unsafe-fixes)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes",
                                      help="Count fixes that change behaviour (a new timeout, cap, pinned model, "
                                           "key lookup) as applicable."),
    diff: bool = typer.Option(False, "--diff", help="Print the fixes as a unified diff and write nothing "
                                                    "(exit 1 when there is something to fix)."),
    fix_only: bool = typer.Option(False, "--fix-only", help="Apply the fixes and report nothing else."),
) -> None:
    """Audit model calls in PATHS and report what is not production-ready."""
    paths = paths or ["."]
    again: list = []
    config, report = _run(paths, select, ignore, fail_on, config_file, isolated, force_exclude=force_exclude,
                          diff_base=diff_base, baseline=baseline, rescan=again)
    if diff or fix or fix_only:
        report = _fix(report, config, again[0], unsafe_fixes, diff, fix_only, output)
    else:  # the console and annotation formats only say whether a finding has a fix: libcst not needed
        _attach_fixes(report, config, unsafe_fixes,
                      plan_only=fmt in (Format.console, Format.github, Format.markdown, Format.junit))

    from auditor.reporters import render

    if fmt != Format.console:
        text = render(fmt.value, report)
    else:
        color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = render("console", report, color=color, statistics=statistics, show_errors=output is not None)
        for e in report.errors:
            typer.echo(f"llm-audit: {e.path}: {e.message}", err=True)
    _emit(text, output)
    if report.missing_paths:  # a mistyped path must not pass CI quietly
        typer.echo(f"llm-audit: error: no such file or directory: {', '.join(report.missing_paths)}", err=True)
        raise typer.Exit(2)
    score = report.score.overall if report.score is not None else None
    if fail_under is not None and score is not None and score < fail_under:
        typer.echo(f"llm-audit: production-readiness score {score:g} is below --fail-under {fail_under:g}", err=True)
        raise typer.Exit(1)
    if not exit_zero and report.failing(config.fail_on):
        raise typer.Exit(1)
    raise typer.Exit(0)


def _attach_fixes(report, config, unsafe: bool, plan_only: bool = False) -> None:
    from auditor import fix as fix_mod

    try:
        fix_mod.attach(report, config, unsafe, plan_only=plan_only)
        for path, message in report.fix_notes:
            typer.echo(f"llm-audit: {path}: {message}", err=True)
    except Exception as exc:  # noqa: BLE001 - a planning bug must not cost the user the report
        typer.echo(f"llm-audit: internal error while planning fixes ({type(exc).__name__}: {exc}); "
                   "please report it", err=True)


def _secret_values(report) -> set:
    """The values LLM201 reported (read back from the scanned text), to be masked in a diff."""
    import re

    out = set()
    for f in report.findings + report.suppressed:
        src = report.sources.get(f.path)
        if f.rule_id != "LLM201" or src is None or src.text is None:
            continue
        lines = src.text.splitlines()
        if 0 < f.line <= len(lines):
            m = re.match(r"[^'\"\s]+", lines[f.line - 1][f.column - 1:])
            if m and len(m.group(0)) >= 8:
                out.add(m.group(0))
    return out


def _masker(report):
    """A function masking every key in a diff line, as every other output does (first 4 characters kept)."""
    from auditor.catalog import catalog

    cat = catalog()
    values = sorted(_secret_values(report), key=len, reverse=True)

    def mask(line: str) -> str:
        for v in values:
            line = line.replace(v, v[:4] + "*" * 8)
        return cat.secret_any.sub(lambda m: m.group(0)[:4] + "*" * 8, line)

    return mask


def _fix(report, config, rescan, unsafe: bool, diff: bool, fix_only: bool, output):
    """``--fix``, ``--fix-only`` and ``--diff``: fix in passes, then write (or print the diff). Returns the
    report to render (the scan of the fixed code); ``--diff`` and ``--fix-only`` exit here."""
    import difflib

    from auditor.fix import runner, writer

    try:
        outcome = runner.run(report, config, rescan, unsafe)
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - nothing has been written yet
        _fail(f"internal error while fixing ({type(exc).__name__}: {exc}); nothing was written (please report it)")
    for path, message in outcome.problems:
        typer.echo(f"llm-audit: {path}: {message}", err=True)
    changed = outcome.changed
    n = outcome.total()
    if diff:
        mask = _masker(report)
        chunks = []
        for path in sorted(changed):
            old, new = outcome.originals[path], changed[path]
            lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                         fromfile=f"a/{path}", tofile=f"b/{path}")
            chunks.append("".join(mask(x) if x.endswith(("\n", "\r")) else mask(x) + "\n\\ No newline at end of file\n"
                                  for x in lines))
        _emit("".join(chunks), output)
        typer.echo(f"Would fix {n} finding{'s' if n != 1 else ''}." if n else "No fixes available.", err=True)
        raise typer.Exit(1 if changed else 0)
    refused = []
    for path in sorted(changed):
        src = outcome.report.sources.get(path) or report.sources.get(path)
        why = writer.write(src.abspath, outcome.originals[path], changed[path])
        if why is not None:
            refused.append((path, why))
    final = outcome.report
    if refused:
        from auditor.report import FileError

        skip = {p for p, _ in refused}
        final = rescan({p: t for p, t in outcome.texts.items() if p not in skip})
        from auditor import fix as fix_mod

        fix_mod.attach(final, config, unsafe)
        n = outcome.total(skip)  # the fixes in a file not written were not made
        for path, why in refused:
            final.errors.append(FileError(path, why))
            typer.echo(f"llm-audit: {path}: {why}", err=True)
    final.fixed = n
    if fix_only:
        remaining = len(final.findings)
        typer.echo(f"Fixed {n} finding{'s' if n != 1 else ''} ({remaining} remaining)." if n
                   else "No fixes applied.")
        raise typer.Exit(2 if final.missing_paths or refused else 0)
    return final


@app.command("baseline")
def baseline_cmd(
    paths: List[str] = typer.Argument(None, help="Files or folders to audit (default: the current folder)."),
    output: Path = typer.Option(Path(".llm-audit-baseline.json"), "--output", "-o",
                                help="Baseline file to write."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Configuration file to use."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore configuration files."),
) -> None:
    """Record the current findings, so that 'scan --baseline FILE' reports only new ones."""
    from auditor import baseline as baseline_mod

    paths = paths or ["."]
    _config, report = _run(paths, None, None, None, config_file, isolated)
    try:
        n = baseline_mod.write(report, output)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"llm-audit: wrote {n} finding{'s' if n != 1 else ''} to {output}", err=True)
    if report.missing_paths:
        typer.echo(f"llm-audit: error: no such file or directory: {', '.join(report.missing_paths)}", err=True)
        raise typer.Exit(2)
    raise typer.Exit(0)


class InventoryFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def inventory(
    paths: List[str] = typer.Argument(None, help="Files or folders to inventory (default: the current folder)."),
    fmt: InventoryFormat = typer.Option(InventoryFormat.table, "--format", "--output-format", "-f"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the inventory to this file."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Configuration file to use."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore configuration files."),
) -> None:
    """List every model call: provider, API, model, location and its effective settings."""
    from auditor import inventory as inv

    paths = paths or ["."]
    _config, report = _run(paths, None, None, None, config_file, isolated)
    _emit(inv.render(report, fmt.value, report.project), output)
    raise typer.Exit(2 if report.missing_paths else 0)


@app.command("rules")
def rules_cmd(fmt: RulesFormat = typer.Option(RulesFormat.console, "--format", "--output-format", "-f")) -> None:
    """List every check: id, category, severity, and its fix (safe, unsafe: needs --unsafe-fixes, or none)."""
    import json

    from auditor.catalog import catalog

    checks = sorted(catalog().checks.values(), key=lambda c: c.id)
    if fmt == RulesFormat.json:
        typer.echo(json.dumps([c.__dict__ for c in checks], indent=2))
        return
    wn = max(len(c.name) for c in checks)
    wc = max(len(c.category) for c in checks)
    for c in checks:
        fix = f"{c.fix_safety} fix" if c.fixable else "-"
        typer.echo(f"{c.id}  {c.name:{wn}s}  {c.category:{wc}s}  {c.severity:7s}  {fix:10s}  {c.title}")


@app.command()
def explain(rule: str = typer.Argument(..., help="Rule id (LLM101) or name (missing-timeout).")) -> None:
    """Print a rule's documentation."""
    from auditor.catalog import catalog
    from auditor.checks import load_checks

    checks = load_checks(catalog())
    chk = checks.get(rule.upper()) or next((c for c in checks.values() if c.meta.name == rule.lower()), None)
    if chk is None:
        _fail(f"unknown rule '{rule}'; see 'llm-audit rules'")
        return
    typer.echo(chk.doc)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":
    main()
