"""LLM102 missing-retry: a model call that nothing retries.

## What it finds
A model call that fails on the first transient error: a raw HTTP request (`requests`, `httpx`,
`aiohttp`) to a model endpoint, or an SDK client or call with `max_retries=0`, with no retry
around it: no retry decorator (tenacity, backoff, stamina, or a project decorator named `*retry*`)
on the enclosing function, no retry loop (a `for`/`while` loop whose `try` catches the error and
goes round again), no `requests.Session` with a retrying `HTTPAdapter` mounted. The SDKs' built-in
retries (OpenAI, Anthropic: 2 retries with backoff and jitter) count as retries.

## Why it matters
Model APIs answer 429 and 5xx as a matter of course under load. Without a retry with backoff,
every one of those becomes a user-visible error, and a burst of them becomes an incident.

## Example
```python
resp = requests.post("https://api.openai.com/v1/chat/completions", json=payload, timeout=30)
```

## Use instead
```python
@retry(wait=wait_random_exponential(min=1, max=30), stop=stop_after_attempt(5))
def complete(payload):
    return requests.post(URL, json=payload, timeout=30)
```
or use the provider's SDK, which retries 429/5xx with backoff by default.

## Fix safety
Not fixed automatically.
"""

from __future__ import annotations

from auditor.catalog import catalog
from auditor.link import ResolvedCall
from auditor.report import Location

SCOPE = "call"


def check(call: ResolvedCall, project):
    if call.retry_wrappers:
        return
    cat = catalog()
    state, where = None, None
    sdk_default = ""  # an SDK that does not retry unless told to (mistralai, ollama, google-genai, ...)
    got = project.option(call.call_kwargs, call.spec.call_options.get("retries", ()))
    if got is not None:
        ir, p, s = got
        state, where = project.setting_state("retries", ir, p, s, 0), Location(call.path, call.line)
    if state is None and call.opaque_kwargs:
        return
    if state is None and call.clients:
        for c in call.clients:
            s = c.get("retries")
            spec = cat.clients.get(c.cls, call.spec)
            if s is not None:
                if s.state == "zero":
                    state, where, sdk_default = "zero", Location(s.path, s.line), ""
                continue
            if spec.retry_mount and (c.path, c.line) in project.mounted_retry_clients():
                continue
            if (spec.defaults.get("retries") or 0) == 0 and c.known and not c.opaque:
                state, where = "zero", Location(c.path or call.path, c.line or call.line)
                sdk_default = spec.family
        if state is None:
            return
    if state is None:
        ms = call.module_settings.get("retries", [])
        if ms:
            state = "zero" if all(s.state == "zero" for s in ms) else "set"
            where = Location(ms[-1].path, ms[-1].line)
        else:
            state = "zero" if (call.spec.defaults.get("retries") or 0) == 0 else "set"
            where = Location(call.path, call.line)
    if state != "zero":
        return
    if call.provider == "http":
        yield ("HTTP request to a model endpoint with no retry: wrap it in a retry with exponential backoff "
               "and jitter (tenacity, backoff) or use the provider SDK", where, [])
    elif sdk_default:
        yield (f"the {sdk_default} client built at {where} does not retry unless configured to, and nothing "
               "retries this call; configure its retries or add a retry with backoff", where, [])
    else:
        yield (f"retries disabled (max_retries=0 at {where}) and nothing retries this call; keep the SDK's "
               "retries or add a retry with backoff", where, [])
