"""LLM105 missing-fallback: nothing answers when this model call fails.

## What it finds
A model call whose failure propagates: it is not inside a `try` (in the same function) whose
`except` handles the error without re-raising, no fallback mechanism is configured (litellm
`fallbacks=`, a `Router` with `fallbacks`, LangChain `.with_fallbacks([...])`), and, when the call
sits in a private (`_name`) or nested function, none of that function's call sites in the same
file handles the error either. A handler that logs and re-raises is not a fallback. A public
function that lets the error out has no fallback even if some caller elsewhere catches it.

## Why it matters
Every provider has outages, regional incidents and model deprecations. Without a fallback one
provider's bad hour is your feature's outage; with one, users get a second model, a cached
answer or a degraded but working response.

## Example
```python
def summarise(text):
    return client.chat.completions.create(model=MODEL, messages=[...]).choices[0].message.content
```

## Use instead
```python
def summarise(text):
    try:
        return primary.chat.completions.create(model=MODEL, messages=[...]).choices[0].message.content
    except openai.APIError:
        log.warning("primary model failed, using the backup")
        return backup.messages.create(model=BACKUP_MODEL, max_tokens=800, messages=[...]).content[0].text
```
or `litellm.completion(..., fallbacks=["claude-sonnet-4-5-20250929"])`, or a `Router` with `fallbacks`.

## Fix safety
No automatic fix: what a good fallback answer is depends on the feature. The code to write is under *Use instead*.
"""

from __future__ import annotations

from auditor import flow
from auditor.link import ResolvedCall
from auditor.report import Location

SCOPE = "call"


def check(call: ResolvedCall, project):
    if project.option(call.call_kwargs, call.spec.call_options.get("fallbacks", ())) is not None:
        return
    if any(c.get("fallbacks") is not None for c in call.clients):
        return
    if flow.handled_here(call):
        return
    if any(site[5][0] for site in flow.one_up(project, call)):
        return
    yield ("a failure of this call propagates: no fallback model, cached or default answer handles it; "
           "catch the provider's errors and answer another way, or configure fallbacks",
           Location(call.path, call.line), [])
