"""Output formats beyond console/json: SARIF (schema, GitHub's requirements, fingerprints), GitHub
annotations, Markdown, JUnit XML, JSON Lines, and ``--output`` for each. All render one Report."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import FLAGGED, FLAGGED_LINE, REPO_ROOT, run_cli, write

from auditor import __version__
from auditor.catalog import catalog
from auditor.config import find_config, load_config
from auditor.engine import scan
from auditor.report import Finding, Location, Report
from auditor.reporters import FORMATS, render
from auditor.reporters import sarif as sarif_mod
from auditor.reporters.github import escape_data, escape_property
from auditor.reporters.json_format import finding_dict
from auditor.reporters.sarif import line_hashes

FIXTURES = sorted(p for p in (REPO_ROOT / "fixtures").iterdir() if p.is_dir())
# The official OASIS schema (SARIF 2.1.0 errata01); LLM_AUDIT_SARIF_SCHEMA names another copy.
SCHEMA_PATH = Path(os.environ.get("LLM_AUDIT_SARIF_SCHEMA", "/work/shared/sarif/sarif-schema-2.1.0.json"))
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) if SCHEMA_PATH.is_file() else None
SECURITY = {"LLM201", "LLM109"}


def scan_dir(path: Path, monkeypatch) -> Report:
    monkeypatch.chdir(path)
    return scan(["."], load_config(find_config(path)), path)


# ----- SARIF -----------------------------------------------------------------------------------------


@pytest.mark.skipif(SCHEMA is None, reason="SARIF schema not available")
@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_sarif_is_valid_and_meets_github_requirements(fixture, monkeypatch):
    report = scan_dir(fixture, monkeypatch)
    log = json.loads(render("sarif", report))
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]

    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "llm-audit"
    assert driver["semanticVersion"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert run["automationDetails"]["id"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")

    everything = report.findings + report.suppressed
    assert len(run["results"]) == len(everything)
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted({f.rule_id for f in everything})  # one per check used
    metas = catalog().checks
    for rule in rules:
        meta = metas[rule["id"]]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(rule["id"])
        assert rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] == meta.severity
        props = rule["properties"]
        assert meta.category in props["tags"]
        if rule["id"] in SECURITY or meta.category == "secret":
            assert 0 < float(props["security-severity"]) <= 10
            assert "security" in props["tags"]
            assert "problem.severity" not in props
        else:
            assert "security-severity" not in props
            assert props["problem.severity"] in ("error", "warning", "recommendation")
            assert props["precision"] in ("very-high", "high", "medium", "low")

    for res, f in zip(run["results"], everything):
        assert res["ruleId"] == f.rule_id == rules[res["ruleIndex"]]["id"]
        assert res["level"] == f.severity
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": f.path, "uriBaseId": "%SRCROOT%"}
        region = loc["region"]
        assert (region["startLine"], region["endLine"]) == (f.line, max(f.end_line or f.line, f.line))
        assert region["startColumn"] >= 1 and region["endColumn"] >= 1
        if region["endLine"] == region["startLine"]:
            assert region["endColumn"] >= region["startColumn"]
        fp = res["partialFingerprints"]["primaryLocationLineHash"]
        assert fp == line_hashes((fixture / f.path).read_bytes().decode("utf-8", "replace"))[f.line]
        if f.fix_location is not None:
            related = res["relatedLocations"][0]
            assert related["physicalLocation"]["artifactLocation"]["uri"] == f.fix_location.path
            assert related["physicalLocation"]["region"]["startLine"] == f.fix_location.line
        assert ("suppressions" in res) == (f.suppressed is not None)

    notes = run["invocations"][0].get("toolExecutionNotifications", [])
    assert run["invocations"][0]["executionSuccessful"] is True
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == \
        [e.path for e in report.errors]


def test_sarif_keeps_suppressed_results_with_their_reason(monkeypatch):
    report = scan_dir(REPO_ROOT / "fixtures" / "suppression_app", monkeypatch)
    assert report.suppressed
    run = json.loads(render("sarif", report))["runs"][0]
    marked = [r for r in run["results"] if "suppressions" in r]
    assert len(marked) == len(report.suppressed)
    for res, f in zip(marked, report.suppressed):
        assert res["suppressions"][0]["kind"] == "inSource"
        assert res["suppressions"][0].get("justification", "") == f.suppressed


def test_sarif_reports_unparsable_files_as_notifications(monkeypatch):
    report = scan_dir(REPO_ROOT / "fixtures" / "bad_input", monkeypatch)
    assert report.errors
    inv = json.loads(render("sarif", report))["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is True
    assert len(inv["toolExecutionNotifications"]) == len(report.errors)
    for n, e in zip(inv["toolExecutionNotifications"], report.errors):
        assert e.message in n["message"]["text"]
        assert n["descriptor"]["id"] == sarif_mod.NOTIFICATIONS[0]["id"]


def test_sarif_caps_results_and_says_so(monkeypatch):
    report = scan_dir(REPO_ROOT / "fixtures" / "example", monkeypatch)
    assert len(report.findings) > 3
    log = sarif_mod.build(report, max_results=3)
    if SCHEMA is not None:
        jsonschema.validate(log, SCHEMA, cls=jsonschema.Draft4Validator)
    run = log["runs"][0]
    assert len(run["results"]) == 3
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {r["ruleId"] for r in run["results"]}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[-1]["descriptor"]["id"] == sarif_mod.NOTIFICATIONS[1]["id"]
    assert str(len(report.findings) + len(report.suppressed)) in notes[-1]["message"]["text"]
    assert sarif_mod.MAX_RESULTS == 25_000


def test_sarif_never_holds_a_secret(monkeypatch):
    root = REPO_ROOT / "fixtures" / "secrets_app"
    report = scan_dir(root, monkeypatch)
    assert any(f.category == "secret" for f in report.findings)
    text = render("sarif", report)
    cat = catalog()
    keys = {m.group(0) for p in root.rglob("*.py") for m in cat.secret_any.finditer(p.read_text("utf-8", "replace"))}
    assert keys
    for key in keys:
        assert key not in text
        assert key[8:] not in text  # not even the part after the masked prefix


def test_sarif_columns_are_utf16_code_units(project, monkeypatch):
    write(project, "app.py", 'from openai import OpenAI\nclient = OpenAI()\nx = "é😀"; client.chat.completions.create(model="gpt-4o", messages=[])\n')
    report = scan_dir(project, monkeypatch)
    f = next(f for f in report.findings if f.rule_id == "LLM101")
    assert f.column == len('x = "é😀"; ') + 1  # characters, as a user counts them (not ast's UTF-8 bytes)
    res = next(r for r in json.loads(render("sarif", report))["runs"][0]["results"] if r["ruleId"] == "LLM101")
    assert res["locations"][0]["physicalLocation"]["region"]["startColumn"] == len('x = "é😀"; '.encode("utf-16-le")) // 2 + 1


# ----- fingerprints ----------------------------------------------------------------------------------


def test_fingerprint_of_a_tiny_file_computed_by_hand():
    # "x\n": line 1's window is 'x' (120), LF (10), the end marker (65535), then 97 zeros; base 37, mod 2**64.
    by_hand = (120 * 37**99 + 10 * 37**98 + 65535 * 37**97) % 2**64
    assert format(by_hand, "x") == "828973aa50c68d6d"
    hashes = line_hashes("x\n")
    assert hashes[1] == "828973aa50c68d6d:1"
    assert set(hashes) == {1, 2}  # the end marker starts a line of its own, as in the upload action


def test_fingerprint_normalises_whitespace_and_line_endings_and_counts_repeats():
    assert line_hashes("a = 1\r\nb\rc\n") == line_hashes("a=1\nb\nc\n")
    assert line_hashes("\tif  x:\n") == line_hashes("ifx:\n")
    same = line_hashes("x = 1\n" * 300)
    h1, n1 = same[1].split(":")
    h2, n2 = same[2].split(":")
    assert h1 == h2 and (n1, n2) == ("1", "2")


def test_sarif_fingerprint_matches_the_line(project):
    write(project, "pkg/llm.py", FLAGGED)
    res = run_cli("scan", "--format", "sarif", cwd=project)
    assert res.returncode == 1, res.output
    run = json.loads(res.stdout)["runs"][0]
    expected = line_hashes(FLAGGED)[FLAGGED_LINE]
    assert run["results"]
    for r in run["results"]:
        assert r["partialFingerprints"]["primaryLocationLineHash"] == expected


# ----- GitHub annotations ----------------------------------------------------------------------------


def test_github_escaping_follows_the_actions_toolkit():
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("dir,x/a:b%\n.py") == "dir%2Cx/a%3Ab%25%0A.py"


def test_github_annotations(tmp_path):
    report = Report(root=str(tmp_path))
    report.findings = [
        Finding("LLM101", "timeout", "warning", "a,b/c:d.py", 3, 5, "no timeout: 100% sure\nreally", end_line=6),
        Finding("LLM106", "kill-switch", "note", "app.py", 1, 1, "no switch"),
        Finding("LLM201", "secret", "error", "app.py", 2, 7, "key sk-p... (51 chars)"),
    ]
    report.suppressed = [Finding("LLM103", "max-tokens", "warning", "app.py", 9, 1, "hidden", suppressed="")]
    from auditor.report import FileError

    report.errors = [FileError("broken.py", "syntax error at line 3, column 1: invalid syntax")]
    lines = render("github", report).splitlines()
    assert lines == [
        "::warning file=a%2Cb/c%3Ad.py,line=3,col=5,endLine=6,title=LLM101 missing-timeout::"
        "no timeout: 100%25 sure%0Areally",
        "::notice file=app.py,line=1,col=1,title=LLM106 missing-kill-switch::no switch",
        "::error file=app.py,line=2,col=7,title=LLM201 hardcoded-secret::key sk-p... (51 chars)",
        "::warning file=broken.py,title=llm-audit%3A file not scanned::syntax error at line 3, column 1: invalid syntax",
    ]


# ----- JUnit, JSON Lines, Markdown -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example", "suppression_app", "bad_input", "clean_app"])
def test_junit_parses_and_counts_failures(name, monkeypatch):
    report = scan_dir(REPO_ROOT / "fixtures" / name, monkeypatch)
    root = ET.fromstring(render("junit", report).encode("utf-8"))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(root.findall(".//failure")) == len(report.findings) == int(suite.get("failures"))
    assert len(root.findall(".//skipped")) == len(report.suppressed) == int(suite.get("skipped"))
    assert len(root.findall(".//error")) == len(report.errors) == int(suite.get("errors"))
    assert int(suite.get("tests")) == len(cases) == int(root.get("tests")) >= 1
    assert {c.find("failure").get("type") for c in cases if c.find("failure") is not None} == \
        {f.rule_id for f in report.findings}


def test_json_lines_has_one_json_finding_per_line(monkeypatch):
    report = scan_dir(REPO_ROOT / "fixtures" / "example", monkeypatch)
    text = render("json-lines", report)
    lines = text.splitlines()
    assert len(lines) == len(report.findings) > 0
    assert [json.loads(x) for x in lines] == [finding_dict(f) for f in report.findings]
    assert [json.loads(x) for x in lines] == json.loads(render("json", report))["findings"]
    assert render("json-lines", Report(root=".")) == ""


def test_markdown_summary_and_table(monkeypatch):
    report = scan_dir(REPO_ROOT / "fixtures" / "example", monkeypatch)
    md = render("markdown", report)
    assert f"**{len(report.findings)} findings**" in md
    for rid in {f.rule_id for f in report.findings}:
        n = sum(f.rule_id == rid for f in report.findings)
        assert any(line.startswith(f"| {rid} |") and line.endswith(f"| {n} |") for line in md.splitlines())
        assert f"<summary><b>{rid} " in md
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(rows) == len(report.findings)
    assert "All checks passed" in render("markdown", Report(root="."))


def test_markdown_escapes_cells_and_respects_the_size_budget(tmp_path):
    report = Report(root=str(tmp_path))
    report.findings = [Finding("LLM101", "timeout", "warning", "a.py", i, 1, "a | b\nc") for i in range(1, 400)]
    md = render("markdown", report, budget=5000)
    assert "a \\| b c" in md
    assert len(md) < 6000
    assert "more findings not listed" in md


# ----- the command line ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "console"])
def test_every_format_writes_to_output_file(fmt, project):
    write(project, "pkg/llm.py", FLAGGED)
    out = project.parent / f"report.{fmt}"
    res = run_cli("scan", "--format", fmt, "-o", str(out), cwd=project)
    assert res.returncode == 1, res.output
    assert res.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text
    again = run_cli("scan", "--format", fmt, cwd=project)
    if fmt != "junit":  # junit records the scan time
        assert again.stdout == text
    if fmt == "sarif":
        assert len(json.loads(text)["runs"][0]["results"]) == 6
    if fmt == "json-lines":
        assert len(text.splitlines()) == 6


def test_rules_command_still_offers_console_and_json_only(project):
    assert run_cli("rules", "--format", "json", cwd=project).returncode == 0
    assert run_cli("rules", "--format", "sarif", cwd=project).returncode == 2


def test_cli_sarif_on_fixture_example_validates():
    if SCHEMA is None:
        pytest.skip("SARIF schema not available")
    res = run_cli("scan", "--format", "sarif", "--exit-zero", ".", cwd=REPO_ROOT / "fixtures" / "example")
    assert res.returncode == 0, res.output
    jsonschema.validate(json.loads(res.stdout), SCHEMA, cls=jsonschema.Draft4Validator)


def test_formats_do_not_rescan(monkeypatch, tmp_path):
    """Every format renders a hand-made Report without touching the engine."""
    import auditor.engine

    monkeypatch.setattr(auditor.engine, "scan", None)
    report = Report(root=str(tmp_path))
    (tmp_path / "a.py").write_text("import openai\nopenai.chat.completions.create()\n", encoding="utf-8")
    report.findings = [Finding("LLM101", "timeout", "warning", "a.py", 2, 1, "m",
                               fix_location=Location("a.py", 1), related=[(Location("a.py", 1), "client")])]
    for fmt in FORMATS:
        assert render(fmt, report)
