#!/usr/bin/env python3
"""Per-provider scores of llm-audit on the labelled corpus.

Runs evaluate.py (`corpus LABELS --json`) once with no provider filter (the
"overall" line) and then once per provider named in the labels (the `provider`
field of each labelled call, with `--providers P`), and prints one table: calls
labelled, call-detection recall, and precision/recall of each check.

Usage:
  python bench/corpus_by_provider.py [--evaluate PATH] [--labels YAML]
         [--llm-audit CMD] [--providers a,b] [--python EXE] [--counts] [--json OUT]

Defaults: --evaluate ../shared/corpus/evaluate.py and --labels
../shared/corpus/dev.yaml, both relative to the repo root.  --python is the
interpreter that runs evaluate.py (it needs PyYAML); default: this one.

What --providers filters in evaluate.py: the labelled calls only.  Secrets,
placeholders and not-a-call sites belong to no provider and are scored the
same in every run, so they are shown on the overall line only.  Each run scans
every package (evaluate.py caches the downloads, not the scans).
Plain standard library (PyYAML is used to read the labels when present).
"""
from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVALUATE = REPO_ROOT.parent / "shared" / "corpus" / "evaluate.py"
DEFAULT_LABELS = REPO_ROOT.parent / "shared" / "corpus" / "dev.yaml"
# evaluate.py's finding categories for the labelled checks, in display order
CHECKS = ("timeout", "retry", "fallback", "kill-switch", "max-tokens", "model-pinning")
ABBR = {"timeout": "timeout", "retry": "retry", "fallback": "fallback", "kill-switch": "kill-sw",
        "max-tokens": "max-tok", "model-pinning": "model"}
OVERALL_ONLY = ("not-a-call", "secret")


def providers_in(labels: Path) -> Counter:
    """provider -> number of labelled calls, in the labels file."""
    text = labels.read_text(encoding="utf-8")
    try:
        import yaml  # optional
    except ImportError:
        yaml = None
    if yaml is not None:
        entries = yaml.safe_load(text) or []
        return Counter(str(c.get("provider")) for e in entries for c in (e.get("calls") or [])
                       if c.get("provider") is not None)
    # fallback without PyYAML: the corpus files write one `provider: NAME` line per call
    return Counter(m.group(1).strip("'\"")
                   for m in re.finditer(r"^\s*-?\s*provider:\s*(\S+)\s*$", text, re.M))


def run_evaluate(python: str, evaluate: Path, labels: Path, llm: str | None,
                 provider: str | None) -> dict:
    cmd = [python, str(evaluate), "corpus", str(labels), "--json"]
    if provider is not None:
        cmd += ["--providers", provider]
    if llm:
        cmd += ["--llm-audit", llm]
    print("+ " + shlex.join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"failed": f"evaluate.py exit {proc.returncode}: {proc.stderr.strip()[-1500:]}"}
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        return {"failed": f"evaluate.py output is not JSON ({exc}): {proc.stdout[:300]!r}"}


def absolutize(llm: str | None) -> str | None:
    """evaluate.py runs CMD inside each unpacked package: make a relative executable path absolute."""
    if not llm:
        return llm
    words = shlex.split(llm)
    if words and "/" in words[0] and not Path(words[0]).is_absolute() and Path(words[0]).exists():
        words[0] = str(Path(words[0]).resolve())
        return shlex.join(words)
    return llm


def pr(fig: dict | None, counts: bool) -> str:
    if not fig:
        return "-"
    p = "-" if fig.get("precision") is None else f"{fig['precision']:.2f}"
    r = "-" if fig.get("recall") is None else f"{fig['recall']:.2f}"
    cell = f"{p}/{r}"
    if counts:
        cell += f" ({fig.get('tp', 0)}/{fig.get('fp', 0)}/{fig.get('fn', 0)})"
    return cell


