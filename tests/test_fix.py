"""The fixer (``scan --fix``, ``--unsafe-fixes``, ``--diff``, ``--fix-only``): the before/after pairs in
``fixtures/fixes/``, and one test per guarantee of issue 10:

- only the fixed expressions change (comments, quotes, trailing commas, line endings kept byte for byte);
- every fixed file compiles; a file with a syntax error is never touched; a fix that would break a
  file is not applied;
- a second ``--fix`` changes nothing; overlapping fixes are applied in passes, never half;
- writes are atomic (temporary file + rename, mode kept); a file changed on disk since it was read is
  not overwritten, and the report says so;
- libcst runs only on the files that have something to fix (and ``--version`` never imports it).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO_ROOT, cli_env, write
from typer.testing import CliRunner

from auditor.catalog import catalog
from auditor.cli import app

PAIRS = REPO_ROOT / "fixtures" / "fixes"
CASES = sorted(p.name for p in PAIRS.iterdir() if (p / "before.py").is_file())
SCHEMA_PATH = Path(os.environ.get("LLM_AUDIT_SARIF_SCHEMA", "/work/shared/sarif/sarif-schema-2.1.0.json"))


def cli(cwd: Path, *args: str, monkeypatch):
    """Run the CLI in this process (fast: the pairs run dozens of scans)."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, list(args))


def case_args(case: str) -> list:
    first = (PAIRS / case / "before.py").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# args:"), f"{case}/before.py must start with '# args: ...'"
    return first.split(":", 1)[1].split()


def setup_case(case: str, root: Path) -> tuple[Path, list]:
    proj = root / "proj"
    proj.mkdir()
    shutil.copy(PAIRS / case / "before.py", proj / "app.py")
    args = case_args(case)
    if (PAIRS / case / ".llm-audit.toml").is_file():
        shutil.copy(PAIRS / case / ".llm-audit.toml", proj / ".llm-audit.toml")
    else:
        args = ["--isolated"] + args
    return proj, args


# ----- the pairs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_fix_pair(case, tmp_path, monkeypatch):
    proj, args = setup_case(case, tmp_path)
    res = cli(proj, "scan", "--fix", *args, ".", monkeypatch=monkeypatch)
    assert res.exit_code in (0, 1), res.output
    assert "Traceback" not in res.output
    got = (proj / "app.py").read_text(encoding="utf-8")
    want = (PAIRS / case / "after.py").read_text(encoding="utf-8")
    assert got == want, f"fixtures/fixes/{case}: --fix output differs from after.py"
    compile(got, "app.py", "exec", dont_inherit=True)
    # idempotent: nothing left to fix
    again = cli(proj, "scan", "--diff", *args, ".", monkeypatch=monkeypatch)
    assert again.exit_code == 0 and again.stdout == "", again.output


@pytest.mark.parametrize("case", [c for c in CASES if "--unsafe-fixes" in case_args(c)
                                  and "LLM001" not in " ".join(case_args(c))])
def test_unsafe_fixes_need_the_flag(case, tmp_path, monkeypatch):
    """A fix that changes behaviour is not applied by --fix alone (ruff's meaning of unsafe)."""
    proj, args = setup_case(case, tmp_path)
    args = [a for a in args if a != "--unsafe-fixes"]
    res = cli(proj, "scan", "--fix", *args, ".", monkeypatch=monkeypatch)
    assert res.exit_code in (0, 1), res.output
    assert (proj / "app.py").read_bytes() == (PAIRS / case / "before.py").read_bytes()
    assert "more with --unsafe-fixes" in res.stdout or "fixable with --fix --unsafe-fixes" in res.stdout


def test_every_fixable_check_has_pairs_and_fix_safety_docs():
    cat = catalog()
    covered = " ".join(" ".join(case_args(c)) for c in CASES)
    for cid, meta in cat.checks.items():
        from auditor.checks import load_checks

        doc = load_checks(cat)[cid].doc
        assert "## Fix safety" in doc, f"{cid}: the docstring must say whether and how it is fixed"
        if meta.fixable:
            assert meta.fix_safety in ("safe", "unsafe")
            assert cid in covered, f"{cid} is fixable but no fixtures/fixes pair selects it"
            assert (REPO_ROOT / "auditor" / "fix" / f"{meta.module}.py").is_file()
        else:
            assert not (REPO_ROOT / "auditor" / "fix" / f"{meta.module}.py").exists()


