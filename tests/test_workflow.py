"""Adoption in an existing codebase: --force-exclude and the pre-commit hook, baselines, --diff-base."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import FLAGGED, FLAGGED_LINE, REPO_ROOT, findings_of, git, run_cli, scan_json, write

# A call with no timeout (LLM101 only when selected), and one with.
NO_TIMEOUT = """\
from openai import OpenAI
client = OpenAI()
def ask(q):
    return client.chat.completions.create(model=MODEL, messages=[q])
"""


def llm101(report: dict) -> list:
    return sorted((f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == "LLM101")


# ----- --force-exclude ---------------------------------------------------------------------------------


def test_files_named_explicitly_are_scanned_even_when_excluded(project):
    write(project, "build/gen.py", NO_TIMEOUT)
    write(project, "skip/x.py", NO_TIMEOUT)
    write(project, "app.py", NO_TIMEOUT)
    write(project, "pyproject.toml", '[tool.llm-audit]\nexclude = ["skip"]\n')
    _, rep = scan_json("--select", "LLM101", "build/gen.py", "skip/x.py", "app.py", cwd=project)
    assert llm101(rep) == [("app.py", 4), ("build/gen.py", 4), ("skip/x.py", 4)]


def test_force_exclude_applies_default_and_configured_excludes_to_named_files(project):
    write(project, "build/gen.py", NO_TIMEOUT)
    write(project, "skip/x.py", NO_TIMEOUT)
    write(project, "app.py", NO_TIMEOUT)
    write(project, "pyproject.toml", '[tool.llm-audit]\nexclude = ["skip"]\n')
    _, rep = scan_json("--select", "LLM101", "--force-exclude", "build/gen.py", "skip/x.py", "app.py",
                       cwd=project)
    assert llm101(rep) == [("app.py", 4)]
    res = run_cli("scan", "--force-exclude", "skip/x.py", cwd=project)
    assert res.returncode == 0, res.output  # everything named was excluded: nothing to report


# ----- pre-commit --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    """One pre-commit cache for the module: the hook's environment (a venv with llm-audit installed) is
    built once and shared by the try-repo tests, as a developer's ~/.cache/pre-commit would be."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(tmp_path, home):
    """A work tree with git, and a function running ``pre-commit try-repo`` of this repository's hooks."""
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install '.[test]')")
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("the llm-audit sources are not a git checkout: pre-commit try-repo needs one")
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "PYTHONPATH"))}
    env.update(PRE_COMMIT_HOME=str(home), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=os.devnull, NO_COLOR="1")

    def try_repo(name: str, hook: str = "llm-audit") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), hook,
                               "--files", name, "--color", "never"], cwd=str(work), env=env,
                              capture_output=True, text=True, timeout=600)

    return work, try_repo


def test_pre_commit_hook_fails_on_a_bad_file_and_passes_on_a_good_one(tmp_path, pre_commit_home):
    work, try_repo = _try_repo(tmp_path, pre_commit_home)
    write(work, "bad.py", FLAGGED)
    write(work, "good.py", "def add(a, b):\n    return a + b\n")
    git(work, "add", ".")

    bad = try_repo("bad.py")
    out = bad.stdout + bad.stderr
    if bad.returncode == 3 or "An unexpected error has occurred" in out:
        pytest.skip(f"pre-commit could not create the hook's environment (offline?): {out[-600:]}")
    assert bad.returncode == 1, out
    assert "llm-audit" in out and "Failed" in out
    assert f"bad.py\n  {FLAGGED_LINE}:12  LLM101" in out
    good = try_repo("good.py")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_pre_commit_fix_hook_fixes_the_staged_file_then_passes(tmp_path, pre_commit_home):
    """The auto-fixing variant (``llm-audit-fix``, i.e. ``args: [--fix]``): it applies the safe fixes, so
    pre-commit fails once with the file modified, and passes on the fixed file."""
    work, try_repo = _try_repo(tmp_path, pre_commit_home)
    write(work, "app.py", FLAGGED.replace("client = OpenAI()", "client = OpenAI()  # llm-audit: ignore[LLM101]"))
    write(work, ".llm-audit.toml", 'select = ["LLM001", "LLM101"]\n[fix]\ntimeout = 20\n')
    git(work, "add", ".")
    first = try_repo("app.py", "llm-audit-fix")
    out = first.stdout + first.stderr
    if first.returncode == 3 or "An unexpected error has occurred" in out:
        pytest.skip(f"pre-commit could not create the hook's environment (offline?): {out[-600:]}")
    assert first.returncode == 1, out
    assert "files were modified by this hook" in out
    assert "Fixed 2 findings (0 remaining)." in out
    fixed = (work / "app.py").read_text(encoding="utf-8")
    assert "client = OpenAI(timeout=20)\n" in fixed and "llm-audit:" not in fixed  # timeout given, stale comment gone
    git(work, "add", ".")
    second = try_repo("app.py", "llm-audit-fix")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout


