#!/usr/bin/env python3
"""Every miss of a corpus evaluation, with the labeller's notes for that call.

    python ../shared/corpus/evaluate.py corpus ../shared/corpus/dev.yaml --verbose > /tmp/eval.txt
    python bench/corpus_misses.py /tmp/eval.txt [--labels ../shared/corpus/dev.yaml] [FILTER]

FILTER keeps the miss lines that contain it (a package, a path, "missed timeout", ...).
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("eval_output")
    ap.add_argument("filter", nargs="?", default="")
    ap.add_argument("--labels", default=str(Path(__file__).resolve().parents[2] / "shared/corpus/dev.yaml"))
    a = ap.parse_args()
    notes = {}
    for entry in yaml.safe_load(Path(a.labels).read_text()):
        where = f"{entry['package']}=={entry['version']}"
        for c in entry.get("calls", []):
            notes[(where, c["path"], int(c["line"]))] = c
    for line in Path(a.eval_output).read_text().splitlines():
        if not line.startswith("  ") or a.filter not in line:
            continue
        m = re.match(r"\s+(\S+?):(.+?):(\d+) (.*)", line)
        if not m:
            continue
        c = notes.get((m.group(1), m.group(2), int(m.group(3))), {})
        print(f"{m.group(1)} {m.group(2)}:{m.group(3)} {m.group(4)}")
        if c:
            print(f"    api={c.get('api')} provider={c.get('provider')} hard={bool(c.get('hard'))} "
                  f"notes={c.get('notes', '')}")


if __name__ == "__main__":
    main()
