"""Configuration: ``[tool.llm-audit]`` / ``.llm-audit.toml`` discovery, validation and effect."""

from __future__ import annotations

import pytest
from conftest import FLAGGED, FLAGGED_LINE, FLAGGED_RULES, findings_of, run_cli, scan_json, write


def rules_of(report: dict) -> set:
    return {f["rule_id"] for f in report["findings"]}


def assert_config_error(res, *names):
    assert res.returncode == 2, res.output
    assert "Traceback" not in res.output
    for name in names:
        assert name in res.stderr, (name, res.stderr)


# ----- discovery ------------------------------------------------------------------------------------


def test_pyproject_config_is_found_by_walking_up_from_the_scanned_path(project):
    write(project, "pyproject.toml", """\
        [project]
        name = "demo"

        [tool.llm-audit]
        select = ["LLM103"]
    """)
    write(project, "src/app/llm.py", FLAGGED)
    # scanning a subfolder from the project root
    _, report = scan_json("src/app", cwd=project)
    assert findings_of(report) == {("LLM103", "src/app/llm.py", FLAGGED_LINE)}
    # scanning from deep inside the project
    _, report = scan_json(cwd=project / "src" / "app")
    assert findings_of(report) == {("LLM103", "llm.py", FLAGGED_LINE)}