def test_pre_commit_hook_definition():
    import yaml

    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "llm-audit")
    assert hook["entry"] == "llm-audit scan --force-exclude"
    assert hook["language"] == "python" and hook["types"] == ["python"]
    assert hook.get("pass_filenames", True)
    fix = next(h for h in hooks if h["id"] == "llm-audit-fix")
    assert fix["entry"] == hook["entry"] + " --fix"  # the same hook with args: [--fix]
    assert {k: v for k, v in fix.items() if k not in ("id", "name", "description", "entry")} == \
        {k: v for k, v in hook.items() if k not in ("id", "name", "description", "entry")}


# ----- baselines ---------------------------------------------------------------------------------------


def test_baseline_round_trip_survives_moved_code_and_reports_new_duplicates(project):
    write(project, "app.py", NO_TIMEOUT)
    res = run_cli("baseline", "app.py", cwd=project)
    assert res.returncode == 0, res.output
    data = json.loads((project / ".llm-audit-baseline.json").read_text(encoding="utf-8"))
    assert data["tool"] == "llm-audit" and data["findings"]
    assert "chat.completions" not in json.dumps(data)  # the line is hashed, never stored

    # nothing new: nothing reported, exit 0, the summary says how many were baselined
    res = run_cli("scan", "--baseline", ".llm-audit-baseline.json", cwd=project)
    assert res.returncode == 0, res.output
    n = sum(e["count"] for e in data["findings"])
    assert "Found 0 findings" in res.stdout and f"; {n} baselined" in res.stdout

    # lines inserted above the finding and indentation changed: still the same findings
    text = "import os\n\n# a comment\n" + NO_TIMEOUT.replace("    return", "        return")
    write(project, "app.py", text.replace("def ask(q):", "def ask(q):\n    if True:"))
    _, rep = scan_json("--baseline", ".llm-audit-baseline.json", cwd=project)
    assert rep["findings"] == []

    # a second, identical call: one entry cannot hide two findings
    write(project, "app.py", NO_TIMEOUT + "def ask2(q):\n    return client.chat.completions.create(model=MODEL, messages=[q])\n")
    res, rep = scan_json("--baseline", ".llm-audit-baseline.json", "--select", "LLM101", cwd=project)
    assert llm101(rep) == [("app.py", 6)]
    assert res.returncode == 1


