"""Secret hygiene across a repository: the text scan behind LLM201, LLM202 and LLM203.

Which files: Python source, notebooks, ``.env*``, YAML, JSON, TOML, INI/CFG, Dockerfiles (compose files are
YAML). Each is read once by the engine and scanned as text, so every finding has a file and a line; a
notebook is scanned as the JSON text the user can open (escaped quotes are read as quotes).

What counts (formats in ``rules/secrets.yaml``):

- a provider key by its own shape (``sk-proj-``, ``sk-ant-``, ``AIza``, ``gsk_``, ...) anywhere in the text;
- a value of a prefix-less format (Azure OpenAI, legacy Mistral/Together, Cohere, DeepSeek, AWS secret
  key) assigned to a name that says whose key it is;
- any other random-looking value assigned to a key/token/secret/password-like name.

Placeholders, templates (``.env.example``, ``config.sample.yaml``) for the name-based kinds, values
published by design (analytics ingestion keys) and lines carrying ``# pragma: allowlist secret`` are
not reported. Nothing here keeps or returns a secret value: a finding carries the provider, the name it
was assigned to and the value's length, and the masked first characters of a provider key at most.
"""

from __future__ import annotations

import ast
import bisect
import math
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from auditor.catalog import Catalog, load_validated

SECRET_RULES = ("LLM201", "LLM202", "LLM203")

# ----- which files ---------------------------------------------------------------------------------

_TEMPLATE_WORDS = ("example", "sample", "template", ".dist", ".tmpl", ".tpl", ".defaults")


def file_kind(name: str) -> str | None:
    """The kind of file by its name: python, notebook, env, yaml, json, toml, ini, docker, or None."""
    low = name.lower()
    if low.endswith((".py", ".pyi")):
        return "python"
    if low.endswith(".ipynb"):
        return "notebook"
    if low == ".env" or low.startswith(".env.") or low.endswith(".env"):
        return "env"
    if low.endswith((".yaml", ".yml")):
        return "yaml"
    if low.endswith(".json"):
        return "json"
    if low.endswith(".toml"):
        return "toml"
    if low.endswith((".ini", ".cfg")):
        return "ini"
    if low in ("dockerfile", "containerfile") or low.startswith("dockerfile.") or low.endswith(".dockerfile"):
        return "docker"
    return None


def is_secret_file(path: Path) -> bool:
    """A file scanned for secrets only (not Python)."""
    kind = file_kind(path.name)
    return kind is not None and kind != "python"


def is_template(name: str) -> bool:
    """``.env.example``, ``settings.sample.yaml``, ``config.template.json``: illustrative values."""
    low = name.lower()
    return any(w in low for w in _TEMPLATE_WORDS)


# ----- catalogue ----------------------------------------------------------------------------------


@dataclass
class _Contextual:
    id: str
    provider: str
    name: re.Pattern
    regex: re.Pattern
    near: tuple


@dataclass
class _Generic:
    min_length: int
    max_length: int
    min_entropy: float
    public_names: tuple
    public_values: tuple


@lru_cache(maxsize=1)
def _extra() -> tuple[list[_Contextual], _Generic]:
    sec = load_validated("secrets.yaml", "secrets.schema.json")
    ctx = [_Contextual(c["id"], c["provider"], re.compile(c["name"]), re.compile(c["regex"]), tuple(c.get("near", ())))
           for c in sec.get("contextual", [])]
    g = sec.get("generic", {})
    gen = _Generic(int(g.get("min_length", 16)), int(g.get("max_length", 512)), float(g.get("min_entropy", 3.5)),
                   tuple(n.lower() for n in g.get("public_names", ())), tuple(g.get("public_values", ())))
    return ctx, gen


def entropy(s: str) -> float:
    counts = Counter(s)
    return -sum(n / len(s) * math.log2(n / len(s)) for n in counts.values())


# ----- names --------------------------------------------------------------------------------------

_KEY_OWNERS = {"api", "secret", "access", "private", "auth", "account", "subscription", "master", "signing",
               "encryption", "service", "app", "client", "openai", "anthropic", "claude", "groq", "gemini", "google",
               "mistral", "cohere", "together", "xai", "grok", "replicate", "hf", "huggingface", "openrouter",
               "azure", "deepseek", "perplexity", "pplx", "llm", "nvidia", "fireworks", "voyage", "jina", "pinecone"}
