"""LLM104 floating-model-alias: the model is a floating alias, not a dated snapshot.

## What it finds
A model call whose model id is written as a literal alias that the provider re-points to newer
snapshots over time: `gpt-4o`, `gpt-4.1`, `o3`, `claude-sonnet-4-5`, `claude-3-5-haiku-latest`,
`gemini-2.5-flash`, any `-latest`. Dated snapshots (`gpt-4o-2024-08-06`,
`claude-sonnet-4-5-20250929`, `gemini-1.5-pro-002`) and ids that have no dated versions
(`text-embedding-3-small`, `whisper-1`) are pinned. A model that comes from a variable, an
argument or configuration is not reported: that is where it belongs. Azure OpenAI's `model=` is a
deployment name and is never reported.

## Why it matters
When the alias moves, behaviour changes overnight with no change in your repository: prompts that
were tuned and evaluated against one snapshot now run against another, output formats drift and
evals no longer describe production.

## Example
```python
client.chat.completions.create(model="gpt-4o", messages=msgs)
```

## Use instead
```python
client.chat.completions.create(model=settings.CHAT_MODEL, messages=msgs)  # "gpt-4o-2024-08-06"
```

## Fix safety
Unsafe: the fix pins the snapshot the alias pointed at when the catalogue was checked
(`rules/providers.yaml` `model_pins`, each table with its date and the SDK source it was read from),
and the alias may have moved since; run the evals before shipping it. Safe for the aliases the project
pins itself: `[tool.llm-audit.fix] pin = {"gpt-4o" = "gpt-4o-2024-08-06"}`. An alias with several
dated twins in the SDK (`gpt-4o`) is pinned only from the configuration. Only a literal written at the
call or the constructor is rewritten, quotes and provider prefix (`"anthropic/..."`) kept.
"""

from __future__ import annotations

from auditor.catalog import catalog
from auditor.link import ResolvedCall
from auditor.report import Location

SCOPE = "call"


def check(call: ResolvedCall, project):
    if not call.model:
        return
    cat = catalog()
    if any(getattr(cat.clients.get(c.cls), "model_is_deployment", False) for c in call.clients):
        return
    if cat.classify_model(call.model) == "floating":
        yield (f"model '{call.model}' is a floating alias that the provider re-points to new snapshots; "
               "pin a dated snapshot and keep it in configuration", Location(call.path, call.line), [])
