"""Configuration: ``[tool.llm-audit]`` in pyproject.toml or a ``.llm-audit.toml``, validated with a schema."""

from __future__ import annotations

import fnmatch
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

_SCHEMA = Path(__file__).resolve().parent / "schemas" / "config.schema.json"


class ConfigError(Exception):
    """A configuration problem the user must fix (exit status 2)."""


@dataclass
class FixConfig:
    """``[tool.llm-audit.fix]``: the values fixes write and which fixes count as safe.

    A value given here (``timeout``, ``retries``, ``max-tokens``, ``max-wait``, a ``pin`` for the alias, an
    ``api-key-env`` for the provider) is the project's decision, so the fix that writes it is safe; without
    it the fix writes the default below and is unsafe (applied only with ``--unsafe-fixes``)."""

    timeout: float | None = None  # seconds (LLM101)
    retries: int | None = None  # retries after the first attempt (LLM102)
    max_tokens: dict = field(default_factory=dict)  # call kind -> cap (LLM103); "*" for every kind
    max_wait: float | None = None  # longest backoff wait, seconds (LLM110)
    pin: dict = field(default_factory=dict)  # floating alias -> dated snapshot (LLM104)
    api_key_env: dict = field(default_factory=dict)  # key provider -> environment variable (LLM201)
    extend_safe: list = field(default_factory=list)
    extend_unsafe: list = field(default_factory=list)
    unfixable: list = field(default_factory=list)

    DEFAULT_TIMEOUT = 30
    DEFAULT_RETRIES = 3
    DEFAULT_MAX_TOKENS = 1024
    DEFAULT_MAX_WAIT = 60

    def tokens_for(self, kind: str) -> int | None:
        return self.max_tokens.get(kind, self.max_tokens.get("*"))

    def safety(self, rule_id: str, name: str, category: str, base: str) -> str | None:
        """``base`` ("safe"/"unsafe") adjusted by ``extend-safe-fixes``/``extend-unsafe-fixes``; None when
        the rule is ``unfixable``. A rule named in both counts as unsafe."""
        if any(_token_matches(t, rule_id, name, category) for t in self.unfixable):
            return None
        if any(_token_matches(t, rule_id, name, category) for t in self.extend_unsafe):
            return "unsafe"
        if any(_token_matches(t, rule_id, name, category) for t in self.extend_safe):
            return "safe"
        return base


@dataclass
class Config:
    path: Path | None = None  # the file it came from
    root: Path = field(default_factory=Path.cwd)  # folder that relative patterns are relative to
    select: list = field(default_factory=list)
    ignore: list = field(default_factory=list)
    exclude: list = field(default_factory=list)
    per_file_ignores: dict = field(default_factory=dict)
    severity: dict = field(default_factory=dict)
    fail_on: str = "note"
    fix: FixConfig = field(default_factory=FixConfig)

    def rule_enabled(self, rule_id: str, name: str, category: str) -> bool:
        def hit(tokens):
            return any(_token_matches(t, rule_id, name, category) for t in tokens)

        if self.select and not hit(self.select):
            return False
        return not hit(self.ignore)

    def ignored_in_file(self, rel: str, rule_id: str, name: str, category: str, cwd: Path | None = None) -> bool:
        """``rel`` is relative to ``cwd``; patterns are relative to the configuration file's folder
        (and, for convenience, also tried against ``rel`` as given)."""
        if not self.per_file_ignores:
            return False
        paths = {rel}
        if cwd is not None:
            r = os.path.relpath(os.path.join(cwd, rel), self.root).replace(os.sep, "/")
            if not r.startswith("../"):
                paths.add(r)
        for pattern, tokens in self.per_file_ignores.items():
            if any(path_matches(p, pattern) for p in paths) and any(
                _token_matches(t, rule_id, name, category) for t in tokens
            ):
                return True
        return False

    def severity_for(self, rule_id: str, category: str, default: str) -> str:
        return self.severity.get(rule_id, self.severity.get(category, default))


def _token_matches(token: str, rule_id: str, name: str, category: str) -> bool:
    t = token.strip()
    if t.upper() == "ALL":
        return True
    if t.upper().startswith("LLM"):
        return rule_id.startswith(t.upper())
    return t.lower() in (name, category)


