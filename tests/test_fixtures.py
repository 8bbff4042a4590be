"""End-to-end check of the scanner against the annotated fixture projects.

Every subdirectory of ``fixtures/`` that contains ``.py`` files is scanned with
``python -m auditor scan --format json .`` (cwd = the fixture directory) and the
reported calls and findings must equal the ``# expect:`` annotations exactly.
See ``fixtures/README.md`` for the annotation convention. ``fixtures/fixes/`` holds the
fixer's before/after pairs instead (``tests/test_fix.py`` runs them).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path, PurePosixPath

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "fixtures"

EXPECT_RE = re.compile(r"#\s*expect:\s*(?P<items>[^#]*)")
RULE_ID_RE = re.compile(r"^LLM\d{3}$")
SKIP_PARTS = {"__pycache__"}
FIX_PAIRS = "fixes"  # before.py/after.py pairs of the fixer, not an annotated project

# Files in fixtures/bad_input that the scanner must report as errors, not crash on.
BAD_INPUT_ERROR_FILES = {"broken.py", "blob.py"}

Item = tuple  # (kind, path, line): kind is "call" or a rule id


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if not SKIP_PARTS.intersection(p.parts))


def _fixture_projects() -> list[str]:
    if not FIXTURES_DIR.is_dir():
        return []
    return sorted(d.name for d in FIXTURES_DIR.iterdir() if d.is_dir() and d.name != FIX_PAIRS and _python_files(d))


def _comments(path: Path) -> list[tuple[int, str]] | None:
    """(line, comment text) for every comment token, or None if the file can't be read as Python."""
    try:
        with tokenize.open(path) as fh:  # honours PEP 263 coding cookies
            return [
                (tok.start[0], tok.string)
                for tok in tokenize.generate_tokens(fh.readline)
                if tok.type == tokenize.COMMENT
            ]
    except (SyntaxError, UnicodeDecodeError, tokenize.TokenError, ValueError):
        return None


def _expected(root: Path) -> set[Item]:
    expected: set[Item] = set()
    for path in _python_files(root):
        comments = _comments(path)
        if comments is None:
            continue  # undecodable or untokenizable: no expectations
        rel = path.relative_to(root).as_posix()
        for line, text in comments:
            match = EXPECT_RE.search(text)
            if not match:
                continue
            for raw in match.group("items").split(","):
                item = raw.strip()
                if not item:
                    continue
                if item != "call" and not RULE_ID_RE.match(item):
                    pytest.fail(f"{rel}:{line}: bad expect item {item!r}")
                expected.add((item, rel, line))
    return expected


def _norm_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return str(PurePosixPath(path))


def _run_scan(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--format", "json", "."],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _parse_report(proc: subprocess.CompletedProcess) -> dict:
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(
            f"scan output is not JSON ({exc}); exit={proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[:4000]}\n--- stderr ---\n{proc.stderr[:4000]}"
        )
    assert isinstance(report, dict), f"report is not a JSON object: {type(report).__name__}"
    for key in ("calls", "findings", "errors"):
        assert isinstance(report.get(key), list), f"report[{key!r}] missing or not a list"
    return report


def _actual(report: dict) -> set[Item]:
    actual: set[Item] = set()
    for call in report["calls"]:
        actual.add(("call", _norm_path(call["path"]), int(call["line"])))
    for finding in report["findings"]:
        actual.add((finding["rule_id"], _norm_path(finding["path"]), int(finding["line"])))
    return actual


def _fmt(items: set[Item]) -> str:
    return "\n".join(f"    {path}:{line}  {kind}" for kind, path, line in sorted(items, key=lambda i: (i[1], i[2], i[0])))


@pytest.mark.parametrize("project", _fixture_projects())
def test_fixture_project(project: str) -> None:
    root = FIXTURES_DIR / project
    expected = _expected(root)
    proc = _run_scan(root)

    assert proc.returncode in (0, 1), (
        f"exit code {proc.returncode} (expected 0 or 1)\n--- stderr ---\n{proc.stderr[:4000]}"
    )
    assert "Traceback (most recent call last)" not in proc.stderr, proc.stderr[:4000]
    report = _parse_report(proc)

    error_paths = {_norm_path(err["path"]) for err in report["errors"]}
    if project == "bad_input":
        missing_errors = BAD_INPUT_ERROR_FILES - error_paths
        assert not missing_errors, f"files not reported in errors: {sorted(missing_errors)}; errors={report['errors']}"
        assert "legacy_latin1.py" not in error_paths, "latin-1 file with a coding cookie must be scanned"
        assert "ok.py" not in error_paths
    else:
        assert not report["errors"], f"unexpected scan errors: {report['errors']}"

    actual = _actual(report)
    missing = expected - actual
    unexpected = actual - expected
    if missing or unexpected:
        parts = [f"fixture {project!r}: reported calls/findings differ from # expect: annotations"]
        if missing:
            parts.append(f"  expected but not reported ({len(missing)}):\n{_fmt(missing)}")
        if unexpected:
            parts.append(f"  reported but not expected ({len(unexpected)}):\n{_fmt(unexpected)}")
        pytest.fail("\n".join(parts), pytrace=False)


def test_fixture_projects_found() -> None:
    projects = _fixture_projects()
    assert len(projects) >= 6, projects
    assert "bad_input" in projects and "example" in projects and "clean_app" in projects


def test_clean_app_has_calls_and_no_findings() -> None:
    expected = _expected(FIXTURES_DIR / "clean_app")
    kinds = {kind for kind, _, _ in expected}
    assert kinds == {"call"}, "clean_app annotations must contain calls only"


def test_lookalikes_has_no_expectations() -> None:
    assert _expected(FIXTURES_DIR / "lookalikes") == set()
