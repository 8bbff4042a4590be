#!/usr/bin/env python3
"""Time llm-audit against semgrep on the benchmark corpora, in one run.

Usage:
  python bench/speed.py CORPORA [--corpus NAME ...] [-n RUNS] [--warmup W]
                        [--llm-audit CMD] [--semgrep PATH] [--semgrep-rules FILE]
                        [--tools llm-audit,semgrep] [--timeout S] [--json OUT]

CORPORA is a folder of corpus folders, e.g. the DEST of bench/fetch_corpora.sh
(lcc, aider, django).  Without --corpus, the corpora timed are lcc, aider and
django when present, otherwise every sub-folder of CORPORA (except whl/ and
hidden ones).

For each corpus, each tool is run untimed W times first (at least once: that
run also checks that the command works), then N timed runs in which the two
tools alternate (A B, B A, A B, ...), so that neither always runs on a cache the
other has just warmed.  Output of the timed runs is discarded; the time is the
wall time of the whole command, start-up included (like median_time.py).

Commands timed, for each corpus DIR (given as an absolute path; the working
directory of every run is CORPORA):
  llm-audit: CMD scan --format json --exit-zero --no-cache DIR
             (--no-cache is dropped if the CLI rejects it as an unknown option)
  semgrep:   PATH scan --config FILE --metrics=off --disable-version-check --oss-only DIR

Printed: corpus, .py files, tool, min / median / max wall seconds, and the
ratio of the llm-audit median to the semgrep median.  Plain standard library.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES = REPO_ROOT.parent / "shared" / "bench" / "llm_rules.semgrep.yaml"
DEFAULT_CORPORA = ("lcc", "aider", "django")
TOOLS = ("llm-audit", "semgrep")


def count_py(folder: Path) -> tuple[int, int]:
    """Number of .py files under folder and their total line count."""
    files = lines = 0
    for p in folder.rglob("*.py"):
        if p.is_file():
            files += 1
            with open(p, "rb") as fh:
                lines += sum(1 for _ in fh)
    return files, lines


def pick_corpora(root: Path, names: list[str] | None) -> list[Path]:
    if names:
        out = [root / n for n in names]
        missing = [str(p) for p in out if not p.is_dir()]
        if missing:
            sys.exit(f"speed.py: not a folder: {', '.join(missing)}")
        return out
    out = [root / n for n in DEFAULT_CORPORA if (root / n).is_dir()]
    if not out:
        out = sorted(p for p in root.iterdir()
                     if p.is_dir() and p.name != "whl" and not p.name.startswith("."))
    if not out:
        sys.exit(f"speed.py: no corpus folders in {root}")
    return out


def run(cmd: list[str], cwd: Path, timeout: float, capture: bool) -> subprocess.CompletedProcess:
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                          timeout=timeout)


def timed(cmd: list[str], cwd: Path, timeout: float) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = run(cmd, cwd, timeout, capture=False)
    return time.perf_counter() - t0, proc.returncode


def _tail(data: bytes | None, n: int = 600) -> str:
    return (data or b"").decode("utf-8", "replace").strip()[-n:]


def llm_audit_cmd(base: list[str], folder: Path, no_cache: bool) -> list[str]:
    cmd = base + ["scan", "--format", "json", "--exit-zero"]
    if no_cache:
        cmd.append("--no-cache")
    return cmd + [str(folder)]


def probe_llm_audit(base: list[str], folder: Path, cwd: Path, timeout: float) -> tuple[list[str], str]:
    """Run llm-audit once (untimed). Return (command to time, note); raise RuntimeError if it fails."""
    cmd = llm_audit_cmd(base, folder, no_cache=True)
    proc = run(cmd, cwd, timeout, capture=True)
    note = ""
    err = _tail(proc.stderr)
    if proc.returncode == 2 and "no-cache" in (proc.stderr or b"").decode("utf-8", "replace"):
        # click/typer usage error: "No such option: --no-cache" -> retry without it
        cmd = llm_audit_cmd(base, folder, no_cache=False)
        proc = run(cmd, cwd, timeout, capture=True)
        err = _tail(proc.stderr)
        note = "--no-cache not accepted: timed without it"
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {shlex.join(cmd)}\n{err}")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"output is not JSON ({exc}): {shlex.join(cmd)}\n{_tail(proc.stdout, 300)}") from None
    if isinstance(report, dict):
        counts = {k: len(v) for k, v in report.items() if k in ("calls", "findings") and isinstance(v, list)}
        if counts:
            note = "; ".join(filter(None, [note, ", ".join(f"{v} {k}" for k, v in counts.items())]))
    return cmd, note


def probe_semgrep(cmd: list[str], cwd: Path, timeout: float) -> tuple[list[str], str]:
    proc = run(cmd, cwd, timeout, capture=True)
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {shlex.join(cmd)}\n{_tail(proc.stderr)}")
    # the summary semgrep prints on stderr, e.g. "Ran 2 rules on 81 files: 0 findings."
    summary = [ln for ln in (proc.stderr or b"").decode("utf-8", "replace").splitlines()
               if ln.strip().startswith("Ran ")]
    return cmd, summary[-1].strip() if summary else ""


def fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", type=Path, help="folder holding the corpus folders (lcc, aider, django, ...)")
    ap.add_argument("--corpus", action="append", metavar="NAME",
                    help="sub-folder of CORPORA to time (repeatable; default: lcc aider django, "
                         "or every sub-folder)")
    ap.add_argument("-n", "--runs", type=int, default=5, help="timed runs per tool and corpus (default 5)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs per tool and corpus before timing (default 1, minimum 1)")
    ap.add_argument("--llm-audit", default="llm-audit", metavar="CMD",
                    help="llm-audit command, split like a shell would (default: llm-audit)")
    ap.add_argument("--semgrep", metavar="PATH", help="semgrep executable (default: semgrep on PATH)")
    ap.add_argument("--semgrep-rules", type=Path, default=DEFAULT_RULES, metavar="FILE",
                    help="semgrep rule file (default: ../shared/bench/llm_rules.semgrep.yaml "
                         "relative to the repo root)")
    ap.add_argument("--tools", default=",".join(TOOLS),
                    help="comma-separated subset of: llm-audit,semgrep (default: both)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed per run (default 1800)")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write every timing to this JSON file")
    a = ap.parse_args(argv)

    if a.runs < 1:
        ap.error("-n must be at least 1")
    tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    bad = [t for t in tools if t not in TOOLS]
    if bad or not tools:
        ap.error(f"--tools: unknown {bad or 'empty'}; choose from {','.join(TOOLS)}")
    if not a.corpora.is_dir():
        ap.error(f"not a folder: {a.corpora}")
    root = a.corpora.resolve()

    base_llm = shlex.split(a.llm_audit)
    if "llm-audit" in tools:
        if not base_llm:
            ap.error("--llm-audit is empty")
        if shutil.which(base_llm[0]) is None:
            ap.error(f"llm-audit command not found: {base_llm[0]} (use --llm-audit CMD, or --tools semgrep)")
    semgrep = None
    if "semgrep" in tools:
        semgrep = a.semgrep or shutil.which("semgrep")
        if not semgrep or shutil.which(semgrep) is None:
            ap.error(f"semgrep not found: {semgrep or 'not on PATH'} (use --semgrep PATH, or --tools llm-audit)")
        if not a.semgrep_rules.is_file():
            ap.error(f"semgrep rule file not found: {a.semgrep_rules}")
    rules = a.semgrep_rules.resolve()

    corpora = pick_corpora(root, a.corpus)
    print(f"# {platform.platform()}  python {platform.python_version()}  cpus {os.cpu_count()}  "
          f"runs {a.runs}  warmup {max(a.warmup, 1)}", flush=True)

    results = []
    for folder in corpora:
        files, lines = count_py(folder)
        cmds: dict[str, list[str]] = {}
        notes: dict[str, str] = {}
        errors: dict[str, str] = {}
        for tool in tools:
            try:
                if tool == "llm-audit":
                    cmds[tool], notes[tool] = probe_llm_audit(base_llm, folder, root, a.timeout)
                else:
                    cmds[tool], notes[tool] = probe_semgrep(
                        [semgrep, "scan", "--config", str(rules), "--metrics=off",
                         "--disable-version-check", "--oss-only", str(folder)], root, a.timeout)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                errors[tool] = str(exc)
                print(f"# {folder.name}: {tool} failed, not timed: {exc}", file=sys.stderr, flush=True)
        live = [t for t in tools if t in cmds]
        for _ in range(max(a.warmup, 1) - 1):
            for tool in live:
                run(cmds[tool], root, a.timeout, capture=False)
        walls: dict[str, list[float]] = {t: [] for t in live}
        rcs: dict[str, set[int]] = {t: set() for t in live}
        for i in range(a.runs):
            for tool in (live if i % 2 == 0 else live[::-1]):
                w, rc = timed(cmds[tool], root, a.timeout)
                walls[tool].append(w)
                rcs[tool].add(rc)
        for tool in live:
            if rcs[tool] - {0}:
                notes[tool] = "; ".join(filter(None, [notes.get(tool), f"exit codes {sorted(rcs[tool])}"]))
        for tool in tools:
            w = walls.get(tool, [])
            results.append({
                "corpus": folder.name, "files": files, "lines": lines, "tool": tool,
                "command": shlex.join(cmds[tool]) if tool in cmds else None,
                "walls": [round(x, 4) for x in w],
                "min": min(w) if w else None,
                "median": statistics.median(w) if w else None,
                "max": max(w) if w else None,
                "note": notes.get(tool, ""), "error": errors.get(tool),
            })
        for tool in tools:
            r = results[-len(tools) + tools.index(tool)]
            print(f"# {folder.name} {tool}: {r['command'] or 'FAILED'}  {r['note']}".rstrip(), flush=True)

    print()
    head = f"{'corpus':10s} {'files':>6s} {'tool':10s} {'min s':>8s} {'median s':>9s} {'max s':>8s} {'ratio':>7s}"
    print(head)
    print("-" * len(head))
    by = {(r["corpus"], r["tool"]): r for r in results}
    for folder in corpora:
        la, sg = by.get((folder.name, "llm-audit")), by.get((folder.name, "semgrep"))
        ratio = None
        if la and sg and la["median"] and sg["median"]:
            ratio = la["median"] / sg["median"]
            la["ratio_median"] = round(ratio, 3)
        for tool in tools:
            r = by[(folder.name, tool)]
            rat = fmt(ratio, ".2f") if tool == "llm-audit" and len(tools) == 2 else ""
            if r["error"]:
                print(f"{r['corpus']:10s} {r['files']:6d} {tool:10s} {'FAILED':>8s} {'':>9s} {'':>8s} {rat:>7s}")
            else:
                print(f"{r['corpus']:10s} {r['files']:6d} {tool:10s} {fmt(r['min']):>8s} "
                      f"{fmt(r['median']):>9s} {fmt(r['max']):>8s} {rat:>7s}")
    if len(tools) == 2:
        print("ratio = median llm-audit / median semgrep (below 1: llm-audit is faster)")

    if a.json:
        a.json.write_text(json.dumps({
            "platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "runs": a.runs, "warmup": max(a.warmup, 1), "results": results}, indent=1) + "\n")
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