# ----- only the fixed expressions change -----------------------------------------------------------

LAYOUT = (
    "# -*- coding: utf-8 -*-\r\n"
    "'''Odd layout: CRLF line endings, tabs, single quotes, trailing commas, comments, non-ASCII: é 😀.'''\r\n"
    "from openai import OpenAI\r\n"
    "\r\n"
    "client = OpenAI(\r\n"
    "\tapi_key = 'k',   # spaces around '=' stay\r\n"
    "\tbase_url='https://example.invalid/v1',  # a comment after the last argument\r\n"
    ")\r\n"
    "\r\n"
    "def ask(q):  # ask   it\r\n"
    "\treturn client.chat.completions.create(model='m', messages=[q] , )  # é\r\n"
)


def test_only_the_fixed_expressions_change(project, monkeypatch):
    path = project / "app.py"
    path.write_bytes(LAYOUT.encode("utf-8"))
    res = cli(project, "scan", "--isolated", "--select", "LLM101,LLM103", "--format", "json", ".",
              monkeypatch=monkeypatch)
    edits = [e for f in json.loads(res.stdout)["findings"] for e in f["fix"]["edits"]]
    assert len(edits) == 2
    res = cli(project, "scan", "--isolated", "--select", "LLM101,LLM103", "--fix", "--unsafe-fixes", ".",
              monkeypatch=monkeypatch)
    assert res.exit_code == 0, res.output
    new = path.read_bytes().decode("utf-8")
    assert new == LAYOUT.replace(
        "\tbase_url='https://example.invalid/v1',  # a comment after the last argument\r\n",
        "\tbase_url='https://example.invalid/v1',  # a comment after the last argument\r\n\ttimeout=30,\r\n",
    ).replace("messages=[q] , )", "messages=[q] , max_completion_tokens=1024 , )")  # the author's comma, kept
    assert "\n" not in new.replace("\r\n", "")  # no bare LF crept in
    # the JSON edits, applied to the original text, give exactly the file --fix wrote
    lines = LAYOUT.split("\r\n")
    starts = [sum(len(x) + 2 for x in lines[:i]) for i in range(len(lines))]
    out = LAYOUT
    for e in sorted(edits, key=lambda e: (e["line"], e["column"]), reverse=True):
        a = starts[e["line"] - 1] + e["column"] - 1
        b = starts[e["end_line"] - 1] + e["end_column"] - 1
        out = out[:a] + e["new_text"] + out[b:]
    assert out == new


# ----- compiles; broken files untouched --------------------------------------------------------------