def test_baseline_output_file_and_paths_relative_to_it(project):
    write(project, "src/app.py", NO_TIMEOUT)
    res = run_cli("baseline", "src", "-o", "ci/base.json", cwd=project)
    assert res.returncode == 2  # the folder ci/ does not exist
    (project / "ci").mkdir()
    assert run_cli("baseline", "src", "-o", "ci/base.json", cwd=project).returncode == 0
    data = json.loads((project / "ci" / "base.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in data["findings"]} == {"../src/app.py"}
    # run from another folder: the same findings are recognised
    res = run_cli("scan", "app.py", "--baseline", "../ci/base.json", cwd=project / "src")
    assert res.returncode == 0, res.output


def test_baseline_never_stores_a_secret(project):
    key = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vX7zB9dF1hJ3lN5pR7tV9xZ1bD3fH5j"
    write(project, "keys.py", f'OPENAI_API_KEY = "{key}"\n')
    assert run_cli("baseline", cwd=project).returncode == 0
    text = (project / ".llm-audit-baseline.json").read_text(encoding="utf-8")
    assert "LLM201" in text and key not in text and key[:12] not in text
    res = run_cli("scan", "--baseline", ".llm-audit-baseline.json", cwd=project)
    assert res.returncode == 0, res.output


@pytest.mark.parametrize("content, message", [
    (None, "no such baseline file"),
    ("{not json", "not a valid baseline file"),
    ('{"findings": []}', "not an llm-audit baseline file"),
    ('{"tool": "llm-audit", "version": 1, "findings": [{"path": "a.py"}]}', "findings[0]"),
])
def test_bad_or_missing_baseline_is_a_clear_error(project, content, message):
    write(project, "app.py", FLAGGED)
    if content is not None:
        write(project, "base.json", content)
    res = run_cli("scan", "--baseline", "base.json", cwd=project)
    assert res.returncode == 2
    assert message in res.stderr and "Traceback" not in res.output


# ----- --diff-base -------------------------------------------------------------------------------------


@pytest.fixture
def repo(project):
    write(project, "clients.py", "from openai import OpenAI\nclient = OpenAI()\n")
    write(project, "old.py", "from clients import client\n" + NO_TIMEOUT.split("\n", 2)[2])
    write(project, "calls.py", "from clients import client\ndef f():\n    return 1\n")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "init")
    git(project, "checkout", "-q", "-b", "feature")
    return project


def test_diff_base_reports_only_changed_files_and_resolves_clients_elsewhere(repo):
    call = "def g(q):\n    return client.chat.completions.create(model=MODEL, messages=[q])\n"
    write(repo, "calls.py", "from clients import client\n" + call)  # committed on the branch
    git(repo, "commit", "-q", "-am", "change")
    write(repo, "wip.py", "from clients import client\n" + call)  # untracked, not ignored
    write(repo, "ignored.py", "from clients import client\n" + call)
    write(repo, ".gitignore", "ignored.py\n")
    _, full = scan_json("--select", "LLM101", cwd=repo)
    assert llm101(full) == [("calls.py", 3), ("old.py", 3), ("wip.py", 3)]
    _, rep = scan_json("--select", "LLM101", "--diff-base", "main", cwd=repo)
    assert llm101(rep) == [("calls.py", 3), ("wip.py", 3)]
    # the finding names the client in the unchanged module: it was resolved there
    assert all("clients.py:2" in f["message"] for f in rep["findings"])
    assert {c["path"] for c in rep["calls"]} == {"calls.py", "wip.py"}
    # an uncommitted edit counts too
    write(repo, "old.py", "# edited\n" + (repo / "old.py").read_text(encoding="utf-8"))
    _, rep = scan_json("--select", "LLM101", "--diff-base", "main", cwd=repo)
    assert ("old.py", 4) in llm101(rep)


def test_diff_base_with_nothing_changed_reports_nothing(repo):
    res = run_cli("scan", "--diff-base", "main", cwd=repo)
    assert res.returncode == 0, res.output
    assert findings_of(scan_json("--diff-base", "HEAD", cwd=repo)[1]) == set()


def test_diff_base_errors(repo, tmp_path):
    res = run_cli("scan", "--diff-base", "no-such-ref", cwd=repo)
    assert res.returncode == 2 and "unknown git ref 'no-such-ref'" in res.stderr
    shutil.rmtree(repo / ".git")
    res = run_cli("scan", "--diff-base", "main", cwd=repo)
    assert res.returncode == 2 and "not inside a git work tree" in res.stderr
    assert "Traceback" not in res.output


def test_named_files_resolve_clients_from_modules_not_named(project):
    # what a pre-commit hook sees: only the staged file is named; its client lives in another module
    write(project, "pkg/__init__.py", "")
    write(project, "pkg/clients.py", NO_TIMEOUT)  # has a call of its own: not reported, not named
    write(project, "pkg/app.py", "from pkg.clients import client\n" + NO_TIMEOUT.split("\n", 2)[2])
    write(project, "pkg/other.py", "from .clients import client\n" + NO_TIMEOUT.split("\n", 2)[2])
    _, rep = scan_json("--select", "LLM101", "--force-exclude", "pkg/app.py", "pkg/other.py", cwd=project)
    assert llm101(rep) == [("pkg/app.py", 3), ("pkg/other.py", 3)]
    assert all("pkg/clients.py:2" in f["message"] for f in rep["findings"])
    assert {c["path"] for c in rep["calls"]} == {"pkg/app.py", "pkg/other.py"}
    assert rep["findings"] and not any(f["path"] == "pkg/clients.py" for f in rep["findings"])
