"""LLM201 hardcoded-secret: a model-provider API key written into the repository.

## What it finds
A value that has the exact shape of a provider credential: OpenAI (`sk-proj-...`, `sk-svcacct-...`,
`sk-admin-...`, legacy `sk-...T3BlbkFJ...`), Anthropic (`sk-ant-api03-...`, admin, OAuth), Google
(`AIza...`), Groq (`gsk_...`), Hugging Face (`hf_...`), xAI, OpenRouter, Perplexity, Replicate,
Mistral, Together, NVIDIA, AWS access key ids. Formats with no prefix (Azure OpenAI keys in a file
that names an Azure endpoint, legacy Mistral/Together, Cohere, DeepSeek, AWS secret keys) count when
assigned to a name that says whose key it is; any other random-looking value assigned to a
key/token/secret/password-like name counts too.

Where: Python source (any string, including `os.getenv("X", "...")` defaults and
`os.environ["X"] = "..."`), notebooks (cell sources and outputs, reported at the line of the
`.ipynb` file), `.env*`, YAML, JSON, TOML, INI/CFG, Dockerfiles and compose files.

Not reported: placeholders (`"sk-..."`, `"your-api-key"`, `xxxx`/`example`/`dummy`/`replace`,
`${VAR}`, values whose random part has too little entropy), words joined by dashes, environment
variable names, analytics ingestion keys published by design (PostHog `phc_`, Mixpanel tokens),
name-based values in templates (`.env.example`, `*.sample.*`), and any line carrying
`# pragma: allowlist secret` (as detect-secrets reads it), `gitleaks:allow` or
`# llm-audit: ignore[LLM201]`. The key is never printed: at most its first characters and its length.

## Why it matters
A model key in a repository is found by scrapers within minutes of a push and spent within hours;
it also reaches every clone, fork, CI log and backup, so rotating it is the only remedy.

## Example
```python
client = OpenAI(api_key="sk-proj-...")   # the real key, pasted
```

## Use instead
```python
client = OpenAI()  # reads OPENAI_API_KEY from the environment or a secrets manager
```
Then rotate the leaked key at the provider: removing it from the code does not un-leak it.

## Fix safety
Unsafe: the code now needs the environment variable (a `KeyError` where it is not set). In Python, the
literal becomes `os.environ["OPENAI_API_KEY"]` (the variable the provider's SDK reads; a random value
under an environment-variable-like name reads that name), `os.getenv("X", "<key>")` becomes
`os.environ["X"]`, and `import os` is added. `[tool.llm-audit.fix] api-key-env = {openai = "..."}`
names the variable and makes the fix safe. Keys in f-strings, concatenations and non-Python files are
reported, never rewritten. The fix does not un-leak the key: rotate it.
"""

from __future__ import annotations

from auditor.catalog import Catalog
from auditor.report import Location
from auditor.secrets_scan import mask, scan_keys

SCOPE = "file"

__all__ = ["mask", "scan_text"]


def scan_text(text: str, path: str, cat: Catalog, kind: str = "python"):
    """Yield (line, column, message, fix location) for every real-looking key in ``text``."""
    for line, col, message in scan_keys(text, path, cat, kind):
        yield line, col, message, Location(path, line, col)
