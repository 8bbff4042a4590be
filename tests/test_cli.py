"""The command line contract: JSON report, exit statuses, output options, rules/explain/--version."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import (
    CLEAN,
    CLEAN_LINE,
    FLAGGED,
    FLAGGED_COLUMN,
    FLAGGED_LINE,
    FLAGGED_RULES,
    REPO_ROOT,
    findings_of,
    run_cli,
    scan_json,
    write,
)

from auditor import __version__

ALL_IDS = sorted(c["id"] for c in yaml.safe_load((REPO_ROOT / "rules" / "checks.yaml").read_text())["checks"])
ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def flagged(project):
    write(project, "pkg/llm.py", FLAGGED)
    return project


# ----- JSON contract --------------------------------------------------------------------------------


def test_json_is_exactly_one_object_with_the_documented_keys(flagged):
    write(flagged, "pkg/broken.py", "import openai\ndef f(:\n    pass\n")
    res = run_cli("scan", "--format", "json", cwd=flagged)
    assert res.returncode == 1, res.output
    report = json.loads(res.stdout)  # raises if there is anything but one JSON document
    assert isinstance(report, dict)
    assert set(report) == {"tool", "calls", "findings", "errors", "score"}
    assert report["tool"] == {"name": "llm-audit", "version": __version__}

    assert len(report["calls"]) == 1
    call = report["calls"][0]
    assert set(call) == {"path", "line", "column", "provider", "api", "kind", "model"}
    assert call["path"] == "pkg/llm.py"
    assert (call["line"], call["column"]) == (FLAGGED_LINE, FLAGGED_COLUMN)
    assert call["provider"] == "openai"
    assert call["kind"] == "chat"
    assert call["model"] == "gpt-4o"
    assert call["api"].endswith("chat.completions.create")

    required = {"rule_id", "category", "severity", "path", "line", "column", "message"}
    for f in report["findings"]:
        assert required <= set(f)
        assert f["severity"] in ("error", "warning", "note")
        assert f["message"]
    assert {(f["rule_id"], f["path"], f["line"], f["column"]) for f in report["findings"]} == {
        (r, "pkg/llm.py", FLAGGED_LINE, FLAGGED_COLUMN) for r in FLAGGED_RULES
    }
    cats = {f["rule_id"]: f["category"] for f in report["findings"]}
    assert cats == {"LLM101": "timeout", "LLM103": "max-tokens", "LLM104": "model-pinning",
                    "LLM105": "fallback", "LLM106": "kill-switch", "LLM107": "circuit-breaker"}

    assert len(report["errors"]) == 1
    err = report["errors"][0]
    assert set(err) == {"path", "message"}
    assert err["path"] == "pkg/broken.py"
    assert "syntax error" in err["message"]
    assert "line 2" in err["message"]


def test_paths_are_relative_to_the_working_directory(flagged):
    # cwd is the project; the scanned path is given as a subfolder and as an absolute path
    for arg in ("pkg", str(flagged / "pkg")):
        _, report = scan_json(arg, cwd=flagged)
        assert {f["path"] for f in report["findings"]} == {"pkg/llm.py"}
    # cwd is the subfolder: paths lose the prefix
    _, report = scan_json(cwd=flagged / "pkg")
    assert {c["path"] for c in report["calls"]} == {"llm.py"}


def test_clean_code_lists_the_call_with_no_findings(project):
    write(project, "app.py", CLEAN)
    res, report = scan_json(cwd=project)
    assert res.returncode == 0
    assert report["findings"] == []
    assert report["errors"] == []
    assert [(c["path"], c["line"], c["model"]) for c in report["calls"]] == [("app.py", CLEAN_LINE, None)]


def test_output_format_alias_gives_the_same_report(flagged):
    a = run_cli("scan", "--format", "json", cwd=flagged)
    b = run_cli("scan", "--output-format", "json", cwd=flagged)
    assert a.returncode == b.returncode == 1
    assert a.json() == b.json()


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_output_file_gets_the_report_and_stdout_does_not(flagged, tmp_path, fmt):
    out = tmp_path / "report.out"
    res = run_cli("scan", "--format", fmt, "-o", str(out), cwd=flagged)
    assert res.returncode == 1, res.output
    assert res.stdout.strip() == ""
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert findings_of(json.loads(text)) == {(r, "pkg/llm.py", FLAGGED_LINE) for r in FLAGGED_RULES}
    else:
        assert "pkg/llm.py" in text and "LLM101" in text
        assert not ANSI.search(text)


def test_output_file_in_missing_folder_is_a_clean_error(flagged, tmp_path):
    res = run_cli("scan", "-o", str(tmp_path / "nope" / "r.json"), "--format", "json", cwd=flagged)
    assert res.returncode == 2
    assert "Traceback" not in res.output
    assert "r.json" in res.stderr


# ----- exit status ----------------------------------------------------------------------------------


def test_exit_status_0_without_findings(project):
    write(project, "app.py", CLEAN)
    write(project, "util.py", "def add(a, b):\n    return a + b\n")
    assert run_cli("scan", cwd=project).returncode == 0


def test_exit_status_1_with_findings_and_0_with_exit_zero(flagged):
    assert run_cli("scan", cwd=flagged).returncode == 1
    res = run_cli("scan", "--exit-zero", cwd=flagged)
    assert res.returncode == 0
    assert "LLM101" in res.stdout  # still reported


@pytest.mark.parametrize("args", [
    ["scan", "--no-such-option"],
    ["scan", "--select", "LLM999"],
    ["scan", "--ignore", "not-a-rule"],
    ["scan", "--format", "xml"],
    ["scan", "--fail-on", "fatal"],
    ["explain", "LLM999"],
    ["no-such-command"],
])
def test_usage_errors_exit_2_without_traceback(flagged, args):
    res = run_cli(*args, cwd=flagged)
    assert res.returncode == 2, res.output
    assert "Traceback" not in res.output
    assert res.stderr.strip()
    assert "LLM101" not in res.stdout  # no scan output


def test_unknown_select_rule_is_named(flagged):
    res = run_cli("scan", "--select", "LLM999", cwd=flagged)
    assert "LLM999" in res.stderr


def test_fail_on_error_makes_a_warning_only_scan_pass(flagged):
    res = run_cli("scan", "--fail-on", "error", "--format", "json", cwd=flagged)
    assert res.returncode == 0
    # warnings and notes, no error
    assert {f["rule_id"]: f["severity"] for f in res.json()["findings"]} == {
        "LLM101": "warning", "LLM103": "warning", "LLM104": "warning", "LLM105": "warning",
        "LLM106": "note", "LLM107": "note"}


def test_fail_on_error_still_fails_on_an_error(flagged):
    key = "AIza" + "Xk3v9QmZ2Lb7Rt1Yc8Nw4Pd6Hs0Fg5Jq_A-"
    write(flagged, "settings.py", f'GOOGLE_API_KEY = "{key}"\n')
    res = run_cli("scan", "--fail-on", "error", cwd=flagged)
    assert res.returncode == 1, res.output


def test_fail_on_warning_ignores_notes(project):
    # LLM106 and LLM107 are notes already; turn the warnings into notes too
    write(project, "pyproject.toml",
          '[tool.llm-audit]\nseverity = { LLM101 = "note", LLM103 = "note", LLM104 = "note", LLM105 = "note" }\n')
    write(project, "app.py", FLAGGED)
    assert run_cli("scan", cwd=project).returncode == 1  # default --fail-on note
    assert run_cli("scan", "--fail-on", "warning", cwd=project).returncode == 0


# ----- selection ------------------------------------------------------------------------------------


def test_select_reports_only_that_rule(flagged):
    _, report = scan_json("--select", "LLM103", cwd=flagged)
    assert findings_of(report) == {("LLM103", "pkg/llm.py", FLAGGED_LINE)}
    assert len(report["calls"]) == 1  # calls are listed whatever is selected


def test_select_comma_list_and_repeated_option(flagged):
    _, a = scan_json("--select", "LLM101,LLM104", cwd=flagged)
    _, b = scan_json("--select", "LLM101", "--select", "LLM104", cwd=flagged)
    assert {f["rule_id"] for f in a["findings"]} == {"LLM101", "LLM104"}
    assert findings_of(a) == findings_of(b)


def test_select_by_prefix_and_by_name(flagged):
    _, report = scan_json("--select", "LLM10", cwd=flagged)
    assert {f["rule_id"] for f in report["findings"]} == FLAGGED_RULES
    _, report = scan_json("--select", "floating-model-alias", cwd=flagged)
    assert {f["rule_id"] for f in report["findings"]} == {"LLM104"}


def test_ignore_by_category_drops_the_rule(flagged):
    _, report = scan_json("--ignore", "timeout", cwd=flagged)
    assert {f["rule_id"] for f in report["findings"]} == {"LLM103", "LLM104", "LLM105", "LLM106", "LLM107"}


def test_ignoring_every_finding_exits_0(flagged):
    res = run_cli("scan", "--ignore", "LLM101,LLM103,LLM104,LLM105,LLM106,LLM107", cwd=flagged)
    assert res.returncode == 0, res.output


# ----- console output -------------------------------------------------------------------------------


def test_statistics_prints_counts_per_rule(project):
    write(project, "a.py", FLAGGED)
    write(project, "b.py", FLAGGED.replace('"gpt-4o"', "MODEL").replace("def ask", "MODEL = 'x'\ndef ask"))
    res = run_cli("scan", "--statistics", cwd=project)
    assert res.returncode == 1
    counts = {}
    for line in res.stdout.splitlines():
        m = re.match(r"\s*(\d+)\s+(LLM\d{3})\b", line)
        if m:
            counts[m.group(2)] = int(m.group(1))
    assert counts == {"LLM101": 2, "LLM103": 2, "LLM104": 1, "LLM105": 2, "LLM106": 2, "LLM107": 2}
    assert re.search(r"2\s+LLM101\s+\[timeout\]", res.stdout), "each count names its category"
    assert "no output-token cap" not in res.stdout  # counts instead of the findings


def test_console_groups_findings_by_file_with_a_summary(project):
    write(project, "a.py", FLAGGED)
    write(project, "sub/b.py", FLAGGED)
    write(project, "c.py", CLEAN)
    res = run_cli("scan", cwd=project)
    assert res.returncode == 1
    out = res.stdout
    assert not ANSI.search(out), "escape codes in piped output"
    lines = out.splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip() in ("a.py", "sub/b.py", "c.py")]
    assert [lines[i].strip() for i in headers] == ["a.py", "sub/b.py"]  # once each, clean file absent
    a_block = "\n".join(lines[headers[0]:headers[1]])
    b_block = "\n".join(lines[headers[1]:])
    for block in (a_block, b_block):
        for rule in FLAGGED_RULES:
            assert re.search(rf"{FLAGGED_LINE}:{FLAGGED_COLUMN}\s+{rule}\b", block), block
    summary = [line for line in lines if line.startswith("Found ")]
    assert len(summary) == 1
    assert "12 findings" in summary[0]
    assert "3 files" in summary[0]
    assert "2 model calls" not in summary[0] and "3 model calls" in summary[0]


def test_console_all_clear_message(project):
    write(project, "app.py", CLEAN)
    res = run_cli("scan", cwd=project)
    assert res.returncode == 0
    assert "All checks passed" in res.stdout
    assert "LLM1" not in res.stdout


def test_console_reports_unscannable_files_on_stderr(project):
    write(project, "app.py", FLAGGED)
    write(project, "broken.py", "import openai\ndef f(:\n")
    res = run_cli("scan", cwd=project)
    assert "broken.py" in res.stderr
    assert "not scanned" in res.stdout


# ----- rules / explain / version --------------------------------------------------------------------


def test_rules_lists_every_check(project):
    res = run_cli("rules", cwd=project)
    assert res.returncode == 0
    listed = [line.split()[0] for line in res.stdout.splitlines() if line.strip()]
    assert listed == ALL_IDS
    assert "missing-timeout" in res.stdout


def test_rules_json(project):
    res = run_cli("rules", "--format", "json", cwd=project)
    assert res.returncode == 0
    data = json.loads(res.stdout)
    assert [r["id"] for r in data] == ALL_IDS
    assert {r["id"]: r["category"] for r in data}["LLM201"] == "secret"


@pytest.mark.parametrize("rule", ALL_IDS)
def test_explain_prints_the_documentation(project, rule):
    res = run_cli("explain", rule, cwd=project)
    assert res.returncode == 0
    assert rule in res.stdout
    for section in ("What it finds", "Why it matters", "Example"):
        assert section in res.stdout


def test_explain_accepts_a_rule_name_and_lowercase_id(project):
    by_id = run_cli("explain", "LLM101", cwd=project)
    assert run_cli("explain", "missing-timeout", cwd=project).stdout == by_id.stdout
    assert run_cli("explain", "llm101", cwd=project).stdout == by_id.stdout


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(project, flag):
    res = run_cli(flag, cwd=project)
    assert res.returncode == 0
    assert res.stdout.strip() == f"llm-audit {__version__}"
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert f'version = "{__version__}"' in pyproject