def test_pyproject_without_the_table_is_skipped_for_one_further_up(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nignore = ["LLM104"]\n')
    write(project, "sub/pyproject.toml", '[project]\nname = "sub"\n')
    write(project, "sub/llm.py", FLAGGED)
    _, report = scan_json("sub", cwd=project)
    assert rules_of(report) == FLAGGED_RULES - {"LLM104"}


def test_no_config_means_every_rule(project):
    write(project, "llm.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert rules_of(report) == FLAGGED_RULES


def test_llm_audit_toml_works_and_wins_over_pyproject(project):
    write(project, "llm.py", FLAGGED)
    write(project, ".llm-audit.toml", 'select = ["LLM104"]\n')
    _, report = scan_json(cwd=project)
    assert rules_of(report) == {"LLM104"}
    write(project, "pyproject.toml", '[tool.llm-audit]\nselect = ["LLM101"]\n')
    _, report = scan_json(cwd=project)
    assert rules_of(report) == {"LLM104"}


def test_isolated_ignores_the_configuration(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nselect = ["LLM103"]\n')
    write(project, "llm.py", FLAGGED)
    _, report = scan_json("--isolated", cwd=project)
    assert rules_of(report) == FLAGGED_RULES


def test_isolated_ignores_even_a_broken_configuration(project):
    write(project, ".llm-audit.toml", "select = [\n")
    write(project, "llm.py", FLAGGED)
    res, report = scan_json("--isolated", cwd=project)
    assert res.returncode == 1
    assert rules_of(report) == FLAGGED_RULES


def test_config_option_names_the_file(project, tmp_path):
    write(project, "pyproject.toml", '[tool.llm-audit]\nselect = ["LLM103"]\n')
    write(project, "llm.py", FLAGGED)
    strict = write(tmp_path, "conf/strict.toml", 'select = ["LLM104"]\n')
    _, report = scan_json("--config", str(strict), cwd=project)
    assert rules_of(report) == {"LLM104"}
    other = write(tmp_path, "conf/pyproject.toml", '[tool.llm-audit]\nignore = ["LLM101"]\n')
    _, report = scan_json("--config", str(other), cwd=project)
    assert rules_of(report) == FLAGGED_RULES - {"LLM101"}


def test_config_option_with_a_missing_file_exits_2(project, tmp_path):
    write(project, "llm.py", FLAGGED)
    res = run_cli("scan", "--config", str(tmp_path / "missing.toml"), cwd=project)
    assert_config_error(res, "missing.toml")


# ----- effect of each setting -----------------------------------------------------------------------


def test_ignore_setting(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nignore = ["LLM104", "max-tokens"]\n')
    write(project, "llm.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert rules_of(report) == FLAGGED_RULES - {"LLM103", "LLM104"}


def test_cli_ignore_adds_to_the_configured_ignore(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nignore = ["LLM104"]\n')
    write(project, "llm.py", FLAGGED)
    _, report = scan_json("--ignore", "LLM103", cwd=project)
    assert rules_of(report) == FLAGGED_RULES - {"LLM103", "LLM104"}


def test_exclude_setting(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nexclude = ["generated", "scripts/*.py"]\n')
    write(project, "app/llm.py", FLAGGED)
    write(project, "generated/client.py", FLAGGED)
    write(project, "app/generated/client.py", FLAGGED)
    write(project, "scripts/oneoff.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert {c["path"] for c in report["calls"]} == {"app/llm.py"}


def test_exclude_is_relative_to_the_config_file_not_the_working_directory(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nexclude = ["src/legacy/*"]\n')
    write(project, "src/legacy/old.py", FLAGGED)
    write(project, "src/new.py", FLAGGED)
    _, report = scan_json(cwd=project / "src")
    assert {c["path"] for c in report["calls"]} == {"new.py"}


def test_per_file_ignores(project):
    write(project, "pyproject.toml", """\
        [tool.llm-audit]
        per-file-ignores = { "tests/*" = ["LLM101", "model-pinning"] }
    """)
    write(project, "app/llm.py", FLAGGED)
    write(project, "tests/test_llm.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert findings_of(report) == {(rule, "app/llm.py", FLAGGED_LINE) for rule in FLAGGED_RULES} | {
        (rule, "tests/test_llm.py", FLAGGED_LINE) for rule in ("LLM103", "LLM105", "LLM106", "LLM107")
    }


def test_per_file_ignores_are_relative_to_the_config_file(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nper-file-ignores = { "src/legacy/*" = ["LLM101"] }\n')
    write(project, "src/legacy/old.py", FLAGGED)
    write(project, "src/new.py", FLAGGED)
    # the same project scanned from its root and from src/ must give the same findings
    _, from_root = scan_json(cwd=project)
    assert ("LLM101", "src/legacy/old.py", FLAGGED_LINE) not in findings_of(from_root)
    _, from_src = scan_json(cwd=project / "src")
    assert ("LLM101", "legacy/old.py", FLAGGED_LINE) not in findings_of(from_src)


def test_severity_overrides_by_rule_and_category(project):
    write(project, "pyproject.toml", """\
        [tool.llm-audit]
        severity = { LLM103 = "note", timeout = "error" }
    """)
    write(project, "llm.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert {f["rule_id"]: f["severity"] for f in report["findings"]} == {
        "LLM101": "error", "LLM103": "note", "LLM104": "warning", "LLM105": "warning", "LLM106": "note",
        "LLM107": "note"}


def test_fail_on_setting_and_cli_override(project):
    write(project, "pyproject.toml", """\
        [tool.llm-audit]
        fail-on = "error"
    """)
    write(project, "llm.py", FLAGGED)
    assert run_cli("scan", cwd=project).returncode == 0
    assert run_cli("scan", "--fail-on", "warning", cwd=project).returncode == 1


# ----- validation -----------------------------------------------------------------------------------


def test_unknown_key_in_pyproject(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nselct = ["LLM101"]\n')
    write(project, "llm.py", FLAGGED)
    res = run_cli("scan", cwd=project)
    assert_config_error(res, "selct", "pyproject.toml")
    assert res.stdout.strip() == ""


def test_unknown_key_in_llm_audit_toml(project):
    write(project, ".llm-audit.toml", 'exclude = []\nfail_on = "error"\n')
    write(project, "llm.py", FLAGGED)
    assert_config_error(run_cli("scan", cwd=project), "fail_on", ".llm-audit.toml")


@pytest.mark.parametrize("body, key", [
    ('select = "LLM101"', "select"),
    ("ignore = [101]", "ignore"),
    ('exclude = "build"', "exclude"),
    ('per-file-ignores = { "tests/*" = "LLM101" }', "per-file-ignores"),
    ('severity = { LLM101 = "fatal" }', "severity"),
    ('fail-on = "sometimes"', "fail-on"),
])
def test_wrong_type_names_the_key_and_the_file(project, body, key):
    write(project, "pyproject.toml", f"[tool.llm-audit]\n{body}\n")
    write(project, "llm.py", FLAGGED)
    assert_config_error(run_cli("scan", cwd=project), key, "pyproject.toml")


@pytest.mark.parametrize("body, token", [
    ('select = ["LLM999"]', "LLM999"),
    ('ignore = ["no-such-rule"]', "no-such-rule"),
    ('per-file-ignores = { "tests/*" = ["LLM777"] }', "LLM777"),
    ('severity = { LLM555 = "note" }', "LLM555"),
])
def test_unknown_rule_in_config_is_an_error(project, body, token):
    write(project, "pyproject.toml", f"[tool.llm-audit]\n{body}\n")
    write(project, "llm.py", FLAGGED)
    assert_config_error(run_cli("scan", cwd=project), token, "pyproject.toml")


def test_invalid_toml_in_llm_audit_toml(project):
    write(project, ".llm-audit.toml", 'select = ["LLM101"\nignore = []\n')
    write(project, "llm.py", FLAGGED)
    res = run_cli("scan", cwd=project)
    assert_config_error(res, ".llm-audit.toml")
    assert "TOML" in res.stderr


def test_invalid_toml_in_pyproject(project):
    write(project, "pyproject.toml", '[tool.llm-audit]\nselect = ["LLM103"\n')
    write(project, "llm.py", FLAGGED)
    res = run_cli("scan", cwd=project)
    assert_config_error(res, "pyproject.toml")


def test_invalid_toml_via_config_option(project, tmp_path):
    bad = write(tmp_path, "bad.toml", "select = [[\n")
    write(project, "llm.py", FLAGGED)
    res = run_cli("scan", "--config", str(bad), cwd=project)
    assert_config_error(res, "bad.toml", "TOML")