def test_a_file_with_a_syntax_error_is_never_touched(project, monkeypatch):
    key = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5pR7tV9xZ1bD3fH5j"
    text = f'API_KEY = "{key}"\ndef broken(:\n    pass\n'
    (project / "broken.py").write_text(text, encoding="utf-8")
    res = cli(project, "scan", "--isolated", "--format", "json", ".", monkeypatch=monkeypatch)
    rep = json.loads(res.stdout)
    assert any(f["rule_id"] == "LLM201" for f in rep["findings"])  # found by the text scan...
    assert not any("fix" in f for f in rep["findings"])  # ...but offered no fix
    res = cli(project, "scan", "--isolated", "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert (project / "broken.py").read_text(encoding="utf-8") == text


def test_keys_in_other_file_types_are_reported_never_rewritten(project, monkeypatch):
    key = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5pR7tV9xZ1bD3fH5j"
    files = {".env": f"OPENAI_API_KEY={key}\n", "settings.yaml": f"openai:\n  api_key: {key}\n",
             "app.py": f'KEY = "{key}"\n'}
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    rep = json.loads(cli(project, "scan", "--isolated", "--select", "LLM201", "--format", "json", ".",
                         monkeypatch=monkeypatch).stdout)
    assert {f["path"]: "fix" in f for f in rep["findings"]} == {".env": False, "settings.yaml": False, "app.py": True}
    cli(project, "scan", "--isolated", "--select", "LLM201", "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert (project / ".env").read_text(encoding="utf-8") == files[".env"]
    assert (project / "settings.yaml").read_text(encoding="utf-8") == files["settings.yaml"]
    assert (project / "app.py").read_text(encoding="utf-8") == 'import os\nKEY = os.environ["OPENAI_API_KEY"]\n'


def test_a_fix_that_would_not_compile_is_not_applied(project, monkeypatch):
    from auditor.fix import timeout as timeout_fix

    write(project, "app.py", """\
        from openai import OpenAI
        client = OpenAI()
        def ask(q):
            return client.chat.completions.create(model=M, messages=q)
        """)
    before = (project / "app.py").read_text(encoding="utf-8")
    real = timeout_fix.plan

    def broken_plan(finding, ctx):
        message, edits, decided = real(finding, ctx)
        idx = ctx.index("app.py")
        return message, [idx.make_edit(e.start, e.end, e.new_text + " +") for e in edits], decided

    monkeypatch.setattr(timeout_fix, "plan", broken_plan)
    res = cli(project, "scan", "--isolated", "--select", "LLM101", "--fix", "--unsafe-fixes", ".",
              monkeypatch=monkeypatch)
    assert (project / "app.py").read_text(encoding="utf-8") == before
    assert "would not compile; not applied" in res.stderr
    assert "Fixed 0 findings" in res.stdout


# ----- idempotence and passes ------------------------------------------------------------------------

MULTI = {
    "clients.py": """\
        from google import genai
        from openai import OpenAI
        import litellm

        openai_client = OpenAI()
        gemini = genai.Client()
        """,
    "calls.py": """\
        import litellm
        from clients import gemini, openai_client

        def ask(q):
            openai_client.chat.completions.create(model="gpt-4o-mini", messages=q)
            gemini.models.generate_content(model="gemini-2.0-flash", contents=q)
            return litellm.completion(model="gpt-4.1", messages=q)
        """,
}


def test_fixes_across_modules_and_overlapping_fixes_take_passes_then_nothing_is_left(project, monkeypatch):
    for name, text in MULTI.items():
        write(project, name, text)
    from auditor.config import load_config
    from auditor.engine import scan
    from auditor.fix import runner

    monkeypatch.chdir(project)
    config = load_config(None)
    config.select = ["LLM101", "LLM102", "LLM103", "LLM104"]
    report = scan(["."], config, project)
    outcome = runner.run(report, config, lambda overlay: scan(["."], config, project, overlay=overlay), unsafe=True)
    # google-genai: timeout and retries both go into http_options, litellm.completion gets a timeout, a cap
    # and a pinned model at the same call: edits at one place wait for the next pass
    assert outcome.passes >= 2
    assert not [f for f in outcome.report.findings if f.rule_id in ("LLM101", "LLM102", "LLM103", "LLM104")]
    assert outcome.problems == []
    texts = outcome.changed
    assert 'http_options={"timeout": 30000, "retry_options": {"attempts": 4}}' in texts["clients.py"]
    assert "OpenAI(timeout=30)" in texts["clients.py"]
    assert 'litellm.completion(model="gpt-4.1-2025-04-14", messages=q, timeout=30, max_tokens=1024)' in texts["calls.py"]
    # written, the second run finds nothing to do
    res = cli(project, "scan", "--select", "LLM1", "--isolated", "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert "Fixed 10 findings" in res.stdout, res.output
    snapshot = {p: (project / p).read_bytes() for p in MULTI}
    res = cli(project, "scan", "--select", "LLM1", "--isolated", "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert "Fixed 0 findings" in res.stdout
    assert {p: (project / p).read_bytes() for p in MULTI} == snapshot
    for p in MULTI:
        compile(snapshot[p], p, "exec")


def test_baselined_findings_are_not_fixed_even_when_a_fix_moves_their_line(project, monkeypatch):
    write(project, "app.py", """\
        from openai import OpenAI
        old = OpenAI()
        def f(q):
            return old.chat.completions.create(model=M, messages=q)
        """)
    assert cli(project, "baseline", "--isolated", monkeypatch=monkeypatch).exit_code == 0
    key = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5pR7tV9xZ1bD3fH5j"
    with open(project / "app.py", "a", encoding="utf-8") as fh:
        fh.write(f'KEY = "{key}"\nnew = OpenAI()\ndef g(q):\n    return new.chat.completions.create(model=M, messages=q)\n')
    res = cli(project, "scan", "--isolated", "--select", "LLM101,LLM201", "--baseline", ".llm-audit-baseline.json",
              "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert res.exit_code == 0, res.output
    text = (project / "app.py").read_text(encoding="utf-8")
    assert text.startswith("from openai import OpenAI\nimport os\n")  # the key's fix moved the lines down...
    assert "old = OpenAI()\n" in text  # ...and the baselined client is still not touched
    assert "new = OpenAI(timeout=30)\n" in text and 'KEY = os.environ["OPENAI_API_KEY"]' in text


def test_only_audited_files_are_edited(project, monkeypatch):
    """A pre-commit run names the staged files: a client built in a module read only for resolution is
    not edited (the finding stays, with no fix)."""
    write(project, "clients.py", "from openai import OpenAI\nclient = OpenAI()\n")
    write(project, "app.py", "from clients import client\ndef ask(q):\n    return client.chat.completions.create(model=M, messages=q)\n")
    res = cli(project, "scan", "--isolated", "--select", "LLM101", "--fix", "--unsafe-fixes", "--format", "json",
              "app.py", monkeypatch=monkeypatch)
    rep = json.loads(res.stdout)
    assert [(f["path"], "fix" in f) for f in rep["findings"]] == [("app.py", False)]
    assert (project / "clients.py").read_text(encoding="utf-8") == "from openai import OpenAI\nclient = OpenAI()\n"
    res = cli(project, "scan", "--isolated", "--select", "LLM101", "--fix", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert (project / "clients.py").read_text(encoding="utf-8") == "from openai import OpenAI\nclient = OpenAI(timeout=30)\n"


def test_a_planner_error_costs_that_fix_only_and_is_reported(project, monkeypatch):
    from auditor.fix import timeout as timeout_fix

    def boom(finding, ctx):
        raise ValueError("boom")

    monkeypatch.setattr(timeout_fix, "plan", boom)
    write(project, "app.py", FLAGGED)
    res = cli(project, "scan", "--isolated", "--select", "LLM101,LLM103", "--fix", "--unsafe-fixes", ".",
              monkeypatch=monkeypatch)
    assert "internal error planning the LLM101 fix at line 4 (ValueError: boom)" in res.stderr
    assert "max_completion_tokens=1024" in (project / "app.py").read_text(encoding="utf-8")


# ----- writes -------------------------------------------------------------------------------------

FLAGGED = """\
from openai import OpenAI
client = OpenAI()
def ask(q):
    return client.chat.completions.create(model=M, messages=q)
"""


def test_writes_keep_the_mode_follow_symlinks_and_leave_no_temporary_file(project, monkeypatch):
    real = project / "real.py"
    real.write_text(FLAGGED, encoding="utf-8")
    os.chmod(real, 0o640)
    link = project / "app.py"
    link.symlink_to("real.py")
    res = cli(project, "scan", "--isolated", "--select", "LLM101", "--fix", "--unsafe-fixes", "app.py",
              monkeypatch=monkeypatch)
    assert res.exit_code == 0, res.output
    assert "OpenAI(timeout=30)" in real.read_text(encoding="utf-8")
    assert link.is_symlink() and os.readlink(link) == "real.py"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in project.iterdir()) == ["app.py", "real.py"]


def test_a_failed_rename_leaves_the_file_as_it_was(project, monkeypatch):
    (project / "app.py").write_text(FLAGGED, encoding="utf-8")

    def refuse(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    res = cli(project, "scan", "--isolated", "--select", "LLM101", "--fix", "--unsafe-fixes", ".",
              monkeypatch=monkeypatch)
    assert (project / "app.py").read_text(encoding="utf-8") == FLAGGED
    assert "cannot write it (Permission denied); not fixed" in res.stderr
    assert sorted(p.name for p in project.iterdir()) == ["app.py"]


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(project, monkeypatch):
    (project / "app.py").write_text(FLAGGED, encoding="utf-8")
    (project / "other.py").write_text(FLAGGED.replace("ask", "other"), encoding="utf-8")
    from auditor.fix import runner

    real_run = runner.run
    edited = FLAGGED + "# saved by an editor meanwhile\n"

    def run_then_edit(*a, **k):
        out = real_run(*a, **k)
        (project / "app.py").write_text(edited, encoding="utf-8")
        return out

    monkeypatch.setattr(runner, "run", run_then_edit)
    res = cli(project, "scan", "--isolated", "--select", "LLM101", "--fix", "--unsafe-fixes", "--format", "json",
              ".", monkeypatch=monkeypatch)
    assert (project / "app.py").read_text(encoding="utf-8") == edited  # not overwritten
    assert "OpenAI(timeout=30)" in (project / "other.py").read_text(encoding="utf-8")  # the other file is fixed
    rep = json.loads(res.stdout)
    assert {"path": "app.py", "message": "changed on disk since it was read; not fixed"} in rep["errors"]
    assert rep["fixed"] == 1
    assert [f["path"] for f in rep["findings"] if f["rule_id"] == "LLM101"] == ["app.py"]
    assert "app.py: changed on disk since it was read; not fixed" in res.stderr


def test_the_writer_refuses_a_changed_file_and_keeps_encoding_and_bom(tmp_path):
    from auditor.fix import writer

    p = tmp_path / "a.py"
    p.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert writer.write(p, "x = 2\n", "x = 3\n") == writer.CHANGED
    assert writer.write(p, "x = 1\n", "x = 'é'\n") is None
    assert p.read_bytes() == "\ufeffx = 'é'\n".encode("utf-8")
    latin = tmp_path / "l.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\ns = '\xe9'\n")
    assert writer.write(latin, "# -*- coding: latin-1 -*-\ns = 'é'\n", "# -*- coding: latin-1 -*-\ns = 'é' * 2\n") is None
    assert latin.read_bytes() == b"# -*- coding: latin-1 -*-\ns = '\xe9' * 2\n"


# ----- libcst only where there is something to fix ---------------------------------------------------


def _imports_libcst(code: str, cwd: Path) -> bool:
    probe = code + "\nimport sys\nprint('LIBCST' if 'libcst' in sys.modules else 'NO-LIBCST')\n"
    out = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=cli_env(cwd), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return "NO-LIBCST" not in out.stdout


def test_version_and_a_scan_with_nothing_to_fix_never_import_libcst(tmp_path):
    version = "import sys\nfrom auditor.cli import app\ntry:\n    app(['--version'])\nexcept SystemExit:\n    pass\n"
    assert not _imports_libcst(version, tmp_path)
    clean = REPO_ROOT / "fixtures" / "clean_app"
    scan = ("from auditor.cli import app\ntry:\n    app(['scan', '--format', 'json', '-o', '/dev/null', '.'])\n"
            "except SystemExit:\n    pass\n")
    assert not _imports_libcst(scan, clean)


def test_libcst_parses_only_the_files_with_something_to_fix(project, monkeypatch):
    from auditor.fix import cst

    write(project, "fixable.py", FLAGGED)
    write(project, "unfixable.py", """\
        from vertexai.generative_models import GenerativeModel
        model = GenerativeModel("gemini-1.5-pro-002")
        def ask(q):
            return model.generate_content(q)
        """)
    write(project, "clean.py", "from openai import OpenAI\nclient = OpenAI(timeout=5)\n")
    cst.PARSED.clear()
    res = cli(project, "scan", "--isolated", "--select", "LLM101", "--format", "json", ".", monkeypatch=monkeypatch)
    found = {f["path"]: "fix" in f for f in json.loads(res.stdout)["findings"]}
    assert found == {"fixable.py": True, "unfixable.py": False}
    assert set(cst.PARSED) == {"fixable.py"}  # Vertex AI has no timeout to write: not even parsed


# ----- output: JSON, SARIF, console, exit codes ------------------------------------------------------


def test_json_and_sarif_carry_the_fix(project, monkeypatch):
    write(project, "app.py", FLAGGED.replace("model=M", 'model="gpt-4o-mini"'))
    res = cli(project, "scan", "--isolated", "--format", "json", ".", monkeypatch=monkeypatch)
    fixes = {f["rule_id"]: f["fix"] for f in json.loads(res.stdout)["findings"] if "fix" in f}
    assert set(fixes) == {"LLM101", "LLM103", "LLM104"}
    assert fixes["LLM101"] == {"applicability": "unsafe", "message": "set a 30 s timeout on the client", "edits": [
        {"path": "app.py", "line": 2, "column": 17, "end_line": 2, "end_column": 17, "new_text": "timeout=30"}]}
    assert fixes["LLM104"]["edits"] == [{"path": "app.py", "line": 4, "column": 61, "end_line": 4, "end_column": 61,
                                         "new_text": "-2024-07-18"}]  # the edit is only what changes
    res = cli(project, "scan", "--isolated", "--format", "sarif", ".", monkeypatch=monkeypatch)
    log = json.loads(res.stdout)
    if SCHEMA_PATH.is_file():
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))
        assert not errors, [e.message for e in errors[:3]]
    by_rule = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    fix = by_rule["LLM101"]["fixes"][0]
    assert fix["properties"]["applicability"] == "unsafe"
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [{"deletedRegion": {"startLine": 2, "startColumn": 17, "endLine": 2,
                                                         "endColumn": 17},
                                       "insertedContent": {"text": "timeout=30"}}]
    assert "fixes" not in by_rule["LLM105"]


@pytest.mark.skipif(not os.environ.get("LLM_AUDIT_SARIF_MULTITOOL"),
                    reason="set LLM_AUDIT_SARIF_MULTITOOL to the Sarif.Multitool binary to run")
def test_sarif_with_fixes_passes_the_sarif_multitool(tmp_path, monkeypatch):
    """Opt-in: ``npm install @microsoft/sarif-multitool`` and point LLM_AUDIT_SARIF_MULTITOOL at
    node_modules/@microsoft/sarif-multitool-<os>/Sarif.Multitool. No error or warning may be reported."""
    proj = tmp_path / "proj"
    shutil.copytree(PAIRS, proj)
    res = cli(proj, "scan", "--isolated", "--unsafe-fixes", "--format", "sarif", "-o", str(tmp_path / "f.sarif"), ".",
              monkeypatch=monkeypatch)
    assert res.exit_code in (0, 1), res.output
    out = tmp_path / "validation.sarif"
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1")
    run = subprocess.run([os.environ["LLM_AUDIT_SARIF_MULTITOOL"], "validate", "--rule-kind", "Gh;Sarif", "--level",
                          "Error;Warning", "-o", str(out), str(tmp_path / "f.sarif")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    assert [r for r in results if r.get("level") in ("error", "warning")] == []
    assert any("fixes" in r for r in json.loads((tmp_path / "f.sarif").read_text())["runs"][0]["results"])


def test_console_marks_fixable_findings_and_says_what_to_run(project, monkeypatch):
    write(project, "app.py", FLAGGED + "x = 1  # llm-audit: ignore[LLM101]\n")
    res = cli(project, "scan", "--isolated", ".", monkeypatch=monkeypatch)
    assert "LLM001 [*]" in res.stdout  # a safe fix: applicable now
    assert "LLM101 warning" in res.stdout  # an unsafe one: not marked without --unsafe-fixes
    assert "1 fixable with --fix (2 more with --unsafe-fixes)." in res.stdout
    res = cli(project, "scan", "--isolated", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert "LLM101 [*]" in res.stdout and "3 fixable with --fix --unsafe-fixes." in res.stdout
    res = cli(project, "scan", "--isolated", "--fix", ".", monkeypatch=monkeypatch)
    assert "Fixed 1 finding (5 remaining)." in res.stdout
    assert "2 fixable with --fix --unsafe-fixes." in res.stdout
    assert res.exit_code == 1


def test_diff_writes_nothing_and_exits_1_when_there_is_something_to_fix(project, monkeypatch):
    key = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5pR7tV9xZ1bD3fH5j"
    write(project, "app.py", FLAGGED.replace("OpenAI()", f'OpenAI(api_key="{key}")'))
    before = (project / "app.py").read_bytes()
    res = cli(project, "scan", "--isolated", "--diff", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert res.exit_code == 1
    assert res.stdout.startswith("--- a/app.py\n+++ b/app.py\n@@")
    assert '+client = OpenAI(api_key=os.environ["OPENAI_API_KEY"], timeout=30)' in res.stdout
    assert key not in res.stdout and key[8:20] not in res.stdout  # the key is masked even in a diff
    assert "Would fix 3 findings." in res.stderr
    assert (project / "app.py").read_bytes() == before
    write(project, "app.py", "print('no model here')\n")
    res = cli(project, "scan", "--isolated", "--diff", ".", monkeypatch=monkeypatch)
    assert res.exit_code == 0 and res.stdout == ""


def test_fix_only_reports_nothing_else_and_exits_0(project, monkeypatch):
    write(project, "app.py", FLAGGED)
    res = cli(project, "scan", "--isolated", "--fix-only", "--unsafe-fixes", ".", monkeypatch=monkeypatch)
    assert res.exit_code == 0, res.output
    assert res.stdout == "Fixed 2 findings (3 remaining).\n"


# ----- configuration -------------------------------------------------------------------------------


def test_fix_configuration_values_safety_and_unfixable(project, monkeypatch):
    write(project, "app.py", FLAGGED.replace("model=M", 'model="gpt-4o-mini"'))
    write(project, ".llm-audit.toml", """\
        select = ["LLM101", "LLM103", "LLM104"]
        [fix]
        timeout = 12.5
        extend-safe-fixes = ["model-pinning"]
        unfixable = ["LLM103"]
        """)
    res = cli(project, "scan", "--format", "json", ".", monkeypatch=monkeypatch)
    fixes = {f["rule_id"]: f.get("fix") for f in json.loads(res.stdout)["findings"]}
    assert fixes["LLM101"]["applicability"] == "safe"  # the value is the project's
    assert fixes["LLM101"]["edits"][0]["new_text"] == "timeout=12.5"
    assert fixes["LLM104"]["applicability"] == "safe"  # promoted by extend-safe-fixes
    assert fixes["LLM103"] is None  # unfixable
    write(project, ".llm-audit.toml", '[fix]\nextend-unsafe-fixes = ["LLM001"]\n')
    write(project, "app.py", "x = 1  # llm-audit: ignore[LLM101]\n")
    rep = json.loads(cli(project, "scan", "--format", "json", ".", monkeypatch=monkeypatch).stdout)
    assert rep["findings"][0]["fix"]["applicability"] == "unsafe"


@pytest.mark.parametrize("toml, message", [
    ("[fix]\ntimeout = 0\n", "fix.timeout"),
    ("[fix]\nretrys = 3\n", "unknown key 'fix.retrys'"),
    ('[fix]\nmax-tokens = {chat = "many"}\n', "fix.max-tokens"),
    ('[fix]\nunfixable = ["LLM9"]\n', "fix.unfixable: unknown rule or category 'LLM9'"),
])
def test_bad_fix_configuration_is_an_error(project, monkeypatch, toml, message):
    write(project, "app.py", FLAGGED)
    write(project, ".llm-audit.toml", toml)
    res = cli(project, "scan", ".", monkeypatch=monkeypatch)
    assert res.exit_code == 2
    assert message in res.stderr, res.stderr


def test_rules_and_explain_show_the_fix(monkeypatch, tmp_path):
    res = cli(tmp_path, "rules", monkeypatch=monkeypatch)
    line = next(x for x in res.stdout.splitlines() if x.startswith("LLM101"))
    assert "unsafe fix" in line
    assert "safe fix" in next(x for x in res.stdout.splitlines() if x.startswith("LLM001"))
    assert " - " in next(x for x in res.stdout.splitlines() if x.startswith("LLM105"))
    data = json.loads(cli(tmp_path, "rules", "--format", "json", monkeypatch=monkeypatch).stdout)
    assert {r["id"]: r["fix_safety"] for r in data}["LLM104"] == "unsafe"
    text = cli(tmp_path, "explain", "LLM101", monkeypatch=monkeypatch).stdout
    assert "## Fix safety" in text and "--unsafe-fixes" in text
    assert "## Use instead" in cli(tmp_path, "explain", "LLM105", monkeypatch=monkeypatch).stdout


# ----- the catalogue ------------------------------------------------------------------------------


def test_model_pins_are_floating_aliases_pinned_to_a_dated_twin():
    cat = catalog()
    assert cat.model_pins
    for alias, (snapshot, _provider, checked, source) in cat.model_pins.items():
        assert cat.classify_model(alias) == "floating", alias
        assert cat.classify_model(snapshot) == "pinned", snapshot
        stem = alias[: -len("-latest")] if alias.endswith("-latest") else alias.removesuffix("-0")
        assert snapshot.startswith(stem + "-") or snapshot.startswith(stem.replace("-latest", "")), (alias, snapshot)
        assert checked >= "2026-01-01" and "==" in source


def test_fix_spellings_write_what_the_checks_read():
    """Every path a fix writes is one the resolver reads for that setting: after the fix the finding goes."""
    cat = catalog()
    specs = list(cat.clients.values()) + list(cat.functions.values())
    seen = 0
    for spec in specs:
        for setting, fx in (spec.fix or {}).items():
            if not fx:
                continue
            read = set(spec.options.get(setting, ())) | set(spec.call_options.get(setting, ()))
            paths = list(fx.get("set", ())) + [p for ps in (fx.get("methods") or {}).values() for p in ps]
            for p in paths:
                seen += 1
                assert any(p == r or p.startswith(r + ".") for r in read), f"{getattr(spec, 'cls', getattr(spec, 'qname', '?'))}: fix writes {p} for {setting}, " \
                                  f"the check reads {sorted(read)}"
    assert seen > 50


def test_fix_pairs_are_not_scanned_as_annotated_fixture_projects():
    import test_fixtures

    assert "fixes" not in test_fixtures._fixture_projects()
    text = textwrap.dedent((REPO_ROOT / "fixtures" / "README.md").read_text(encoding="utf-8"))
    assert "fixtures/fixes" in text or "`fixes/`" in text


@pytest.mark.parametrize("folder", ["fixes", "openai_app", "gemini_app", "bedrock_app", "langchain_app",
                                    "retry_policy_app", "suppression_app", "secrets_app", "http_app"])
def test_planning_without_libcst_decides_as_the_full_plan(folder, monkeypatch):
    """The console only needs to know whether a finding has a fix (and how safe): that is decided on the
    ``ast`` without loading libcst, and must agree with the fixes actually computed."""
    from auditor import fix
    from auditor.config import Config
    from auditor.engine import scan

    root = REPO_ROOT / "fixtures" / folder
    monkeypatch.chdir(root)
    report = scan(["."], Config(), root)
    fix.attach(report, Config(), plan_only=True)
    planned = {(f.rule_id, f.path, f.line, f.fix.applicability) for f in report.findings if f.fix}
    fix.attach(report, Config())
    computed = {(f.rule_id, f.path, f.line, f.fix.applicability) for f in report.findings if f.fix}
    assert planned == computed
    assert computed or folder in ("retry_policy_app",)


def test_console_scan_with_fixable_findings_does_not_import_libcst(project):
    write(project, "app.py", FLAGGED)
    code = "from auditor.cli import app\ntry:\n    app(['scan', '--isolated', '.'])\nexcept SystemExit:\n    pass\n"
    assert not _imports_libcst(code, project)
    code = code.replace("'.'", "'--format', 'json', '.'")
    assert _imports_libcst(code, project)  # the JSON report carries the edits: libcst computes them
