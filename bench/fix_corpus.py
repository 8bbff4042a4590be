#!/usr/bin/env python3
"""Acceptance run of ``llm-audit scan --fix --unsafe-fixes`` on a copy of every package of the corpus.

For each package of ``../shared/corpus/dev.yaml`` (already unpacked by ``bench/corpus_eval.sh`` under
``/tmp/llm-audit-eval-cache/<pkg>-<ver>-wheel/tree``): copy it to ``WORK/<pkg>`` and commit it to a new
git repository, then

1. scan it (JSON) and note every finding that carries a fix, and the lines its edits touch;
2. run ``scan --fix --unsafe-fixes``: fixes applied, files changed;
3. compile every changed file;
4. scan again: every finding that had a fix must be gone, and no finding may be new (findings are
   matched through the diff's line mapping, so a line moved by an added import is the same line);
5. run ``--fix --unsafe-fixes`` a second time: nothing may change;
6. check ``git diff``: every line it removes or rewrites lies within an edit the first scan announced,
   and every line it adds is next to one (or is an import).

The corpus code is only copied under WORK (default /tmp/fixcorpus), never into this repository. Prints
one row per package and the totals; ``--diff PKG`` prints that package's diff at the end; exit 1 when a
check fails.

    python bench/fix_corpus.py [--only aider-chat,mem0ai] [--work /tmp/fixcorpus] [--diff mem0ai]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "dev.yaml"
CACHE = Path("/tmp/llm-audit-eval-cache")
GIT = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", "-c", "core.autocrlf=false"]


def llm_audit(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=3600)


def scan_json(cwd: Path, *extra: str) -> dict:
    res = llm_audit(cwd, "scan", "--isolated", "--format", "json", *extra, ".")
    if res.returncode not in (0, 1):
        raise RuntimeError(f"scan failed in {cwd}: {res.stderr[-2000:]}")
    return json.loads(res.stdout)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(GIT + list(args), cwd=cwd, capture_output=True, text=True, check=True).stdout


def prepare(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)
    git(dst, "init", "-q")
    git(dst, "add", "-A")
    git(dst, "commit", "-q", "-m", "corpus copy")


def line_map(old: str, new: str) -> dict:
    """Old line number -> new line number (1-based), through the diff: equal runs map one to one, a
    rewritten run maps its lines in order (an appended argument that adds a line stays with its call)."""
    a, b = old.splitlines(), new.splitlines()
    out = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("equal", "replace"):
            for k in range(i2 - i1):
                out[i1 + k + 1] = min(j1 + k, j2 - 1) + 1 if j2 > j1 else None
    return out


def changed_lines(old: str, new: str) -> tuple[set, list]:
    """(old line numbers removed or rewritten, [(old line the insertion follows, added text)])."""
    a, b = old.splitlines(), new.splitlines()
    removed, added = set(), []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed.update(range(i1 + 1, i2 + 1))
        if tag == "insert" or (tag == "replace" and j2 - j1 > i2 - i1):
            extra = b[j1 + (i2 - i1 if tag == "replace" else 0):j2]
            added += [(i2, t) for t in extra]
    return removed, added


def compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def why_not(f: dict, root: Path) -> str:
    """A rough reason a finding of a fixable rule got no fix (for the summary only)."""
    m = f["message"]
    if "only set when" in m or "only passed when" in m or "only put in the payload" in m:
        return "set only under a condition"
    if m.startswith("HTTP request") or "payload" in m:
        return "raw HTTP / JSON payload"
    if "not traceable" in m:
        return "client built elsewhere"
    lines = []
    for where in (f, f.get("fix_location") or {}):
        if where.get("path"):
            try:
                text = (root / where["path"]).read_text("utf-8", "replace").splitlines()
            except OSError:
                continue
            lines += text[where["line"] - 1: where["line"] + 6]
    if any("**" in x for x in lines):
        return "**mapping at the call or constructor"
    return "other (variable containers, SDKs with no such option, ...)"


def key(f: dict) -> tuple:
    return f["rule_id"], f["path"], f["line"]


def run_package(pkg: dict, work: Path) -> dict:
    name, version = pkg["package"], pkg["version"]
    src = CACHE / f"{name}-{version}-wheel" / "tree"
    if not src.is_dir():
        return {"package": name, "error": f"not unpacked: {src} (run bench/corpus_eval.sh first)"}
    dst = work / name
    prepare(src, dst)
    before = scan_json(dst)
    cat_fixable = {r["id"] for r in json.loads(llm_audit(dst, "rules", "--format", "json").stdout) if r["fixable"]}
    of_fixable_rules = sum(1 for f in before["findings"] if f["rule_id"] in cat_fixable)
    reasons = [why_not(f, dst) for f in before["findings"] if f["rule_id"] in cat_fixable and not f.get("fix")]
    fixable = [f for f in before["findings"] if f.get("fix")]
    spans: dict = {}
    for f in fixable:
        for e in f["fix"]["edits"]:
            spans.setdefault(e["path"], []).append((e["line"], e["end_line"]))
    originals = {}
    for p in {e["path"] for f in fixable for e in f["fix"]["edits"]}:
        originals[p] = (dst / p).read_bytes().decode("utf-8", "replace")

    fixed_run = llm_audit(dst, "scan", "--isolated", "--fix", "--unsafe-fixes", "--format", "json", ".")
    if fixed_run.returncode not in (0, 1):
        return {"package": name, "error": f"--fix failed: {fixed_run.stderr[-2000:]}"}
    fixed = json.loads(fixed_run.stdout).get("fixed", 0)
    changed = [p for p in git(dst, "diff", "--name-only").splitlines() if p]
    not_compiling = [p for p in changed if not compiles((dst / p).read_bytes().decode("utf-8", "replace"), p)]

    after = scan_json(dst)
    maps = {p: line_map(originals.get(p) or git(dst, "show", f"HEAD:{p}"), (dst / p).read_text("utf-8", "replace"))
            for p in changed}

    def moved(f: dict) -> tuple:
        m = maps.get(f["path"])
        return (f["rule_id"], f["path"], m.get(f["line"]) if m is not None else f["line"])

    before_keys = {moved(f) for f in before["findings"]}
    after_keys = {key(f) for f in after["findings"]}
    still = sorted({moved(f) for f in fixable} & after_keys)
    new = sorted(after_keys - before_keys)

    state = {p: (dst / p).read_bytes() for p in changed}
    second = llm_audit(dst, "scan", "--isolated", "--fix", "--unsafe-fixes", "--format", "json", ".")
    second_fixed = json.loads(second.stdout).get("fixed", 0) if second.returncode in (0, 1) else -1
    changed2 = [p for p in git(dst, "diff", "--name-only").splitlines() if p]
    second_changes = sorted(set(changed2) ^ set(changed)) + [p for p in changed if (dst / p).read_bytes() != state[p]]

    outside = []
    for p in changed:
        old = git(dst, "show", f"HEAD:{p}")
        removed, added = changed_lines(old, (dst / p).read_text("utf-8", "replace"))
        own = spans.get(p, [])

        def near(line: int, slack: int = 0, own=own) -> bool:
            return any(a - slack <= line <= b + slack for a, b in own)

        outside += [f"{p}:{n} (changed)" for n in sorted(removed) if not near(n)]
        outside += [f"{p}:after {n} (added: {t.strip()[:60]})" for n, t in added
                    if not (near(n, 1) or t.lstrip().startswith(("import ", "from ")))]
    return {"package": name, "findings": of_fixable_rules, "reasons": reasons, "fixable": len(fixable), "fixed": fixed,
            "changed": len(changed), "not_compiling": not_compiling, "still": still, "new": new,
            "second_fixed": second_fixed, "second_changes": second_changes, "outside": outside}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--work", default="/tmp/fixcorpus")
    ap.add_argument("--only", default="")
    ap.add_argument("--diff", default="", help="print this package's git diff at the end")
    args = ap.parse_args(argv)
    pkgs = yaml.safe_load(Path(args.corpus).read_text(encoding="utf-8"))
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    print("findings: of the fixable rules (LLM001, 101-104, 110, 201); with fix: those a fix was planned for;\n"
          "fixed: applied by --fix --unsafe-fixes (all passes); files: changed; gone: fixed findings absent\n"
          "from the rescan; new: findings the rescan has that the first scan had not\n")
    print(f"{'package':22s} {'findings':>8s} {'w/ fix':>6s} {'fixed':>6s} {'files':>6s} {'compile':>8s} {'gone':>8s} "
          f"{'new':>4s} {'2nd run':>9s} {'diff ok':>8s}")
    for pkg in pkgs:
        if only and pkg["package"] not in only:
            continue
        try:
            r = run_package(pkg, work)
        except Exception as exc:  # noqa: BLE001 - report and go on
            r = {"package": pkg["package"], "error": f"{type(exc).__name__}: {exc}"}
        rows.append(r)
        if "error" in r:
            print(f"{r['package']:22s} ERROR {r['error']}")
            continue
        ok_compile = "ok" if not r["not_compiling"] else f"{len(r['not_compiling'])} bad"
        gone = f"{r['fixable'] - len(r['still'])}/{r['fixable']}"
        second = "no change" if not r["second_changes"] and r["second_fixed"] == 0 else "CHANGED"
        diff_ok = "ok" if not r["outside"] else f"{len(r['outside'])} out"
        print(f"{r['package']:22s} {r['findings']:8d} {r['fixable']:6d} {r['fixed']:6d} {r['changed']:6d} "
              f"{ok_compile:>8s} {gone:>8s} {len(r['new']):4d} {second:>9s} {diff_ok:>8s}", flush=True)
    good = [r for r in rows if "error" not in r]
    tot = {k: sum(r[k] for r in good) for k in ("findings", "fixable", "fixed", "changed")}
    problems = sum(len(r["not_compiling"]) + len(r["still"]) + len(r["new"]) + len(r["second_changes"])
                   + len(r["outside"]) + (r["second_fixed"] != 0) for r in good) + (len(rows) - len(good))
    print(f"{'total':22s} {tot['findings']:8d} {tot['fixable']:6d} {tot['fixed']:6d} {tot['changed']:6d}   "
          f"packages {len(good)}/{len(rows)}, problems {problems}")
    from collections import Counter

    reasons = Counter(x for r in good for x in r["reasons"])
    if reasons:
        print("findings of fixable rules with no fix, by reason (rough):")
        for why, n in reasons.most_common():
            print(f"  {n:5d}  {why}")
    for r in good:
        for what in ("not_compiling", "still", "new", "second_changes", "outside"):
            for item in r[what][:10]:
                print(f"  {r['package']}: {what}: {item}")
    if args.diff:
        print(git(work / args.diff, "diff"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