def path_matches(rel: str, pattern: str) -> bool:
    """Glob match of a /-separated relative path, ruff style: a bare name matches any component."""
    p = pattern.strip().rstrip("/")
    if p.startswith("./"):
        p = p[2:]
    if not p:
        return False
    if fnmatch.fnmatchcase(rel, p) or rel.startswith(p + "/") or fnmatch.fnmatchcase(rel, p + "/*"):
        return True
    if "/" not in p:
        return any(fnmatch.fnmatchcase(part, p) for part in rel.split("/"))
    return False


def find_config(start: Path) -> Path | None:
    start = start.resolve()
    d = start if start.is_dir() else start.parent
    for folder in [d, *d.parents]:
        own = folder / ".llm-audit.toml"
        if own.is_file():
            return own
        pp = folder / "pyproject.toml"
        if pp.is_file():
            try:
                text = pp.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                if "llm-audit" in text:
                    return pp  # ours, but broken: load_config reports it
                continue
            if "llm-audit" in data.get("tool", {}):
                return pp
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("llm-audit", {})
        prefix = "[tool.llm-audit]"
    else:
        data = data.get("tool", {}).get("llm-audit", data)
        prefix = ""
    validate(data, path, prefix)
    from auditor.catalog import catalog

    cat = catalog()
    known = set(cat.checks) | {c.name for c in cat.checks.values()} | cat.categories
    for key in ("select", "ignore"):
        for tok in data.get(key, []):
            if not _known_token(tok, cat, known):
                raise ConfigError(f"{path}: {prefix}.{key}: unknown rule or category '{tok}'")
    for pattern, toks in data.get("per-file-ignores", {}).items():
        for tok in toks:
            if not _known_token(tok, cat, known):
                raise ConfigError(f"{path}: {prefix}.per-file-ignores.\"{pattern}\": unknown rule or category '{tok}'")
    for tok in data.get("severity", {}):
        if tok not in cat.checks and tok not in cat.categories:
            raise ConfigError(f"{path}: {prefix}.severity: unknown rule or category '{tok}'")
    fix = data.get("fix", {})
    for key in ("extend-safe-fixes", "extend-unsafe-fixes", "unfixable"):
        for tok in fix.get(key, []):
            if not _known_token(tok, cat, known):
                where = ".".join(x for x in (prefix, "fix", key) if x)
                raise ConfigError(f"{path}: {where}: unknown rule or category '{tok}'")
    tokens = fix.get("max-tokens")
    return Config(
        path=path, root=path.parent,
        select=list(data.get("select", [])), ignore=list(data.get("ignore", [])),
        exclude=list(data.get("exclude", [])) + list(data.get("extend-exclude", [])),
        per_file_ignores=dict(data.get("per-file-ignores", {})),
        severity=dict(data.get("severity", {})), fail_on=data.get("fail-on", "note"),
        fix=FixConfig(
            timeout=fix.get("timeout"), retries=fix.get("retries"),
            max_tokens=dict(tokens) if isinstance(tokens, dict) else ({"*": tokens} if tokens else {}),
            max_wait=fix.get("max-wait"), pin=dict(fix.get("pin", {})), api_key_env=dict(fix.get("api-key-env", {})),
            extend_safe=list(fix.get("extend-safe-fixes", [])), extend_unsafe=list(fix.get("extend-unsafe-fixes", [])),
            unfixable=list(fix.get("unfixable", [])),
        ),
    )


def _known_token(tok: str, cat, known: set) -> bool:
    t = tok.strip()
    if t.upper() == "ALL" or t in known or t.lower() in known:
        return True
    return t.upper().startswith("LLM") and any(cid.startswith(t.upper()) for cid in cat.checks)


def validate(data: dict, path: Path, prefix: str) -> None:
    import jsonschema

    schema = json.loads(_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if not errors:
        return
    e = errors[0]
    if e.validator == "additionalProperties":
        extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
        where = ".".join([prefix] + [str(p) for p in e.path] + extra[:1]).lstrip(".")
        raise ConfigError(f"{path}: unknown key '{where}' (allowed: {', '.join(sorted(schema['properties']))})")
    where = ".".join([prefix] + [str(p) for p in e.path]).lstrip(".") or prefix or "(top level)"
    raise ConfigError(f"{path}: {where}: {e.message}")
