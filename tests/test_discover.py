"""Which files a scan looks at: git awareness, default excludes, symlinks, unreadable inputs."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import FLAGGED, FLAGGED_RULES, git, run_cli, scan_json, write

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def call_paths(report: dict) -> list:
    return sorted(c["path"] for c in report["calls"])


def scanned(report: dict) -> set:
    """Paths that produced a call or a finding."""
    return {c["path"] for c in report["calls"]} | {f["path"] for f in report["findings"]}


@pytest.fixture(params=["plain", "git"])
def mode(request, project):
    if request.param == "git":
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        git(project, "init", "-q")
    return request.param


# ----- git ------------------------------------------------------------------------------------------


@needs_git
def test_gitignored_files_are_not_scanned_untracked_ones_are(project):
    git(project, "init", "-q")
    write(project, ".gitignore", "ignored.py\nscratch/\n")
    write(project, "tracked.py", FLAGGED)
    write(project, "ignored.py", FLAGGED)
    write(project, "scratch/notes.py", FLAGGED)
    git(project, "add", "tracked.py", ".gitignore")
    git(project, "commit", "-q", "-m", "init")
    write(project, "untracked.py", FLAGGED)  # not committed, not ignored
    write(project, "pkg/new.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert call_paths(report) == ["pkg/new.py", "tracked.py", "untracked.py"]


@needs_git
def test_gitignore_is_honoured_when_scanning_a_subfolder(project):
    git(project, "init", "-q")
    write(project, ".gitignore", "*_gen.py\n")
    write(project, "src/app.py", FLAGGED)
    write(project, "src/client_gen.py", FLAGGED)
    _, report = scan_json("src", cwd=project)
    assert call_paths(report) == ["src/app.py"]
    _, report = scan_json(cwd=project / "src")
    assert call_paths(report) == ["app.py"]


@needs_git
def test_an_ignored_file_named_explicitly_is_scanned(project):
    git(project, "init", "-q")
    write(project, ".gitignore", "local.py\n")
    write(project, "local.py", FLAGGED)
    _, report = scan_json("local.py", cwd=project)
    assert call_paths(report) == ["local.py"]


# ----- plain folders --------------------------------------------------------------------------------


def test_outside_git_every_python_file_is_scanned(project):
    write(project, "a.py", FLAGGED)
    write(project, "pkg/b.py", FLAGGED)
    write(project, "pkg/deep/er/c.py", FLAGGED)
    write(project, ".hidden/d.py", FLAGGED)
    write(project, "notes.txt", FLAGGED)
    write(project, "script", FLAGGED)
    _, report = scan_json(cwd=project)
    assert call_paths(report) == [".hidden/d.py", "a.py", "pkg/b.py", "pkg/deep/er/c.py"]


@pytest.mark.parametrize("folder", [".venv", "venv", "node_modules", "build", "dist", "__pycache__",
                                    ".tox", "site-packages", "pkg/build"])
def test_default_excludes_are_skipped(project, mode, folder):
    write(project, "app.py", FLAGGED)
    write(project, f"{folder}/lib/thing.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert call_paths(report) == ["app.py"]


def test_a_file_named_explicitly_in_an_excluded_folder_is_scanned(project):
    write(project, "build/gen.py", FLAGGED)
    _, report = scan_json("build/gen.py", cwd=project)
    assert call_paths(report) == ["build/gen.py"]


def test_default_excludes_apply_inside_the_tree_not_to_the_scanned_folder_name(tmp_path):
    # a project that happens to live under a folder called "build" is still scanned
    root = tmp_path / "build" / "proj"
    write(root, "app.py", FLAGGED)
    _, report = scan_json(cwd=root)
    assert call_paths(report) == ["app.py"]


def test_the_same_file_given_twice_is_reported_once(project):
    write(project, "app.py", FLAGGED)
    _, report = scan_json("app.py", ".", "./app.py", cwd=project)
    assert call_paths(report) == ["app.py"]
    assert len(report["findings"]) == len(FLAGGED_RULES)


# ----- symlinks -------------------------------------------------------------------------------------


def test_symlink_to_a_file_outside_the_tree_is_not_followed(project, mode, tmp_path):
    outside = write(tmp_path, "elsewhere/secret_llm.py", FLAGGED)
    write(project, "app.py", FLAGGED)
    os.symlink(outside, project / "link.py")
    os.symlink(outside.parent, project / "linkdir")
    _, report = scan_json(cwd=project)
    assert call_paths(report) == ["app.py"]


def test_symlink_to_a_file_inside_the_tree_is_not_a_duplicate(project, mode):
    write(project, "pkg/app.py", FLAGGED)
    os.symlink(project / "pkg" / "app.py", project / "alias.py")
    _, report = scan_json(cwd=project)
    assert len(report["calls"]) == 1
    assert len(report["findings"]) == len(FLAGGED_RULES)


def test_symlink_loop_does_not_hang_or_duplicate(project, mode):
    write(project, "pkg/app.py", FLAGGED)
    os.symlink("..", project / "pkg" / "loop")  # pkg/loop -> pkg's parent
    os.symlink(".", project / "pkg" / "self")
    res = run_cli("scan", "--format", "json", cwd=project)  # run_cli has a timeout
    assert res.returncode == 1, res.output
    report = res.json()
    assert call_paths(report) == ["pkg/app.py"]
    assert len(report["findings"]) == len(FLAGGED_RULES)


def test_dangling_symlink_does_not_crash(project, mode):
    write(project, "app.py", FLAGGED)
    os.symlink(project / "gone.py", project / "dangling.py")
    res, report = scan_json(cwd=project)
    assert call_paths(report) == ["app.py"]


# ----- errors ---------------------------------------------------------------------------------------


def test_nonexistent_path_is_reported_and_the_scan_goes_on(project):
    """The other paths are still scanned and reported, but a mistyped path is a usage error (exit 2),
    so it cannot make a CI job pass quietly."""
    write(project, "app.py", FLAGGED)
    res = run_cli("scan", "--format", "json", "missing.py", "app.py", "nodir", cwd=project)
    assert res.returncode == 2
    assert "no such file or directory" in res.stderr
    report = json.loads(res.stdout)
    assert call_paths(report) == ["app.py"]
    errors = {e["path"]: e["message"] for e in report["errors"]}
    assert set(errors) == {"missing.py", "nodir"}
    assert all("no such file" in m for m in errors.values())


def test_nonexistent_path_on_stderr_in_console_mode(project):
    write(project, "app.py", FLAGGED)
    res = run_cli("scan", "missing.py", "app.py", cwd=project)
    assert "missing.py" in res.stderr
    assert "LLM101" in res.stdout
    assert "Traceback" not in res.output


def test_unreadable_file_is_reported(project):
    write(project, "app.py", FLAGGED)
    locked = write(project, "locked.py", FLAGGED)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running with privileges that can read a mode-000 file")
        res, report = scan_json(cwd=project)
        assert call_paths(report) == ["app.py"]
        errors = {e["path"]: e["message"] for e in report["errors"]}
        assert "locked.py" in errors
        assert "ermission" in errors["locked.py"]
    finally:
        locked.chmod(0o644)


def test_binary_and_oversized_files_are_reported_not_scanned(project):
    write(project, "app.py", FLAGGED)
    (project / "blob.py").write_bytes(b"import openai\n\x00\x01\x02" * 10)
    (project / "huge.py").write_text("import openai\n" + "x = 1\n" * 400_000, encoding="utf-8")
    res, report = scan_json(cwd=project)
    assert call_paths(report) == ["app.py"]
    errors = {e["path"]: e["message"] for e in report["errors"]}
    assert set(errors) == {"blob.py", "huge.py"}
    assert "binary" in errors["blob.py"]


def test_latin1_file_with_coding_cookie_is_scanned(project):
    src = "# -*- coding: latin-1 -*-\n# Caf\xe9\n" + FLAGGED
    (project / "legacy.py").write_bytes(src.encode("latin-1"))
    res, report = scan_json(cwd=project)
    assert report["errors"] == []
    assert call_paths(report) == ["legacy.py"]
    assert {f["line"] for f in report["findings"]} == {6}


def test_file_names_with_spaces_and_non_ascii(project, mode):
    write(project, "my app.py", FLAGGED)
    write(project, "café/ünï.py", FLAGGED)
    _, report = scan_json(cwd=project)
    assert call_paths(report) == sorted(["café/ünï.py", "my app.py"])


@needs_git
def test_deleted_but_tracked_file_is_not_an_error(project):
    git(project, "init", "-q")
    write(project, "app.py", FLAGGED)
    write(project, "old.py", FLAGGED)
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "init")
    (project / "old.py").unlink()
    _, report = scan_json(cwd=project)
    assert call_paths(report) == ["app.py"]
    assert report["errors"] == []
