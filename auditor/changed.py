"""``--diff-base REF``: the files changed since a git ref.

``git diff --name-only REF...HEAD`` (committed on this branch since it left REF), plus what is staged
or modified in the work tree (``git diff --name-only HEAD``), plus untracked files git does not
ignore. Deleted files are dropped (nothing to scan).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class ChangedFilesError(Exception):
    """Not in a git work tree, an unknown ref, or git not available (exit status 2)."""


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, timeout=120)
    except FileNotFoundError:
        raise ChangedFilesError("--diff-base needs git, and git is not installed") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise ChangedFilesError(f"git failed: {exc}") from exc


def _names(out: bytes) -> list[str]:
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def changed_files(cwd: Path, ref: str) -> set[str]:
    """Real absolute paths of the files changed since ``ref`` (that still exist)."""
    top = _git(cwd, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise ChangedFilesError(f"--diff-base: {cwd} is not inside a git work tree")
    root = top.stdout.decode("utf-8", "surrogateescape").strip()
    if ref.startswith("-") or _git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ChangedFilesError(f"--diff-base: unknown git ref '{ref}'")
    names: set[str] = set()
    for args in (("diff", "--name-only", "-z", "--no-renames", f"{ref}...HEAD", "--"),
                 ("diff", "--name-only", "-z", "--no-renames", "HEAD", "--"),
                 ("ls-files", "-z", "--others", "--exclude-standard", "--full-name", ":/")):
        res = _git(cwd, *args)
        if res.returncode != 0:
            msg = res.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ChangedFilesError(f"--diff-base: git {args[0]} failed: {msg[-1] if msg else res.returncode}")
        names.update(_names(res.stdout))
    out = set()
    for n in names:
        p = os.path.join(root, n)
        if os.path.isfile(p):
            out.add(os.path.realpath(p))
    return out