_SECRET_LAST = {"secret", "password", "passwd", "pwd", "passphrase", "apikey", "credential", "credentials",
                "secretkey", "accesskey", "privatekey"}
_NOT_SECRET_TOKEN = {"max", "num", "total", "prompt", "completion", "next", "stop", "eos", "bos", "pad", "unk", "sep",
                     "cls", "mask", "start", "end", "special", "input", "output", "page", "continuation", "first",
                     "last", "new", "reasoning", "thinking", "image", "audio", "cached", "context", "split", "csrf"}
_NOT_SECRET_WORDS = {"hashed", "hash", "digest", "masked", "redacted", "encrypted", "salt", "file", "path"}
_LOG_TOKEN_OWNERS = {"access", "auth", "api", "bearer", "refresh", "session", "bot", "hf", "github", "gh", "slack",
                     "oauth", "personal", "id", "huggingface", "replicate", "jwt"}


def name_words(name: str) -> list[str]:
    """``self.OPENAI_API_KEY`` -> ['openai', 'api', 'key']; ``apiKey`` -> ['api', 'key']."""
    seg = [s for s in re.split(r"[.\[\]\"'\x01]", name) if s]
    last = seg[-1] if seg else name
    last = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", last)
    return [w for w in re.split(r"[_\-\s]+", last.lower()) if w]


def is_secret_name(name: str, strict: bool = False) -> bool:
    """Does this name hold a credential? ``strict`` (for what is logged): a bare ``token`` is not enough."""
    words = name_words(name)
    if not words:
        return False
    if _NOT_SECRET_WORDS & set(words):
        return False  # hashed_password, masked_key, key_file
    last, prev = words[-1], (words[-2] if len(words) > 1 else "")
    if strict and last == "key" and prev in ("auth", "client", "service", "app"):
        return False  # in what is logged these name lookup keys (GROK_AUTH_KEY = f"{issuer}::{client}") as often
    if last in _SECRET_LAST:
        return True
    if last == "key":
        return prev in _KEY_OWNERS
    if last == "token":
        if strict:
            return prev in _LOG_TOKEN_OWNERS
        return prev not in _NOT_SECRET_TOKEN
    return False


def _is_public_name(name: str, gen: _Generic) -> bool:
    low = name.lower()
    return any(p in low for p in gen.public_names)


# ----- values -------------------------------------------------------------------------------------

_WORD_SPLIT = re.compile(r"[-_.:!/@+=~ ]+")


def _wordy(value: str) -> bool:
    """Made of words: every piece between separators is lowercase, Title or UPPER runs of 3+ letters."""
    for seg in _WORD_SPLIT.split(value):
        if not seg:
            continue
        if not seg.isalpha():
            return False
        parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", seg)
        if "".join(parts) != seg or any(len(p) < 3 for p in parts):
            return False
    return True


def looks_random(value: str, cat: Catalog, gen: _Generic) -> bool:
    """A generic value that reads like a credential: long, mixed, not words, not a placeholder, high entropy."""
    if not gen.min_length <= len(value) <= gen.max_length:
        return False
    if re.fullmatch(r"[A-Z0-9_]+", value) or "://" in value or value.startswith(("/", "./", "~")):
        return False  # an environment variable name, a URL, a path
    low = value.lower()
    if any(p in low for p in cat.placeholders) or any(value.startswith(p) for p in gen.public_values):
        return False
    if _wordy(value):
        return False  # lightrag-jwt-default-secret-key, SuperSecretPassword
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    if classes < 2:
        return False
    return entropy(value) >= gen.min_entropy


# ----- the text scan ------------------------------------------------------------------------------

_Q = "\x01?"  # a notebook's escaped quote \" is read as the quote followed by this filler
_VALUE = (r"(?:(?P<q>[\"'`])" + _Q + r"(?P<qv>[^\"'`\\\s\x01]{1,600})(?P=q)"
          r"|(?P<bv>[^\s\"'`,;#\\{}\[\]()\x01]{1,600}))")
_ASSIGN = re.compile(
    r"(?<![\w.\-])(?P<nq>[\"']?)" + _Q + r"(?P<name>[A-Za-z_][\w.\-]{0,100})(?P=nq)" + _Q + r"\]?"
    r"(?:[ \t]*:[ \t]*[A-Za-z_][\w\[\]., |]*?(?=[ \t]*=))?"  # a Python annotation: api_key: str = "..."
    r"[ \t]*(?:(?<![=!<>:])=(?!=)|:(?!:))[ \t]*" + _VALUE)
