#!/usr/bin/env python3
"""Side-by-side of hard-coded-secret detection on one fixture tree: llm-audit, detect-secrets, gitleaks-style rules.

Usage (from the repository root):
  python bench/secrets_compare.py [--tree fixtures/secrets_repo] [--llm-audit CMD] [--detect-secrets CMD] [--json]

- llm-audit: ``CMD scan --isolated --select LLM201,LLM202,LLM203 --format json .`` in the tree.
- detect-secrets: ``CMD scan --all-files .`` (install it into its own venv, e.g.
  ``python -m venv /tmp/ds-venv && /tmp/ds-venv/bin/pip install detect-secrets``); skipped when not found.
- gitleaks-style: gitleaks is a Go binary, so its default rules for these providers (as recorded in
  ../shared/provider-matrix.md section 20: openai, anthropic, anthropic-admin, gcp-api-key, huggingface,
  perplexity, aws) plus an approximation of its ``generic-api-key`` rule (keyword, assignment, 10-150
  characters, entropy >= 3.5) are applied here line by line. It is an approximation, not gitleaks itself.

Truth: every line of the tree that holds a real (synthetic) credential. In ``.py`` files these are the lines
annotated ``# expect: LLM201``; for the other files the list is below (kept in step with
tests/test_secrets_repo.py). Every other line is negative, including the placeholders, public values and
allowlisted lines the fixture holds. No tool's output is printed: only file:line pairs and counts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NON_PY_TRUTH = {
    (".env", 2), (".env", 3), ("Dockerfile", 2),
    ("config/app.ini", 2), ("config/app.ini", 6), ("config/app.ini", 7),
    ("config/app.json", 4), ("config/app.json", 10), ("config/settings.toml", 3), ("config/settings.toml", 4),
    ("config/settings.yaml", 3), ("config/settings.yaml", 8), ("docker-compose.yml", 5), ("docker-compose.yml", 7),
    ("notebooks/explore.ipynb", 11), ("notebooks/explore.ipynb", 19), ("notebooks/explore.ipynb", 27),
}
SCANNED = re.compile(r"(\.py|\.ipynb|\.ya?ml|\.json|\.toml|\.ini|\.cfg)$|(^|/)(\.env[^/]*|Dockerfile)$")

# gitleaks default rules for model providers (provider-matrix.md section 20)
GITLEAKS = {
    "openai-api-key": r"\b(?:sk-(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ"
                      r"(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})|sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})\b",
    "anthropic-api-key": r"\bsk-ant-api03-[a-zA-Z0-9_\-]{93}AA\b",
    "anthropic-admin-api-key": r"\bsk-ant-admin01-[a-zA-Z0-9_\-]{93}AA\b",
    "gcp-api-key": r"\bAIza[\w-]{35}\b",
    "huggingface-access-token": r"\bhf_[a-zA-Z]{34}\b",
    "huggingface-organization-api-token": r"\bapi_org_[a-zA-Z]{34}\b",
    "perplexity-api-key": r"\bpplx-[a-zA-Z0-9]{48}\b",
    "aws-access-token": r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
}
GENERIC = re.compile(r"(?i)[\w.-]*(?:access|auth|api|credential|creds|key|passwd|password|secret|token)[\w.-]*"
                     r"[\s'\"]{0,3}(?:=|:|:=|=>|,)\s*[\"']?([0-9a-z\-_.=+/]{10,150})(?:[\"'\s;]|\\[nr]|$)")


def entropy(s: str) -> float:
    c = Counter(s)
    return -sum(n / len(s) * math.log2(n / len(s)) for n in c.values())


def truth(tree: Path) -> set:
    out = set(NON_PY_TRUTH)
    for p in tree.rglob("*.py"):
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            m = re.search(r"#\s*expect:\s*(.*)$", line)
            if m and "LLM201" in m.group(1):
                out.add((p.relative_to(tree).as_posix(), i))
    return out


def files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.is_file() and SCANNED.search(p.relative_to(tree).as_posix()))


def run_llm_audit(cmd: list[str], tree: Path) -> tuple[set, Counter]:
    proc = subprocess.run(cmd + ["scan", "--isolated", "--select", "LLM201,LLM202,LLM203", "--format", "json", "."],
                          cwd=tree, capture_output=True, text=True, timeout=300)
    report = json.loads(proc.stdout)
    keys = {(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == "LLM201"}
    return keys, Counter(f["rule_id"] for f in report["findings"])


def run_detect_secrets(cmd: list[str], tree: Path) -> set:
    proc = subprocess.run(cmd + ["scan", "--all-files", "."], cwd=tree, capture_output=True, text=True, timeout=300)
    data = json.loads(proc.stdout)
    return {(Path(f).as_posix().removeprefix("./"), r["line_number"])
            for f, rows in data.get("results", {}).items() for r in rows}


def run_gitleaks_style(tree: Path) -> set:
    rules = [re.compile(r) for r in GITLEAKS.values()]
    out = set()
    for p in files(tree):
        rel = p.relative_to(tree).as_posix()
        for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if "gitleaks:allow" in line:
                continue
            if any(r.search(line) for r in rules):
                out.add((rel, i))
                continue
            for m in GENERIC.finditer(line):
                if entropy(m.group(1)) >= 3.5:
                    out.add((rel, i))
                    break
    return out


def score(found: set, expected: set) -> dict:
    tp, fp, fn = found & expected, found - expected, expected - found
    return {"tp": len(tp), "fp": len(fp), "fn": len(fn),
            "precision": round(len(tp) / len(found), 3) if found else None,
            "recall": round(len(tp) / len(expected), 3) if expected else None,
            "false_alarms": sorted(f"{p}:{n}" for p, n in fp), "missed": sorted(f"{p}:{n}" for p, n in fn)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=str(ROOT / "fixtures" / "secrets_repo"))
    ap.add_argument("--llm-audit", default=f"{shlex.quote(sys.executable)} -m auditor")
    ap.add_argument("--detect-secrets", default=shutil.which("detect-secrets") or "/tmp/ds-venv/bin/detect-secrets")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tree = Path(args.tree).resolve()
    expected = truth(tree)
    env_cmd = shlex.split(args.llm_audit)
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    results = {}
    keys, by_rule = run_llm_audit(env_cmd, tree)
    results["llm-audit"] = score(keys, expected)
    results["llm-audit"]["other_rules"] = {k: v for k, v in by_rule.items() if k != "LLM201"}
    ds = shlex.split(args.detect_secrets)
    if shutil.which(ds[0]) or Path(ds[0]).exists():
        results["detect-secrets"] = score(run_detect_secrets(ds, tree), expected)
    results["gitleaks-style"] = score(run_gitleaks_style(tree), expected)
    if args.json:
        print(json.dumps({"tree": str(tree), "secrets": len(expected), "results": results}, indent=2))
        return 0
    print(f"tree: {tree}  ({len(files(tree))} files, {len(expected)} lines with a real credential)")
    print(f"{'tool':16} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}")
    for name, r in results.items():
        print(f"{name:16} {r['tp']:4d} {r['fp']:4d} {r['fn']:4d} {r['precision']!s:>10} {r['recall']!s:>7}")
    for name, r in results.items():
        print(f"\n{name}:")
        print("  false alarms: " + (", ".join(r["false_alarms"]) or "none"))
        print("  missed:       " + (", ".join(r["missed"]) or "none"))
        if r.get("other_rules"):
            print("  also: " + ", ".join(f"{k} x{v}" for k, v in sorted(r["other_rules"].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
