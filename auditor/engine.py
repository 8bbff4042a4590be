"""One scan, end to end: discover -> read -> prefilter -> facts -> link -> checks -> suppressions."""

from __future__ import annotations

import ast
import io
import multiprocessing
import os
import time
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path

from auditor import facts as facts_mod
from auditor import secrets_scan
from auditor.catalog import catalog
from auditor.checks import load_checks
from auditor.checks import secret as secret_check
from auditor.checks import suppression as supp
from auditor.config import Config
from auditor.discover import PY_SUFFIXES, discover
from auditor.link import Project, resolve_calls
from auditor.report import CallRecord, FileError, Finding, Location, Report

MAX_BYTES = 2_000_000  # larger files are generated or data: skipped with a message


@dataclass
class Source:
    abspath: Path
    path: str  # display path, relative to the working directory
    text: str | None = None
    error: str | None = None


def read_source(abspath: Path, path: str) -> Source:
    try:
        size = abspath.stat().st_size
        if size > MAX_BYTES:
            return Source(abspath, path, error=f"skipped: file is {size // 1024} KiB, over the {MAX_BYTES // 1000} kB limit")
        data = abspath.read_bytes()
    except OSError as exc:
        return Source(abspath, path, error=f"cannot read: {exc.strerror or exc}")
    if b"\0" in data[:8192]:
        return Source(abspath, path, error="skipped: binary file")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return Source(abspath, path, error=f"cannot decode: {exc}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(abspath, path, text=text)


def parse_facts(src: Source, interesting: frozenset, mention_rx=None) -> tuple[facts_mod.FileFacts | None, str | None]:
    if src.text is None:
        return None, src.error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(src.text, filename=src.path)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return None, f"syntax error at {where}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, f"cannot parse: {type(exc).__name__}: {exc}"
    module, is_pkg = facts_mod.module_name(src.path.lstrip("./"))
    try:
        f = facts_mod.extract(tree, src.path, module, is_pkg, interesting, catalog().call_forwarders)
        f.mentions = frozenset(m.group(0) for m in mention_rx.finditer(src.text)) if mention_rx else frozenset()
        return f, None
    except RecursionError:
        return None, "cannot analyse: expression nesting too deep"


PARALLEL_MIN_FILES = 48  # below this a worker pool costs more than it saves
_WORK: dict = {}  # what forked workers read: display path -> Source


def _per_file(job: tuple):
    """The work one file needs on its own: its facts (when it is a candidate) and its secret scans
    (LLM201 key formats, LLM203 keys handed to print/logging) as (rule, line, column, message, fix)."""
    path, is_candidate, rules = job
    cat = catalog()
    src = _WORK[path]
    parsed = parse_facts(src, cat.interesting, cat.mention_rx) if is_candidate else None
    found = []
    if src.text is not None:
        if "LLM201" in rules:
            found += [("LLM201", line, col, msg, fix) for line, col, msg, fix in secret_check.scan_text(src.text, path, cat)]
        if "LLM203" in rules:
            found += [("LLM203", line, col, msg, None) for line, col, msg in secrets_scan.scan_logged(src.text, path)]
    return path, parsed, found


def _per_file_all(jobs: list[tuple], sources: dict) -> dict:
    """Run ``_per_file`` over every file: in worker processes when there are many and ``fork`` is available."""
    workers = min(os.cpu_count() or 1, 4)
    _WORK.clear()
    _WORK.update(sources)
    try:
        if len(jobs) >= PARALLEL_MIN_FILES and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            try:
                ctx = multiprocessing.get_context("fork")
                with ctx.Pool(workers) as pool:
                    return {p: (parsed, found) for p, parsed, found in pool.imap(_per_file, jobs, chunksize=16)}
            except (OSError, multiprocessing.ProcessError):
                pass  # no processes to be had: fall back to this one
        return {p: (parsed, found) for p, parsed, found in map(_per_file, jobs)}
    finally:
        _WORK.clear()


def scan(paths: list[str], config: Config, cwd: Path | None = None, *, force_exclude: bool = False,
         only: set | None = None, overlay: dict | None = None) -> Report:
    """Scan ``paths``. ``only`` (real absolute paths) limits the checks and the findings to those files
    (``--diff-base``); every discovered file is still available to resolution, so a client built in a
    file outside ``only`` resolves for a call inside it. ``overlay`` (display path -> text) stands in for
    the text on disk of those files (the fixer's passes before anything is written)."""
    t0 = time.perf_counter()
    cwd = cwd or Path.cwd()
    cat = catalog()
    checks = load_checks(cat)
    report = Report(root=str(cwd))
    secret_rules = _secret_rules(checks, config)
    want = (lambda p: p.suffix in PY_SUFFIXES or secrets_scan.is_secret_file(p)) if secret_rules else None
    files, disc_errors = discover(paths, cwd, config.exclude, config.root, force_exclude=force_exclude,
                                  **({"want": want} if want else {}))
    keep = None if only is None else {shown for abspath, shown in files if os.path.realpath(abspath) in only}
    report.only = keep
    for shown, msg in disc_errors:
        report.errors.append(FileError(shown, msg))
        if msg == "no such file or directory":
            report.missing_paths.append(shown)
    sources: dict[str, Source] = {}
    candidates: list[str] = []
    raw: list[Finding] = []
    for abspath, shown in files:
        if secret_rules and secrets_scan.is_secret_file(abspath):
            if keep is not None and shown not in keep:
                continue
            raw += _scan_secret_file(abspath, shown, secret_rules, cat)  # read, scanned and let go here
            continue
        src = Source(abspath, shown, text=overlay[shown]) if overlay and shown in overlay else read_source(abspath, shown)
        sources[shown] = src
        if src.error:
            report.errors.append(FileError(shown, src.error))
            continue
        if cat.is_candidate(src.text):
            candidates.append(shown)
    report.files_scanned = len(files) if keep is None else len(keep)

    parse_errors: dict[str, str] = {}

    def load(path: str):
        src = sources.get(path)
        if src is None:
            return None
        f, err = parse_facts(src, cat.interesting, cat.mention_rx)
        if err and src.error is None:
            parse_errors[path] = err
        if f is not None:
            report.files_parsed += 1
        return f

    pkg_cache: dict = {}

    def is_package(folder: str) -> bool:
        if folder not in pkg_cache:
            pkg_cache[folder] = os.path.isfile(os.path.join(cwd, folder, "__init__.py"))
        return pkg_cache[folder]

    find_module = None
    if paths and all(os.path.isfile(p if os.path.isabs(p) else cwd / p) for p in paths):
        find_module = _module_finder(project_root(paths, cwd, config), cwd, sources, config)
        if keep is None:  # modules read for resolution are not audited
            keep = report.only = {shown for _abspath, shown in files}
    project = Project(cat, [p for p in sources if sources[p].text is not None], load, is_package, find_module)
    cand = set(candidates)
    scanned = [p for p, src in sources.items() if src.text is not None and (keep is None or p in keep)]
    todo = sorted(set(scanned) | cand)
    jobs = [(p, p in cand, tuple(r for r in ("LLM201", "LLM203") if r in secret_rules and (keep is None or p in keep)))
            for p in todo]
    for path, (parsed, found) in _per_file_all(jobs, sources).items():
        if parsed is not None:
            f, err = parsed
            if err:
                parse_errors[path] = err
            if f is not None:
                report.files_parsed += 1
            project._facts[path] = f
        for rule, line, col, message, fix in found:
            raw.append(_finding(secret_rules[rule], path, line, col, message, fix, [], line))

    call_checks = [c for c in checks.values() if c.scope == "call"]
    file_call_checks = [c for c in checks.values() if c.scope == "file-calls"]
    for path in candidates:
        if keep is not None and path not in keep:
            continue
        try:
            calls = resolve_calls(project, path)
        except RecursionError:
            report.errors.append(FileError(path, "cannot analyse: resolution nested too deep"))
            continue
        except Exception as exc:  # noqa: BLE001 - one file's bug must not end the scan
            report.errors.append(FileError(path, f"internal error while analysing ({type(exc).__name__}: {exc}); "
                                                 "please report it"))
            continue
        report.resolved += calls
        text_lines = sources[path].text.splitlines() if calls else []
        for call in calls:
            call.col = _char_col(text_lines, call.line, call.col)  # ast counts UTF-8 bytes, users count characters
            report.calls.append(CallRecord(call.path, call.line, call.col, call.provider, call.api, call.kind,
                                           call.model, call.resolved))
            for chk in call_checks:
                for message, fix, related, *at in chk.module.check(call, project):
                    where = at[0] if at else Location(call.path, call.line, call.col)
                    raw.append(_finding(chk.meta, where.path, where.line, where.column, message, fix, related,
                                        call.end_line if not at else where.line))
                    raw[-1].origin = call  # the fixer plans from the resolved call
        for chk in file_call_checks:
            for line, col, message in chk.module.check_file(path, calls, project):
                col = _char_col(sources[path].text.splitlines(), line, col)
                raw.append(_finding(chk.meta, path, line, col, message, None, [], line))
    for path, err in parse_errors.items():
        if keep is None or path in keep:
            report.errors.append(FileError(path, err))
    if keep is not None:
        report.errors = [e for e in report.errors if e.path in keep or e.path in report.missing_paths]
        raw = [f for f in raw if f.path in keep]

    _apply(report, raw, sources, checks, config, cwd)
    report.calls.sort(key=lambda c: (c.path, c.line, c.column))
    report.errors.sort(key=lambda e: e.path)
    report.project = project
    report.sources = sources
    _score(report, paths, sources, checks, config, cwd)
    report.seconds = time.perf_counter() - t0
    return report


def _module_finder(root: Path, cwd: Path, sources: dict, config: Config):
    """For a scan of named files only (a pre-commit hook): find a module the named files import on
    disk, under the project root (or its ``src/``), and add it to ``sources`` for resolution only.
    Checks never run on it and its findings are not reported; excluded files are not used."""
    from auditor.discover import DEFAULT_EXCLUDES, display

    bases = [root, root / "src"] + ([cwd] if cwd != root else [])

    def find(mod: str) -> str | None:
        rel = mod.replace(".", "/")
        if not rel or any(part in DEFAULT_EXCLUDES for part in rel.split("/")):
            return None
        for base in bases:
            for cand in (base / f"{rel}.py", base / rel / "__init__.py"):
                if not cand.is_file():
                    continue
                shown = display(cand, cwd)
                if shown not in sources:
                    if config.exclude and discover([shown], cwd, config.exclude, config.root,
                                                   force_exclude=True)[0] == []:
                        return None
                    sources[shown] = read_source(cand, shown)
                return shown if sources[shown].text is not None else None
        return None

    return find


def _secret_rules(checks: dict, config: Config) -> dict:
    """The secret rules (LLM201-203) this scan runs: id -> meta. With none, only Python files are looked at."""
    out = {}
    for rid in secrets_scan.SECRET_RULES:
        chk = checks.get(rid)
        if chk is not None and config.rule_enabled(rid, chk.meta.name, chk.meta.category):
            out[rid] = chk.meta
    return out


def _scan_secret_file(abspath: Path, shown: str, rules: dict, cat) -> list[Finding]:
    """LLM201/LLM202 for one non-Python file (notebook, .env, YAML, JSON, TOML, INI, Dockerfile). Its text
    is dropped on return; a file that cannot be read (binary, too large) is skipped without an error."""
    src = read_source(abspath, shown)
    if src.text is None:
        return []
    out = []
    kind = secrets_scan.file_kind(abspath.name) or "text"
    if "LLM201" in rules:
        for line, col, message, fix in secret_check.scan_text(src.text, shown, cat, kind):
            out.append(_finding(rules["LLM201"], shown, line, col, message, fix, [], line))
    if "LLM202" in rules:
        hit = secrets_scan.env_file_finding(abspath, src.text)
        if hit:
            out.append(_finding(rules["LLM202"], shown, hit[0], hit[1], hit[2], None, [], hit[0]))
    return out


def _finding(meta, path, line, col, message, fix, related, end_line) -> Finding:
    fix_loc = fix if isinstance(fix, Location) and (fix.path, fix.line) != (path, line) else None
    return Finding(meta.id, meta.category, meta.severity, path, line, col, message, end_line=end_line,
                   fix_location=fix_loc, related=list(related))


def _apply(report: Report, raw: list, sources: dict, checks: dict, config: Config, cwd: Path) -> None:
    """Configuration (select/ignore/per-file-ignores/severity) and inline suppressions."""
    unused_meta = next(c.meta for c in checks.values() if c.module is supp)
    seen = set()
    kept = []
    for f in sorted(raw, key=Finding.sort_key):
        key = (f.rule_id, f.path, f.line, f.column)
        if key in seen:
            continue
        seen.add(key)
        meta = checks[f.rule_id].meta
        if not config.rule_enabled(f.rule_id, meta.name, meta.category):
            continue
        if config.ignored_in_file(f.path, f.rule_id, meta.name, meta.category, cwd):
            continue
        f.severity = config.severity_for(f.rule_id, meta.category, f.severity)
        kept.append(f)
    by_file: dict[str, dict] = {}
    for path, src in sources.items():
        if src.text is not None and (report.only is None or path in report.only):
            sups = supp.parse(src.text)
            if sups:
                by_file[path] = sups
    for f in kept:
        s = by_file.get(f.path, {}).get(f.line)
        meta = checks[f.rule_id].meta
        if s is not None:
            tokens = [t for t in s.ids if supp.matches(t, f.rule_id, meta.name, meta.category)]
            if not s.ids or tokens:
                s.used.update(tokens or ["*"])
                f.suppressed = s.reason
                report.suppressed.append(f)
                continue
        report.findings.append(f)
    if not config.rule_enabled(unused_meta.id, unused_meta.name, unused_meta.category):
        return
    known = {}
    for c in checks.values():
        known[c.meta.id.upper()] = c.meta
    for path, sups in by_file.items():
        if config.ignored_in_file(path, unused_meta.id, unused_meta.name, unused_meta.category, cwd):
            continue
        for s in sups.values():
            problems = []
            stale = []  # the tokens that do nothing: what the fix removes
            if not s.ids and not s.used:
                problems.append("suppresses nothing on this line")
            for tok in s.ids:
                meta = known.get(tok.upper()) or next(
                    (m for m in known.values() if tok.lower() in (m.name, m.category)), None)
                if meta is None:
                    problems.append(f"'{tok}' is not a known rule")
                    stale.append(tok)
                elif tok not in s.used and config.rule_enabled(meta.id, meta.name, meta.category) and not (
                    config.ignored_in_file(path, meta.id, meta.name, meta.category, cwd)
                ):
                    problems.append(f"{meta.id} reports nothing on this line")
                    stale.append(tok)
            if problems:
                sev = config.severity_for(unused_meta.id, unused_meta.category, unused_meta.severity)
                report.findings.append(Finding(unused_meta.id, unused_meta.category, sev, path, s.line, s.column,
                                               "unused suppression: " + "; ".join(problems), end_line=s.line))
                # the fixer removes the tokens that do nothing (or the whole comment)
                report.findings[-1].origin = (s, stale)
    report.findings.sort(key=Finding.sort_key)


def project_root(paths: list[str], cwd: Path, config: Config) -> Path:
    """Where the project's dependency and CI files live: the configuration file's folder, else the git
    work tree around the first path, else the first folder scanned."""
    if config.path is not None:
        return config.path.parent
    first = Path(paths[0]) if paths else Path(".")
    first = first if first.is_absolute() else cwd / first
    folder = first if first.is_dir() else first.parent
    for d in [folder, *folder.parents]:
        if (d / ".git").exists():
            return d
    return folder


def _score(report: Report, paths: list[str], sources: dict, checks: dict, config: Config, cwd: Path) -> None:
    from auditor import checklist, signals
    from auditor.discover import display

    root = project_root(paths, cwd, config)
    # without model calls the project-level items are not applicable: no need to read for them
    found = signals.collect([root], sources if report.calls else {}, lambda p: display(Path(p), cwd))
    enabled = {cid for cid, c in checks.items() if config.rule_enabled(cid, c.meta.name, c.meta.category)}
    report.score = checklist.evaluate(report, found, report.resolved, enabled)


def _char_col(lines: list, line: int, col: int) -> int:
    """1-based character column from ast's 1-based UTF-8 byte column."""
    if 0 < line <= len(lines):
        return len(lines[line - 1].encode("utf-8")[: max(col - 1, 0)].decode("utf-8", "ignore")) + 1
    return col
