"""Which files a scan looks at.

Inside a git work tree: the files git tracks or would track (``git ls-files -co --exclude-standard``,
so ``.gitignore`` is honoured). Elsewhere: a walk of the tree. Either way the default excludes and
the configured ``exclude`` patterns apply, and a symlink is followed only when it points at a file
inside the tree being scanned (never out of it, never round a loop).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from auditor.config import path_matches

DEFAULT_EXCLUDES = (".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".git", ".hg", ".svn",
                    ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", ".eggs")
PY_SUFFIXES = (".py", ".pyi")


def _git_files(folder: Path) -> list[Path] | None:
    try:
        top = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=30)
        if top.returncode != 0:
            return None
        out = subprocess.run(["git", "-C", str(folder), "ls-files", "-z", "-co", "--exclude-standard", "--", "."],
                             capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return [folder / p for p in out.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _walk(folder: Path, skip_dir) -> list[Path]:
    """Every file under ``folder``; symlinked folders are not entered (no escape, no loops)."""
    files: list[Path] = []
    stack = [str(folder)]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    if not skip_dir(e.path):
                        stack.append(e.path)
                elif e.is_file(follow_symlinks=False) or e.is_symlink():
                    files.append(Path(e.path))
            except OSError:
                continue
    return files


def display(path: Path, cwd: Path) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        rel = str(path)
    rel = rel.replace(os.sep, "/")
    return rel[2:] if rel.startswith("./") else rel


def discover(paths: list[str], cwd: Path, excludes: list[str], config_root: Path,
             want=lambda p: p.suffix in PY_SUFFIXES, force_exclude: bool = False,
             ) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Return ([(absolute path, display path)], [(display path, error)]).

    A file named in ``paths`` is always scanned, unless ``force_exclude`` is set: then the default
    excludes and the configured ``exclude`` apply to it as to a file found in a folder (what a
    pre-commit hook, which passes every staged file by name, needs)."""
    found: dict[str, tuple[Path, str]] = {}
    errors: list[tuple[str, str]] = []
    config_base = os.path.abspath(config_root)

    def rel_to(path: str, base: str) -> str | None:
        r = os.path.relpath(path, base)
        return None if r == ".." or r.startswith(".." + os.sep) else r.replace(os.sep, "/")

    def is_excluded(path: str, root: str, is_dir: bool) -> bool:
        rel = rel_to(path, root) or ""
        parts = rel.split("/")
        if any(part in DEFAULT_EXCLUDES for part in (parts if is_dir else parts[:-1])):
            return True
        if not excludes:
            return False
        crel = rel_to(path, config_base)
        return any(path_matches(r, pat) for r in {crel, rel} if r for pat in excludes)

    for raw in paths:
        p = Path(raw) if os.path.isabs(raw) else cwd / raw
        shown = display(p, cwd)
        if not os.path.lexists(p):
            errors.append((shown, "no such file or directory"))
            continue
        if p.is_file():
            if force_exclude and is_excluded(os.path.abspath(p), str(cwd), False):
                continue
            key = str(p.resolve()) if p.is_symlink() else os.path.normpath(os.path.abspath(p))
            found.setdefault(key, (p.absolute(), shown))
            continue
        if not p.is_dir():
            errors.append((shown, "not a regular file or directory"))
            continue
        if not os.access(p, os.R_OK | os.X_OK):
            errors.append((shown, "permission denied"))
            continue
        root = os.path.abspath(p)
        try:
            root_real = p.resolve()
        except (OSError, RuntimeError) as exc:
            errors.append((shown, f"cannot resolve: {exc}"))
            continue
        listed = _git_files(p)
        candidates = listed if listed is not None else _walk(p, lambda d, r=root: is_excluded(d, r, True))
        for f in candidates:
            if not want(f) or is_excluded(str(f), root, False):
                continue
            try:
                if f.is_symlink():
                    real = f.resolve()
                    if not real.is_file() or not (real == root_real or root_real in real.parents):
                        continue  # points out of the tree, at a folder, or nowhere
                    key = str(real)
                elif f.is_file():
                    key = os.path.normpath(str(f))
                else:
                    continue
            except (OSError, RuntimeError):  # symlink loops
                continue
            found.setdefault(key, (f, display(f, cwd)))
    return sorted(found.values(), key=lambda x: x[1]), errors
