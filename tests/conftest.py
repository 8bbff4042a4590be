"""Shared helpers: build a small project in ``tmp_path`` and run the CLI on it as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# One model call that yields LLM101, LLM103, LLM104 (its arguments) and LLM105, LLM106, LLM107 (nothing
# around it: no fallback, no switch, no breaker) on line 4, column 12.
FLAGGED = """\
from openai import OpenAI
client = OpenAI()
def ask(q):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
"""
FLAGGED_LINE = 4
FLAGGED_COLUMN = 12
FLAGGED_RULES = {"LLM101", "LLM103", "LLM104", "LLM105", "LLM106", "LLM107"}

# The same call, production-ready: no findings.
CLEAN = """\
import os
import pybreaker
from openai import APIError, OpenAI
MODEL = os.environ["MODEL"]
client = OpenAI(timeout=30)
breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)
@breaker
def ask(q):
    if os.environ.get("LLM_FEATURE_ENABLED") != "1":
        return ""
    try:
        return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": q}], max_tokens=100)
    except APIError:
        return ""
"""
CLEAN_LINE = 12


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env(cwd: Path) -> dict:
    drop = ("FORCE_COLOR", "NO_COLOR", "CLICOLOR_FORCE", "PYTHONPATH", "XDG_CONFIG_HOME")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(REPO_ROOT)
    # git must not read the user's settings (the `project` fixture also stops it looking above tmp_path)
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["HOME"] = str(Path(cwd).resolve())
    return env


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> Result:
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], cwd=str(cwd), env=cli_env(cwd),
                          capture_output=True, text=True, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def scan_json(*args: str, cwd: Path) -> tuple[Result, dict]:
    res = run_cli("scan", "--format", "json", *args, cwd=cwd)
    assert res.returncode in (0, 1), res.output
    return res, res.json()


def findings_of(report: dict) -> set:
    """{(rule_id, path, line)} of a JSON report."""
    return {(f["rule_id"], f["path"], f["line"]) for f in report["findings"]}


def write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=str(cwd),
                   env=cli_env(cwd), check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """An empty project folder (a child of tmp_path, so tests can put things next to it)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.resolve()))
    p = tmp_path / "proj"
    p.mkdir()
    return p
