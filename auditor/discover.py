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


def _walk(folder: Path, excluded) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not excluded(Path(dirpath) / d, True))
        for name in sorted(filenames):
            files.append(Path(dirpath) / name)
    return files


def display(path: Path, cwd: Path) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        rel = str(path)
    rel = rel.replace(os.sep, "/")
    return rel[2:] if rel.startswith("./") else rel


def discover(paths: list[str], cwd: Path, excludes: list[str], config_root: Path,
             want=lambda p: p.suffix in PY_SUFFIXES) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Return ([(absolute path, display path)], [(display path, error)])."""
    found: dict[str, tuple[Path, str]] = {}
    errors: list[tuple[str, str]] = []

    scan_root = [cwd]

    def excluded(p: Path, is_dir: bool = False) -> bool:
        if p.name in DEFAULT_EXCLUDES and is_dir:
            return True
        for base in (config_root, cwd, scan_root[0]):
            try:
                rel = p.resolve().relative_to(base.resolve()).as_posix() if p.is_absolute() else p.as_posix()
            except (ValueError, OSError):
                continue
            parts = rel.split("/")
            if any(part in DEFAULT_EXCLUDES for part in parts[:-1]) or (is_dir and parts[-1] in DEFAULT_EXCLUDES):
                return True
            if any(path_matches(rel, pat) for pat in excludes):
                return True
            break
        return False

    for raw in paths:
        p = (cwd / raw) if not os.path.isabs(raw) else Path(raw)
        shown = display(p, cwd)
        if not os.path.lexists(p):
            errors.append((shown, "no such file or directory"))
            continue
        if p.is_file():
            real = p.resolve()
            found.setdefault(str(real), (p.absolute(), shown))
            continue
        if not p.is_dir():
            errors.append((shown, "not a regular file or directory"))
            continue
        try:
            root_real = p.resolve()
        except OSError as exc:
            errors.append((shown, f"cannot resolve: {exc.strerror or exc}"))
            continue
        if not os.access(p, os.R_OK | os.X_OK):
            errors.append((shown, "permission denied"))
            continue
        scan_root[0] = p
        listed = _git_files(p)
        candidates = listed if listed is not None else _walk(p, excluded)
        for f in candidates:
            if not want(f) or excluded(f):
                continue
            try:
                if f.is_symlink():
                    real = f.resolve()
                    if not real.is_file() or not (real == root_real or root_real in real.parents):
                        continue  # points out of the tree, at a folder, or nowhere
                else:
                    real = f.resolve()
                    if not f.is_file():
                        continue
            except (OSError, RuntimeError):  # symlink loops
                continue
            found.setdefault(str(real), (f.absolute(), display(f, cwd)))
    return sorted(found.values(), key=lambda x: x[1]), errors
