"""Project-level signals for the checklist: what the code, the dependency files and CI really do.

Each signal is evidence with a location (file:line). A dependency that is declared but never
imported earns at most "partial": the score must be hard to game.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# (signal, pattern over Python source lines, what it shows)
CODE_PATTERNS: dict[str, list[tuple[str, str]]] = {
    "tracing": [
        (r"^\s*(from|import)\s+(opentelemetry|langfuse|langsmith|traceloop|logfire|openinference|phoenix|agentops|"
         r"braintrust|weave|arize|openlit|helicone)\b", "tracing SDK imported"),
        (r"\b(mlflow\.(openai|langchain|anthropic|litellm)\.autolog|mlflow\.tracing)", "MLflow tracing"),
        (r"\b(wrap_openai|wrap_anthropic|@traceable|@observe|Traceloop\.init|logfire\.instrument_)", "calls traced"),
        (r"oai\.helicone\.ai|gateway\.helicone\.ai", "Helicone proxy"),
    ],
    "usage": [
        (r"\.usage\b|\[[\"']usage[\"']\]|usage_metadata|prompt_tokens|completion_tokens|input_tokens|output_tokens",
         "token usage read from responses"),
    ],
    "caching": [
        (r"\bset_llm_cache\(|\b(InMemoryCache|SQLiteCache|RedisCache|RedisSemanticCache|GPTCache)\b", "LLM response cache"),
        (r"\blitellm\.(cache|Cache)\b|\bcaching\s*=\s*True", "litellm cache"),
        (r"[\"']cache_control[\"']|\bprompt_cache_key\b|cached_content", "provider prompt caching"),
        (r"^\s*(from|import)\s+(gptcache|diskcache|cachetools|aiocache)\b", "cache library imported"),
    ],
    "rate-limit": [
        (r"\b(asyncio\.)?(Bounded)?Semaphore\(", "semaphore"),
        (r"^\s*(from|import)\s+(aiolimiter|limits|ratelimit|pyrate_limiter|slowapi|ratelimiter|throttled)\b",
         "rate-limit library imported"),
        (r"\b(AsyncLimiter|RateLimiter|Limiter|TokenBucket|token_bucket)\(", "rate limiter"),
        (r"\b(rpm|tpm)\s*=", "router rate limits"),
    ],
    "handles-429": [
        (r"\bRateLimitError\b|status_code\s*==\s*429|\b429\b|TooManyRequests|ThrottlingException",
         "rate-limit errors handled"),
    ],
}

# dependency names that belong to a signal (declared is not used: partial at most)
DEPENDENCIES: dict[str, set] = {
    "tracing": {"opentelemetry-api", "opentelemetry-sdk", "langfuse", "langsmith", "traceloop-sdk", "logfire",
                "arize-phoenix", "openinference-instrumentation", "agentops", "braintrust", "weave", "openlit",
                "mlflow"},
    "caching": {"gptcache", "diskcache", "cachetools", "aiocache", "redis"},
    "rate-limit": {"aiolimiter", "limits", "ratelimit", "pyrate-limiter", "slowapi", "ratelimiter"},
    "eval": {"promptfoo", "deepeval", "ragas", "inspect-ai", "evals", "lm-eval", "giskard", "trulens-eval",
             "trulens", "braintrust", "langsmith", "openai-evals", "promptflow-evals", "evaluate"},
}

EVAL_COMMANDS = re.compile(
    r"promptfoo\b|deepeval\s+test|\bragas\b|inspect\s+eval|oaieval|\bevals?\b.*\brun\b|lm_eval|lm-eval|giskard|"
    r"braintrust\s+eval|langsmith|pytest[^\n]*(\beval|-m\s+eval)|python\s+-m\s+[\w.]*eval|make\s+evals?\b|"
    r"\bevals?/|run[_-]evals?", re.I)
CI_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml", ".gitlab-ci.yml", "azure-pipelines.yml",
            ".circleci/config.yml", "bitbucket-pipelines.yml", "buildkite.yml", ".buildkite/pipeline.yml")


@dataclass
class Evidence:
    path: str
    line: int
    what: str


@dataclass
class Signals:
    code: dict = field(default_factory=dict)  # signal -> [Evidence]
    declared: dict = field(default_factory=dict)  # signal -> [Evidence] (dependency files)
    eval_in_ci: list = field(default_factory=list)  # [Evidence]
    ci_files: list = field(default_factory=list)
    eval_dirs: list = field(default_factory=list)


_CODE_RX = {k: [(re.compile(p, re.M), what) for p, what in v] for k, v in CODE_PATTERNS.items()}
_QUICK = {"tracing": ("opentelemetry", "langfuse", "langsmith", "traceloop", "logfire", "openinference", "phoenix",
                      "agentops", "braintrust", "weave", "arize", "openlit", "helicone", "mlflow", "wrap_openai",
                      "traceable", "observe"),
          "usage": ("usage", "_tokens"),
          "caching": ("cache", "Cache"),
          "rate-limit": ("emaphore", "imit", "rpm", "tpm", "ucket"),
          "handles-429": ("RateLimit", "429", "TooManyRequests", "Throttling")}


def scan_code(sources: dict) -> dict:
    """signal -> [Evidence] over every readable Python source (display path -> Source)."""
    out: dict = {}
    for path, src in sources.items():
        text = src.text
        if text is None or not path.endswith((".py", ".pyi")):
            continue
        for sig, rxs in _CODE_RX.items():
            if not any(q in text for q in _QUICK[sig]):
                continue
            for rx, what in rxs:
                m = rx.search(text)
                if m:
                    out.setdefault(sig, []).append(Evidence(path, text.count("\n", 0, m.start()) + 1, what))
                    break
    return out


def _dep_name(spec: str) -> str:
    return re.split(r"[\s<>=!~;\[(@]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def dependencies(root: Path, shown) -> list[tuple[str, str, int]]:
    """(package, file, line) declared in pyproject.toml, requirements*.txt, setup.cfg, Pipfile."""
    out = []
    for req in sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt")):
        try:
            for i, line in enumerate(req.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    out.append((_dep_name(line), shown(req), i))
        except OSError:
            continue
    pp = root / "pyproject.toml"
    if pp.is_file():
        try:
            text = pp.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data, text = {}, ""
        specs = list(data.get("project", {}).get("dependencies", []))
        for extra in data.get("project", {}).get("optional-dependencies", {}).values():
            specs += list(extra)
        for group in data.get("dependency-groups", {}).values():
            specs += [g for g in group if isinstance(g, str)]
        poetry = data.get("tool", {}).get("poetry", {})
        specs += list(poetry.get("dependencies", {})) + list(poetry.get("dev-dependencies", {}))
        for spec in specs:
            name = _dep_name(spec)
            line = next((i for i, t in enumerate(text.splitlines(), 1) if name in t.lower().replace("_", "-")), 1)
            out.append((name, shown(pp), line))
    cfg = root / "setup.cfg"
    if cfg.is_file():
        try:
            lines = cfg.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        inside = False
        for i, line in enumerate(lines, 1):
            if re.match(r"\s*install_requires\s*=", line):
                inside = True
                continue
            if inside:
                if line and not line[0].isspace():
                    inside = False
                elif line.strip():
                    out.append((_dep_name(line), shown(cfg), i))
    return out


def ci_eval_steps(root: Path, shown) -> tuple[list, list]:
    """Eval commands run by CI (read with pyyaml), and the CI files found."""
    hits, files = [], []
    for pattern in CI_FILES:
        for f in sorted(root.glob(pattern)):
            files.append(shown(f))
            try:
                text = f.read_text(encoding="utf-8", errors="replace")
                data = yaml.safe_load(text)
            except (OSError, yaml.YAMLError):
                continue
            for cmd in _commands(data):
                m = EVAL_COMMANDS.search(cmd)
                if m:
                    first = cmd.strip().splitlines()[0] if cmd.strip() else cmd
                    line = next((i for i, t in enumerate(text.splitlines(), 1) if first.strip() and first.strip() in t),
                                1)
                    hits.append(Evidence(shown(f), line, f"CI runs: {first.strip()[:80]}"))
    return hits, files


def _commands(node) -> list[str]:
    """Every shell command in a CI document: `run:` (GitHub), `script:` lists (GitLab), `command:`."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("run", "script", "command", "before_script", "after_script") and isinstance(v, (str, list)):
                out += [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)]
            elif k == "uses" and isinstance(v, str) and re.search(r"promptfoo|deepeval|braintrust|langsmith", v, re.I):
                out.append(v)
            else:
                out += _commands(v)
    elif isinstance(node, list):
        for x in node:
            out += _commands(x)
    return out


def collect(roots: list[Path], sources: dict, shown) -> Signals:
    sig = Signals(code=scan_code(sources))
    for root in roots:
        for name, path, line in dependencies(root, shown):
            for s, names in DEPENDENCIES.items():
                if name in names:
                    sig.declared.setdefault(s, []).append(Evidence(path, line, f"{name} declared"))
        hits, files = ci_eval_steps(root, shown)
        sig.eval_in_ci += hits
        sig.ci_files += files
        for d in ("evals", "eval", "tests/evals", "tests/eval"):
            if (root / d).is_dir():
                sig.eval_dirs.append(shown(root / d))
    return sig