def recall(fig: dict | None, counts: bool) -> str:
    if not fig or fig.get("recall") is None:
        return "-"
    cell = f"{fig['recall']:.2f}"
    if counts:
        cell += f" ({fig.get('tp', 0)}/{fig.get('tp', 0) + fig.get('fn', 0)})"
    return cell


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evaluate", type=Path, default=DEFAULT_EVALUATE, metavar="PATH",
                    help="evaluate.py to run (default: ../shared/corpus/evaluate.py from the repo root)")
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS, metavar="YAML",
                    help="corpus label file (default: ../shared/corpus/dev.yaml from the repo root)")
    ap.add_argument("--llm-audit", metavar="CMD", help="passed to evaluate.py (its default: llm-audit on PATH)")
    ap.add_argument("--providers", metavar="LIST",
                    help="comma-separated providers to report (default: every provider in the labels)")
    ap.add_argument("--python", default=sys.executable, metavar="EXE",
                    help="interpreter for evaluate.py, which needs PyYAML (default: this one)")
    ap.add_argument("--no-overall", action="store_true", help="skip the unfiltered run")
    ap.add_argument("--counts", action="store_true", help="add (tp/fp/fn) to every cell")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write every evaluate.py result here")
    a = ap.parse_args(argv)

    if not a.evaluate.is_file():
        ap.error(f"evaluate.py not found: {a.evaluate}")
    if not a.labels.is_file():
        ap.error(f"labels not found: {a.labels}")
    if shutil.which(a.python) is None:
        ap.error(f"python not found: {a.python}")
    per_provider = providers_in(a.labels)
    if a.providers:
        wanted = [p.strip() for p in a.providers.split(",") if p.strip()]
        unknown = [p for p in wanted if p not in per_provider]
        if unknown:
            ap.error(f"no labelled calls for provider(s) {', '.join(unknown)}; "
                     f"labels have: {', '.join(sorted(per_provider))}")
    else:
        wanted = [p for p, _ in sorted(per_provider.items(), key=lambda kv: (-kv[1], kv[0]))]
    if not wanted:
        ap.error(f"no provider fields in {a.labels}")
    llm = absolutize(a.llm_audit)
    evaluate, labels = a.evaluate.resolve(), a.labels.resolve()

    runs: dict[str, dict] = {}
    if not a.no_overall:
        runs["overall"] = run_evaluate(a.python, evaluate, labels, llm, None)
    for p in wanted:
        runs[p] = run_evaluate(a.python, evaluate, labels, llm, p)

    rows = [("provider", "calls", "call-recall") + tuple(f"{ABBR[c]} P/R" for c in CHECKS)]
    for name, res in runs.items():
        n = sum(per_provider.values()) if name == "overall" else per_provider[name]
        if "failed" in res:
            rows.append((name, str(n), "FAILED") + ("",) * len(CHECKS))
            continue
        figs = res.get("figures", {})
        rows.append((name, str(n), recall(figs.get("call-detection"), a.counts))
                    + tuple(pr(figs.get(c), a.counts) for c in CHECKS))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for j, r in enumerate(rows):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            print("  ".join("-" * w for w in widths))
    print("cells: precision/recall of the findings of that category at the labelled calls"
          + (" (tp/fp/fn)" if a.counts else "") + "; '-' = nothing to score")

    overall = runs.get("overall", {})
    figs = overall.get("figures", {})
    extra = [c for c in sorted(figs) if c not in CHECKS and c != "call-detection"]
    if extra:
        print("overall only: " + "; ".join(
            f"{c} tp={figs[c].get('tp', 0)} fp={figs[c].get('fp', 0)} fn={figs[c].get('fn', 0)}"
            + (f" tn={figs[c]['tn']}" if "tn" in figs[c] else "")
            + f" P={figs[c].get('precision')} R={figs[c].get('recall')}" for c in extra))
    status = 0
    for name, res in runs.items():
        if "failed" in res:
            print(f"FAILED {name}: {res['failed']}")
            status = 1
    # tree errors are the same in every run: show them once
    errs = next((res.get("errors") for res in runs.values() if res.get("errors")), None)
    for e in errs or []:
        print(f"ERROR {e}")
    if a.json:
        a.json.write_text(json.dumps({"labels": str(labels), "evaluate": str(evaluate), "llm_audit": llm,
                                      "calls_per_provider": dict(per_provider), "runs": runs}, indent=1) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
