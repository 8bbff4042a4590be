"""LLM201 hardcoded-secret: a model-provider API key written into the source.

## What it finds
A string that has the exact shape of a provider credential: OpenAI (`sk-proj-...`, legacy
`sk-...T3BlbkFJ...`), Anthropic (`sk-ant-api03-...`), Google (`AIza...`), Groq (`gsk_...`),
Hugging Face (`hf_...`), xAI, OpenRouter, Perplexity, Replicate, Mistral, Together, NVIDIA, AWS
access key ids. Placeholders are not reported: `"sk-..."`, `"your-api-key"`, values with
`xxxx`/`example`/`dummy`/`replace`, and values whose random part has too little entropy to be real.
The key is never printed: only its first characters and its length.

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
Not fixed automatically: the key must be rotated by a person.
"""

from __future__ import annotations

from auditor.catalog import Catalog
from auditor.report import Location

SCOPE = "file"


def mask(value: str, prefix: str) -> str:
    shown = value[: min(len(prefix), 8)]
    return f"{shown}... ({len(value)} chars)"


def scan_text(text: str, path: str, cat: Catalog):
    """Yield (line, column, message, fix location) for every real-looking key in ``text``."""
    if not cat.may_hold_secret(text):
        return
    for m in cat.secret_any.finditer(text):
        value = m.group(0)
        start, end = m.start(), m.end()
        # a key is a whole token: not the middle of a longer identifier-like run
        if (start > 0 and (text[start - 1].isalnum())) or (end < len(text) and text[end].isalnum()):
            continue
        pat = next((p for p in cat.secret_patterns if p.regex.fullmatch(value)), None)
        if pat is None:
            continue
        if cat.is_placeholder(value, len(pat.prefix)):
            continue
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        yield (line, col, f"hard-coded {pat.provider} credential ({pat.id}) {mask(value, pat.prefix)}: "
               "load it from the environment or a secrets manager, and rotate it", Location(path, line, col))
