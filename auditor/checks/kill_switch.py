"""LLM106 missing-kill-switch: nothing can switch this model call off without a deploy.

## What it finds
A model call that runs whenever its code runs: it is not inside an `if` that reads a feature flag,
config toggle or environment switch (`if settings.SUMMARIES_ENABLED:`,
`if os.getenv("LLM_KILL_SWITCH") != "1":`, `ldclient.get().variation("llm-summaries", ...)`,
Unleash/OpenFeature/Flagsmith/GrowthBook/ConfigCat/PostHog lookups, a project helper such as
`feature_enabled("ai-replies")`), no early exit on such a switch comes before it, and (for private
or nested functions) none of its call sites in the same file is guarded either. A guard on the input
(`if len(prompt) > 4000`, `if not messages`) is not a switch.

## Why it matters
When a model starts producing harmful output, a cost runaway begins, or a provider misbehaves at
2 a.m., the fastest mitigation is switching the feature off. Without a switch that takes a code
change, review and deploy.

## Example
```python
def reply(ticket):
    return client.chat.completions.create(model=MODEL, messages=build(ticket))
```

## Use instead
```python
def reply(ticket):
    if not flags.is_enabled("ai-replies"):
        return canned_reply(ticket)
    return client.chat.completions.create(model=MODEL, messages=build(ticket))
```

## Fix safety
No automatic fix: which switch, and what the feature does when it is off, are product decisions. The code to write is under *Use instead*.
"""

from __future__ import annotations

from auditor import flow
from auditor.link import ResolvedCall
from auditor.report import Location

SCOPE = "call"


def check(call: ResolvedCall, project):
    if flow.switch_here(project, call):
        return
    if any(site[5][1] for site in flow.one_up(project, call)):
        return
    yield ("this model call cannot be switched off without a deploy: guard it with a feature flag or "
           "config switch (and an answer for when it is off)", Location(call.path, call.line), [])
