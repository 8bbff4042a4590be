"""LLM201 fix: read the key from the environment instead of the source.

A provider key written as a string literal in Python becomes ``os.environ["<PROVIDER>_API_KEY"]`` (the
variable that provider's SDK reads: ``rules/providers.yaml`` ``api_key_env``, or the configuration's
``api-key-env``), with ``import os`` added when the file lacks it; ``os.getenv("X", "<key>")`` and
``os.environ.get("X", "<key>")`` become ``os.environ["X"]``. A random value under a key-like name that
is itself an environment-variable name (``COHERE_API_KEY = "..."``) reads that variable. Keys inside
f-strings, concatenations, comments, docstrings and non-Python files are reported, never rewritten. The
key must still be rotated: it is in the history.
"""

from __future__ import annotations

import ast
import re

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*(KEY|TOKEN|SECRET|PASSWORD)[A-Z0-9_]*$")
_GETTERS = {"os.getenv", "os.environ.get"}


def plan(finding, ctx):
    idx = ctx.index(finding.path)
    if idx is None:
        return None
    at = idx.starts[finding.line - 1] + finding.column - 1
    lit = next((n for n in ast.walk(idx.tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                and idx.span(n)[0] < at < idx.span(n)[1]), None)
    if lit is None:
        return None
    parent = idx.parent(lit)
    if isinstance(parent, (ast.JoinedStr, ast.FormattedValue, ast.BinOp)) or isinstance(parent, ast.Expr):
        return None  # part of a larger string, or a docstring
    value = lit.value
    os_ref, imports = idx.module_reference("os")
    if os_ref is None:
        return None
    quote = '"' if idx.text[idx.span(lit)[0]:].lstrip("rRbBuU")[:1] != "'" else "'"
    # os.getenv("X", "<key>") -> os.environ["X"]
    if isinstance(parent, ast.Call) and _getter(idx, parent.func) and len(parent.args) == 2 \
            and parent.args[1] is lit and isinstance(parent.args[0], ast.Constant) \
            and isinstance(parent.args[0].value, str):
        env = parent.args[0].value
        edit = idx.edit(*idx.span(parent), f"{os_ref}.environ[{quote}{env}{quote}]")
        return f"read {env} from the environment (no hard-coded default)", [edit] + imports, False
    env, decided = _env_name(ctx, value, lit, parent, idx)
    if env is None:
        return None
    edit = idx.edit(*idx.span(lit), f"{os_ref}.environ[{quote}{env}{quote}]")
    return f"read the key from the environment ({env}); rotate the key that was committed", [edit] + imports, decided


def _getter(idx, func) -> bool:
    """``os.getenv`` / ``os.environ.get`` (through the file's ``import os``, or ``os`` not bound at all)."""
    q = idx.qualname(func)
    if q is None:
        parts = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if isinstance(func, ast.Name) and func.id == "os" and idx.name_free("os", "os"):
            q = ".".join(["os"] + parts[::-1])
    return q in _GETTERS


def _env_name(ctx, value: str, lit, parent, idx):
    """(environment variable, decided by the configuration) for the key ``value``."""
    pat = next((p for p in ctx.cat.secret_patterns if p.regex.fullmatch(value)), None)
    if pat is not None:
        env = ctx.config.fix.api_key_env.get(pat.provider)
        if env:
            return env, True
        return ctx.cat.api_key_env.get(pat.provider), False
    # a value found by its name: the name itself when it reads like an environment variable
    name = None
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            name = targets[0].id
    elif isinstance(parent, ast.keyword):
        name = parent.arg
    elif isinstance(parent, ast.Dict):
        i = next((i for i, v in enumerate(parent.values) if v is lit), None)
        k = parent.keys[i] if i is not None else None
        name = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None
    if name and _ENV_NAME.match(name) and not name.startswith("DEFAULT"):  # a fallback is not an env variable
        return name, False
    return None, False
