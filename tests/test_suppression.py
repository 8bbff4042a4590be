"""Inline suppressions: ``# llm-audit: ignore[...]`` and LLM001 for stale or wrong ones."""

from __future__ import annotations

import pytest
from conftest import FLAGGED_LINE, run_cli, scan_json, write

CALL = '    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])'

# app() (like the multi-line call below) leaves the call bare: no fallback, kill switch or circuit breaker. So besides
# the findings on its arguments it always gets these three on its line, unless they are suppressed.
UNGUARDED = {("LLM105", FLAGGED_LINE), ("LLM106", FLAGGED_LINE), ("LLM107", FLAGGED_LINE)}


def app(comment: str = "", call: str = CALL, tail: str = "") -> str:
    return ("from openai import OpenAI\nclient = OpenAI()\ndef ask(q):\n"
            + call + (f"  {comment}" if comment else "") + "\n" + tail)


def found(report: dict) -> set:
    return {(f["rule_id"], f["line"]) for f in report["findings"]}


def scan(project, source: str, *args: str) -> dict:
    write(project, "app.py", source)
    _, report = scan_json(*args, cwd=project)
    return report


def test_suppressing_one_rule_keeps_the_others(project):
    report = scan(project, app("# llm-audit: ignore[LLM101]"))
    assert found(report) == {("LLM103", FLAGGED_LINE), ("LLM104", FLAGGED_LINE)} | UNGUARDED


def test_a_reason_after_double_dash_is_accepted(project):
    report = scan(project, app("# llm-audit: ignore[LLM101] -- batch job, the queue enforces a deadline"))
    assert found(report) == {("LLM103", FLAGGED_LINE), ("LLM104", FLAGGED_LINE)} | UNGUARDED


def test_several_rules_and_rule_names(project):
    report = scan(project, app("# llm-audit: ignore[LLM101, floating-model-alias]"))
    assert found(report) == {("LLM103", FLAGGED_LINE)} | UNGUARDED


def test_bare_ignore_suppresses_everything_on_the_line(project):
    report = scan(project, app("# llm-audit: ignore"))
    assert report["findings"] == []
    assert len(report["calls"]) == 1  # the call is still listed


def test_fully_suppressed_scan_exits_0_and_counts_suppressed(project):
    write(project, "app.py", app("# llm-audit: ignore -- prototype"))
    res = run_cli("scan", cwd=project)
    assert res.returncode == 0, res.output
    assert "6 suppressed" in res.stdout


def test_suppression_applies_only_to_its_own_line(project):
    second = CALL.replace("return ", "x = ")
    report = scan(project, app("# llm-audit: ignore[LLM101]", tail=second + "\n    return x\n"))
    assert ("LLM101", FLAGGED_LINE) not in found(report)
    assert ("LLM101", FLAGGED_LINE + 1) in found(report)


def test_suppression_of_a_secret(project):
    key = "gsk_" + "Qw3rTy7uIo9pAs2dFg4hJk6lZx8cVb1nM5qW0eR3tY7uI9oP2aS4"
    write(project, "settings.py", f'GROQ_KEY = "{key}"  # llm-audit: ignore[LLM201] -- revoked test key\n')
    res, report = scan_json(cwd=project)
    assert res.returncode == 0
    assert report["findings"] == []


@pytest.mark.parametrize("comment", ["# llm-audit: ignore[LLM999]", "# llm-audit: ignore[no-such-rule] -- why"])
def test_unknown_rule_is_reported_as_llm001(project, comment):
    report = scan(project, app(comment))
    column = len(CALL) + 3
    llm001 = [f for f in report["findings"] if f["rule_id"] == "LLM001"]
    assert [(f["line"], f["column"]) for f in llm001] == [(FLAGGED_LINE, column)]
    assert "known rule" in llm001[0]["message"]
    # and nothing was suppressed
    assert {r for r, _ in found(report)} == {"LLM001", "LLM101", "LLM103", "LLM104", "LLM105", "LLM106", "LLM107"}


def test_suppression_on_a_line_with_nothing_to_suppress(project):
    source = app(tail="    # a note\nRETRIES = 3  # llm-audit: ignore[LLM101]\nDEBUG = False  # llm-audit: ignore\n")
    report = scan(project, source)
    assert ("LLM001", 6) in found(report)
    assert ("LLM001", 7) in found(report)
    assert {f["column"] for f in report["findings"] if f["rule_id"] == "LLM001"} == {14, 16}


def test_suppressing_a_rule_that_does_not_fire_on_the_line(project):
    clean_call = CALL.replace('model="gpt-4o", ', 'model="gpt-4o-2024-08-06", ')
    report = scan(project, app("# llm-audit: ignore[LLM104, LLM101]", call=clean_call))
    # LLM101 is used, LLM104 reports nothing on this line
    assert found(report) == {("LLM001", FLAGGED_LINE), ("LLM103", FLAGGED_LINE)} | UNGUARDED
    (f,) = [f for f in report["findings"] if f["rule_id"] == "LLM001"]
    assert "LLM104" in f["message"]


def test_llm001_can_itself_be_ignored(project):
    source = app(tail="RETRIES = 3  # llm-audit: ignore[LLM101]\n")
    write(project, "app.py", source)
    _, report = scan_json("--ignore", "LLM001", cwd=project)
    assert "LLM001" not in {f["rule_id"] for f in report["findings"]}


def test_text_in_a_string_literal_is_not_a_suppression(project):
    call = CALL.replace('"content": q', '"content": "# llm-audit: ignore"')
    report = scan(project, app(call=call))
    assert found(report) == {("LLM101", FLAGGED_LINE), ("LLM103", FLAGGED_LINE), ("LLM104", FLAGGED_LINE)} | UNGUARDED


def test_text_in_a_docstring_is_not_a_suppression(project):
    source = app(tail='\n\nDOC = """\nuse # llm-audit: ignore[LLM999] to silence\n"""\n')
    report = scan(project, source)
    assert "LLM001" not in {f["rule_id"] for f in report["findings"]}


def test_multi_line_call_is_suppressed_on_its_first_line(project):
    source = (
        "from openai import OpenAI\nclient = OpenAI()\ndef ask(q):\n"
        "    return client.chat.completions.create(  # llm-audit: ignore[LLM101, LLM103]\n"
        '        model="gpt-4o",\n'
        '        messages=[{"role": "user", "content": q}],\n'
        "    )\n"
    )
    report = scan(project, source)
    assert found(report) == {("LLM104", FLAGGED_LINE)} | UNGUARDED
