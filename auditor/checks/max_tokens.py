"""LLM103 unbounded-output-tokens: a generation call with no output-token cap.

## What it finds
A chat or completion call (OpenAI chat/responses/completions, Anthropic messages, litellm
completion, a raw HTTP chat payload) that passes none of `max_tokens`, `max_completion_tokens`,
`max_output_tokens` (or the provider's equivalent), neither as a keyword nor in the `**params`
mapping or JSON payload it sends. Embedding, image and audio calls have no output tokens and are
never reported.

## Why it matters
Output tokens are the expensive ones and the slow ones. Without a cap, one runaway generation
(a loop, a prompt injection asking for "the full text") costs up to the model's maximum and holds
the request for minutes; a cap bounds both the bill and the latency of every call.

## Example
```python
client.chat.completions.create(model=MODEL, messages=msgs)
```

## Use instead
```python
client.chat.completions.create(model=MODEL, messages=msgs, max_completion_tokens=800)
```

## Fix safety
Not fixed automatically: the right cap depends on the answer the feature needs.
"""

from __future__ import annotations

from auditor.catalog import catalog
from auditor.link import ResolvedCall
from auditor.report import Location

SCOPE = "call"
GENERATION_KINDS = ("chat", "completion")


def check(call: ResolvedCall, project):
    if call.kind not in GENERATION_KINDS:
        return
    names = call.spec.call_options.get("max_tokens", ())
    if any(c.get("max_tokens") is not None for c in call.clients):
        return  # the model object carries the cap: ChatOpenAI(max_tokens=...), GenerativeModel(generation_config=...)
    specs = [catalog().clients.get(c.cls, call.spec) for c in call.clients] or [call.spec]
    if all(s.defaults.get("max_tokens") for s in specs):
        return  # the SDK class sends a cap of its own when given none (TextGenerationModel.predict: 128 tokens)
    got = project.option(call.call_kwargs, names)
    given = [got] if got is not None else []
    if any(ir[0] != "cond" and not project.maybe_none(p, s, ir) for ir, p, s in given):
        return
    if any(ir[0] == "cond" and project.has_number(p, s, ir[1]) for ir, p, s in given):
        return  # only passed when set, but the setting defaults to a number: every call is bounded
    if given:
        ir, p, _s = given[0]
        yield (f"the output-token cap is only passed when {_text(ir[1] if ir[0] == 'cond' else ir)} is set (in {p}); "
               "give it a default so every call is bounded", Location(call.path, call.line), [])
        return
    has_payload = any(p in call.call_kwargs for p in call.spec.payload)
    if has_payload:
        if call.payload_keys is None or any(n in call.payload_keys for n in names):
            return
    elif call.opaque_kwargs:
        return
    if has_payload and call.payload_keys and any(f"?{n}" in call.payload_keys for n in names):
        yield ("the output-token cap is only put in the payload when a setting is given; give it a default "
               "so every call is bounded", Location(call.path, call.line), [])
        return
    what = "payload" if has_payload else "call"
    shown = names or call.spec.options.get("max_tokens", ()) or ("max_tokens",)  # a cap only the model object takes
    yield (f"no output-token cap on this {call.kind} {what}: pass {shown[0]}=... "
           f"({' / '.join(shown[:3])}) to bound cost and latency", Location(call.path, call.line), [])
    return


def _text(ir: tuple) -> str:
    if ir[0] == "n":
        return ir[1]
    if ir[0] == "a":
        return f"{_text(ir[1])}.{ir[2]}"
    return "a setting"
