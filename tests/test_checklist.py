"""The production-readiness checklist, its score, and the model inventory."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import CLEAN, FLAGGED, run_cli, write

from auditor import checklist, inventory
from auditor.config import Config
from auditor.engine import scan


def _scan(root: Path):
    return scan(["."], Config(root=root), root)


def _items(report) -> dict:
    return {i.id: i for s in report.score.sections for i in s.items}


def test_no_model_calls_means_not_applicable(project):
    write(project, "app.py", "print('hello')\n")
    report = _scan(project)
    items = _items(report)
    assert items["timeouts"].status == "n/a"
    assert items["tracing"].status == "n/a"
    assert items["no-hardcoded-keys"].status == "pass"  # secrets are judged even without model calls
    assert report.score.overall == 100.0


def test_flagged_call_fails_the_reliability_items_with_evidence(project):
    write(project, "app.py", FLAGGED)
    items = _items(_scan(project))
    assert items["timeouts"].status == "fail"
    assert [(e.path, e.line) for e in items["timeouts"].evidence] == [("app.py", 4)]
    assert items["token-caps"].status == "fail"
    assert items["pinned-models"].status == "fail"
    assert items["models-from-config"].status == "fail"
    assert items["fallback"].status == "fail"


def test_clean_call_passes_the_call_level_items(project):
    write(project, "app.py", CLEAN)
    items = _items(_scan(project))
    for item in ("timeouts", "retries", "circuit-breaker", "fallback", "token-caps", "pinned-models",
                 "kill-switch", "models-from-config"):
        assert items[item].status == "pass", item


def test_one_bad_call_of_two_is_partial(project):
    write(project, "good.py", CLEAN)
    write(project, "bad.py", FLAGGED)
    assert _items(_scan(project))["timeouts"].status == "partial"


def test_a_declared_but_unused_tracing_dependency_is_only_partial(project):
    write(project, "app.py", FLAGGED)
    write(project, "pyproject.toml", '[project]\nname = "x"\nversion = "0"\ndependencies = ["openai", "langfuse>=2"]\n')
    item = _items(_scan(project))["tracing"]
    assert item.status == "partial"
    assert item.evidence[0].path == "pyproject.toml"


def test_tracing_used_in_code_passes(project):
    write(project, "app.py", "from langfuse.openai import openai  # traced drop-in\n" + FLAGGED)
    write(project, "requirements.txt", "langfuse==2.1\n")
    item = _items(_scan(project))["tracing"]
    assert item.status == "pass"
    assert (item.evidence[0].path, item.evidence[0].line) == ("app.py", 1)


def test_no_tracing_fails(project):
    write(project, "app.py", FLAGGED)
    assert _items(_scan(project))["tracing"].status == "fail"


@pytest.mark.parametrize("ci_file, text", [
    (".github/workflows/evals.yml",
     "on: [pull_request]\njobs:\n  evals:\n    runs-on: ubuntu-latest\n    steps:\n"
     "      - uses: actions/checkout@v4\n      - run: npx promptfoo eval -c promptfooconfig.yaml\n"),
    (".gitlab-ci.yml", "evals:\n  script:\n    - pip install -r requirements.txt\n    - deepeval test run tests/evals\n"),
])
def test_eval_suite_run_by_ci_passes(project, ci_file, text):
    write(project, "app.py", FLAGGED)
    write(project, ci_file, text)
    item = _items(_scan(project))["eval-gate"]
    assert item.status == "pass"
    assert item.evidence[0].path == ci_file


def test_ci_that_runs_no_eval_and_an_eval_folder_is_partial(project):
    write(project, "app.py", FLAGGED)
    write(project, ".github/workflows/ci.yml", "on: [push]\njobs:\n  t:\n    steps:\n      - run: pytest -q\n")
    write(project, "evals/test_answers.py", "def test_answer():\n    assert True\n")
    assert _items(_scan(project))["eval-gate"].status == "partial"


def test_no_eval_at_all_fails(project):
    write(project, "app.py", FLAGGED)
    assert _items(_scan(project))["eval-gate"].status == "fail"


def test_rate_limiter_and_429_handling(project):
    write(project, "app.py", FLAGGED.replace("def ask(q):", "import asyncio\nLIMIT = asyncio.Semaphore(4)\n"
                                             "def ask(q):"))
    write(project, "errors.py", "import openai\ndef is_throttle(e):\n    return isinstance(e, openai.RateLimitError)\n")
    items = _items(_scan(project))
    assert items["backpressure"].status == "pass"
    assert items["handles-429"].status == "pass"


def test_hardcoded_key_fails_the_secrets_section(project):
    key = "gsk_" + "Q7vPn2XkR9sLm4TbW8yJc3HdF6gZa1NeU0oYh5KiR2tB7wXe4MsD"
    write(project, "app.py", f'KEY = "{key}"\n' + CLEAN)
    report = _scan(project)
    assert _items(report)["no-hardcoded-keys"].status == "fail"
    secrets = next(s for s in report.score.sections if s.id == "secrets")
    assert secrets.score is not None and secrets.score < 100


def test_items_resting_on_unselected_rules_are_not_applicable(project):
    write(project, "app.py", FLAGGED)
    report = scan(["."], Config(root=project, select=["LLM101"]), project)
    items = _items(report)
    assert items["timeouts"].status == "fail"
    assert items["fallback"].status == "n/a"  # LLM105 did not run: not a free pass


# ----- the formula -----------------------------------------------------------------------------
def _score(statuses: dict, weights: dict | None = None):
    """Run the formula on hand-made items, through the same code path (patched item results)."""
    sections = [checklist.Section("a", "A", 1, [checklist.Item(k, k, v, (weights or {}).get(k, 1))
                                                 for k, v in statuses.items()])]
    for s in sections:
        scored = [i for i in s.items if i.status in checklist.POINTS]
        s.score = round(100 * sum(checklist.POINTS[i.status] * i.weight for i in scored)
                        / sum(i.weight for i in scored), 1) if scored else None
    return sections[0].score


def test_formula_pass_partial_fail_and_not_applicable():
    assert _score({"x": "pass", "y": "fail"}) == 50.0
    assert _score({"x": "pass", "y": "partial"}) == 75.0
    assert _score({"x": "pass", "y": "n/a"}) == 100.0
    assert _score({"x": "n/a"}) is None
    assert _score({"x": "pass", "y": "fail"}, {"x": 3, "y": 1}) == 75.0


def test_grades_follow_the_catalogue_thresholds(project, monkeypatch):
    write(project, "app.py", CLEAN)
    report = _scan(project)
    overall = report.score.overall
    expected = next(g for floor, g in [[90, "A"], [80, "B"], [70, "C"], [60, "D"], [0, "F"]] if overall >= floor)
    assert report.score.grade == expected


# ----- CLI: score in outputs, --fail-under, inventory --------------------------------------------
def test_json_has_the_score_object(project):
    write(project, "app.py", FLAGGED)
    res = run_cli("scan", "--format", "json", cwd=project)
    score = json.loads(res.stdout)["score"]
    assert set(score) == {"overall", "grade", "sections"}
    assert [s["id"] for s in score["sections"]] == ["sourcing", "reliability", "cost-latency", "observability",
                                                   "rollout", "rate-limits", "secrets"]
    item = next(i for s in score["sections"] for i in s["items"] if i["id"] == "timeouts")
    assert item["status"] == "fail" and item["evidence"][0] == {"path": "app.py", "line": 4,
                                                                  "what": "LLM101 on this call"}


def test_console_summary_shows_the_score(project):
    write(project, "app.py", FLAGGED)
    res = run_cli("scan", cwd=project)
    assert "Production readiness:" in res.stdout


def test_fail_under(project):
    write(project, "app.py", CLEAN)
    ok = run_cli("scan", "--exit-zero", "--fail-under", "10", cwd=project)
    assert ok.returncode == 0
    low = run_cli("scan", "--exit-zero", "--fail-under", "100", cwd=project)
    assert low.returncode == 1
    assert "below" in low.stderr


def test_inventory_formats(project):
    write(project, "app.py", FLAGGED)
    write(project, "clean.py", CLEAN)
    res = run_cli("inventory", "--format", "json", cwd=project)
    assert res.returncode == 0
    calls = json.loads(res.stdout)["calls"]
    assert [(c["path"], c["line"]) for c in calls] == [("app.py", 4), ("clean.py", 12)]
    flagged, clean = calls
    assert flagged["model"] == "gpt-4o" and clean["model"] == "from config"
    assert flagged["timeout"].startswith("missing") and clean["timeout"].startswith("set (client constructor")
    assert flagged["token_cap"] == "missing" and clean["token_cap"] == "set"
    assert flagged["fallback"] == "no" and clean["fallback"] == "yes"
    rows = list(csv.DictReader(io.StringIO(run_cli("inventory", "--format", "csv", cwd=project).stdout)))
    assert [r["path"] for r in rows] == ["app.py", "clean.py"]
    assert tuple(rows[0]) == inventory.COLUMNS
    table = run_cli("inventory", cwd=project).stdout
    assert "app.py:4" in table and "2 model calls" in table


def test_stream_false_is_not_streaming(project):
    write(project, "app.py", FLAGGED.replace("messages=[", "stream=False, messages=["))
    assert _items(_scan(project))["streaming"].status == "partial"
    write(project, "app.py", FLAGGED.replace("messages=[", "stream=True, messages=["))
    assert _items(_scan(project))["streaming"].status == "pass"