_DEFAULT = re.compile(  # os.getenv("OPENAI_API_KEY", "..."), environ.get, setdefault, config("X", default="...")
    r"(?:getenv|get|setdefault|config|env|str)\(\s*(?P<nq>[\"'])" + _Q + r"(?P<name>[\w.\-]{1,100})(?P=nq)" + _Q +
    r"\s*,\s*(?:default\s*=\s*)?" + _VALUE)
_DOCKER_ENV = re.compile(r"^[ \t]*(?:ENV|ARG)[ \t]+(?P<name>[A-Za-z_]\w*)[ \t]+(?P<bv>\S+)[ \t]*$", re.M)
_ALLOW = re.compile(r"pragma:\s*allowlist\s+secret|gitleaks:allow", re.I)
_ALLOW_NEXT = re.compile(r"pragma:\s*allowlist\s+nextline\s+secret", re.I)
_OWN_IGNORE = re.compile(r"llm-audit:\s*ignore(?:\[(?P<ids>[^\]]*)\])?", re.I)


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def at(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def line(self, n: int) -> str:
        if not 1 <= n <= len(self.starts):
            return ""
        end = self.starts[n] - 1 if n < len(self.starts) else len(self.text)
        return self.text[self.starts[n - 1]:end]


def allowed(lines: _Lines, line: int, rule_id: str, own_ignore: bool) -> bool:
    """``# pragma: allowlist secret`` (detect-secrets), ``gitleaks:allow``, and in files the engine does not
    read suppressions from, ``# llm-audit: ignore[...]``."""
    here = lines.line(line)
    if _ALLOW.search(here) or _ALLOW_NEXT.search(lines.line(line - 1)):
        return True
    if own_ignore:
        m = _OWN_IGNORE.search(here)
        if m:
            ids = [t.strip().lower() for t in (m.group("ids") or "").split(",") if t.strip()]
            names = {"LLM201": "hardcoded-secret", "LLM202": "tracked-env-file", "LLM203": "logged-secret"}
            return not ids or rule_id.lower() in ids or names.get(rule_id) in ids or "secret" in ids
    return False


def mask(value: str, prefix: str) -> str:
    return f"{value[: min(len(prefix), 8)]}... ({len(value)} chars)"


def _prepare(text: str, kind: str) -> str:
    # same length as the text, so offsets (lines, columns) are unchanged
    return text.replace('\\"', '"\x01') if kind in ("notebook", "json") else text


def scan_keys(text: str, path: str, cat: Catalog, kind: str = "python"):
    """Yield (line, column, message) for every hard-coded credential in ``text`` (LLM201)."""
    name = path.rsplit("/", 1)[-1]
    lines = None
    own_ignore = kind != "python"
    seen: set = set()
    if cat.may_hold_secret(text):
        for m in cat.secret_any.finditer(text):
            start, end = m.start(), m.end()
            # a key is a whole token: not the middle of a longer identifier-like run
            if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
                continue
            value = m.group(0)
            pat = next((p for p in cat.secret_patterns if p.regex.fullmatch(value)), None)
            if pat is None or cat.is_placeholder(value, len(pat.prefix)):
                continue
            lines = lines or _Lines(text)
            line, col = lines.at(start)
            if allowed(lines, line, "LLM201", own_ignore):
                continue
            seen.add((line, col))
            yield line, col, (f"hard-coded {pat.provider} credential ({pat.id}) {mask(value, pat.prefix)}: "
                              "load it from the environment or a secrets manager, and rotate it")
    if is_template(name):
        return  # illustrative values: only a key of a real provider format (above) counts
    contextual, gen = _extra()
    prepared = _prepare(text, kind)
    bare_ok = kind not in ("python", "notebook", "json")
    matches = list(_ASSIGN.finditer(prepared)) + list(_DEFAULT.finditer(prepared))
    if kind == "docker":
        matches += list(_DOCKER_ENV.finditer(prepared))
    for m in matches:
        value = m.group("qv") if m.groupdict().get("qv") else m.group("bv")
        if not value or (m.groupdict().get("bv") and not bare_ok):
            continue
        start = m.start("qv") if m.groupdict().get("qv") else m.start("bv")
        var = m.group("name")
        if cat.secret_any.search(value):
            continue  # a provider key: reported above, or a placeholder of its shape
        what = None
        for c in contextual:
            if c.name.search(var) and c.regex.fullmatch(value) and (not c.near or any(w in text for w in c.near)):
                if not cat.is_placeholder(value, 0) and not re.fullmatch(r"[A-Z0-9_]+", value):
                    what = f"hard-coded {c.provider} credential ({c.id})"
                break
        if what is None and is_secret_name(var) and not _is_public_name(var, gen) and looks_random(value, cat, gen):
            what = "hard-coded secret (high-entropy value)"
        if what is None:
            continue
        lines = lines or _Lines(text)
        line, col = lines.at(start)
        if (line, col) in seen or allowed(lines, line, "LLM201", own_ignore):
            continue
        seen.add((line, col))
        yield line, col, (f"{what} assigned to {var.strip(chr(1))} ({len(value)} chars): "
                          "load it from the environment or a secrets manager, and rotate it")


def redact(line: str, cat: Catalog) -> str:
    """One line of a file with every key and every value assigned to a secret-like name masked (for code
    frames: a line shown must never show a credential, whatever finding it illustrates)."""
    if cat.may_hold_secret(line):
        line = cat.secret_any.sub(lambda m: m.group(0)[:4] + "*" * 8, line)
    out = list(line)
    for m in list(_ASSIGN.finditer(line)) + list(_DEFAULT.finditer(line)) + list(_DOCKER_ENV.finditer(line)):
        grp = "qv" if m.groupdict().get("qv") else "bv"
        value = m.group(grp)
        if value and len(value) >= 6 and is_secret_name(m.group("name")):
            out[m.start(grp):m.end(grp)] = ["*"] * (m.end(grp) - m.start(grp))
    return "".join(out)


# ----- LLM202: .env files git would publish --------------------------------------------------------


def env_file_state(abspath: Path) -> str | None:
    """'tracked' (git tracks it), 'unignored' (in a work tree, not ignored) or None (ignored, template, or
    not in a git work tree)."""
    if file_kind(abspath.name) != "env" or is_template(abspath.name):
        return None
    folder, name = str(abspath.parent), abspath.name

    def git(*args):
        return subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True, timeout=30)

    try:
        inside = git("rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        if git("ls-files", "--error-unmatch", "--", name).returncode == 0:
            return "tracked"
        ignored = git("check-ignore", "-q", "--", name).returncode
    except (OSError, subprocess.SubprocessError):
        return None
    return "unignored" if ignored == 1 else None


def env_file_finding(abspath: Path, text: str):
    """(line, column, message) for a ``.env`` file git tracks or would pick up, or None."""
    state = env_file_state(abspath)
    if state is None:
        return None
    lines = _Lines(text)
    if allowed(lines, 1, "LLM202", True):
        return None
    if state == "tracked":
        msg = (f"{abspath.name} is tracked by git: every clone gets its values; "
               "remove it from the index (git rm --cached), add it to .gitignore and rotate what it held")
    else:
        msg = (f"{abspath.name} is not ignored by git: the next `git add .` publishes it; "
               "add it to .gitignore (ship a .env.example with placeholders instead)")
    return 1, 1, msg


# ----- LLM203: keys handed to print/logging --------------------------------------------------------

_LOG_LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
_PRINTS = {"print", "pprint", "echo", "secho"}
_ENV_SECRET = re.compile(r"(?i)(?:API_?KEY|SECRET|PASSWORD|PASSWD|(?<![A-Z])TOKEN|_TOKEN)$")
# cheap text tests before the file is parsed again for LLM203: a print/log call whose line mentions a
# key-like word, or an environment lookup of a key-like variable (later printed under another name)
_LOG_LINE = re.compile(r"(?i)\b(?:print|echo|write|debug|info|warning|warn|error|exception|critical|log)\s*\("
                       r"[^\n]*(?:key\b|_key|\btoken\b|_token\b|secret|passw|credential)")
_ENV_KEY = re.compile(r"(?i)(?:getenv|environ)[^\n]*(?:api_?key|secret|password|token)")
_ANY_LOG = re.compile(r"\b(?:print|echo|debug|info|warning|warn|error|exception|critical|log)\s*\(")


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


def _is_log_call(func) -> str | None:
    name = _dotted(func)
    if not name:
        return None
    last = name.rsplit(".", 1)[-1]
    if isinstance(func, ast.Name) and last in _PRINTS:
        return last
    if isinstance(func, ast.Attribute):
        recv = name.rsplit(".", 1)[0].lower()
        recv_last = recv.rsplit(".", 1)[-1]
        if last in _LOG_LEVELS and ("log" in recv_last or recv_last in ("structlog()", "logging")):
            return name
        if last in _PRINTS and recv_last in ("console", "click", "typer", "rich", "pprint"):
            return name
        if last == "write" and recv in ("sys.stdout", "sys.stderr"):
            return name
    return None


def _env_name(node) -> str | None:
    """The variable an environment lookup reads: os.getenv("X"), os.environ.get("X"), os.environ["X"]."""
    if isinstance(node, ast.Call):
        fn = _dotted(node.func)
        if fn.endswith(("getenv", "environ.get")) and node.args and isinstance(node.args[0], ast.Constant):
            return node.args[0].value if isinstance(node.args[0].value, str) else None
    if isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ"):
        sl = node.slice
        if isinstance(sl, ast.Constant) and isinstance(sl.value, str):
            return sl.value
    return None


def _key_holders(tree) -> set:
    """Names assigned an environment lookup of a key anywhere in the file: ``KEY = os.getenv("OPENAI_API_KEY")``."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            env = _env_name(node.value)
            if env is None and isinstance(node.value, ast.BoolOp):  # os.getenv("X") or os.getenv("Y")
                env = next((e for e in map(_env_name, node.value.values) if e and _ENV_SECRET.search(e)), None)
            if env and _ENV_SECRET.search(env):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                out.update(t.id for t in targets if isinstance(t, ast.Name))
    return out


def _constants(tree) -> set:
    """Names the file assigns a string literal or f-string: constants (a key among them is LLM201's finding),
    not keys read at run time."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out.update(_dotted(t).rsplit(".", 1)[-1] for t in targets if isinstance(t, (ast.Name, ast.Attribute)))
    return out


def _exposed(node, holders: frozenset = frozenset(), constants: frozenset = frozenset()):
    """The secret-bearing expressions whose value reaches the output through ``node``."""
    env = _env_name(node)
    if env is not None:
        if _ENV_SECRET.search(env):
            yield node, f"the {env} environment variable"
        return
    if isinstance(node, (ast.Name, ast.Attribute)):
        nm = node.id if isinstance(node, ast.Name) else node.attr
        if nm in holders or (nm not in constants and is_secret_name(nm, strict=True)):
            yield node, _dotted(node) or nm
        return
    if isinstance(node, ast.Call):
        # str(key), repr(key), "{}".format(key), ", ".join([key]) show it; len(key), mask(key), key.startswith() do not
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if _dotted(node.func) in ("str", "repr", "format") or attr in ("format", "join"):
            for a in list(node.args) + [k.value for k in node.keywords]:
                yield from _exposed(a, holders, constants)
        return
    if isinstance(node, (ast.Subscript, ast.Compare, ast.UnaryOp, ast.Lambda)):
        return  # key[:4], key is None, not key
    if isinstance(node, ast.IfExp):
        yield from _exposed(node.body, holders, constants)
        yield from _exposed(node.orelse, holders, constants)
        return
    if isinstance(node, ast.FormattedValue):
        yield from _exposed(node.value, holders, constants)
        return
    for child in ast.iter_child_nodes(node):
        yield from _exposed(child, holders, constants)


def scan_logged(text: str, path: str):
    """Yield (line, column, message) for each key handed to print/logging in Python ``text`` (LLM203)."""
    if not (_LOG_LINE.search(text) or (_ENV_KEY.search(text) and _ANY_LOG.search(text))):
        return
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    lines = _Lines(text)
    holders = frozenset(_key_holders(tree))
    constants = frozenset(_constants(tree)) - holders
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        sink = _is_log_call(node.func)
        if sink is None:
            continue
        args = list(node.args) + [k.value for k in node.keywords if k.arg not in ("exc_info", "stack_info", "file")]
        for arg in args:
            for expr, what in _exposed(arg, holders, constants):
                line, col = expr.lineno, expr.col_offset + 1
                if allowed(lines, line, "LLM203", False):
                    continue
                yield line, col, (f"{what} is passed to {sink}(): the key ends up in logs and terminals; "
                                  "log whether it is set, or a masked form, never the value")
                break
            else:
                continue
            break
