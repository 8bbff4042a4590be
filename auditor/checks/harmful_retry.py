"""LLM110 harmful-retry: a retry around a model call that makes failures worse.

## What it finds
Retries that retry the wrong things or in the wrong rhythm, around a model call:
- a tenacity `@retry` with no `retry=` predicate (bare `@retry` too): it retries every exception,
  400s and authentication errors included;
- `@backoff.on_exception(..., Exception)`: the same, with backoff;
- a retry loop whose handler catches bare `Exception` or uses a bare `except:`;
- a fixed wait with no backoff or jitter: tenacity `wait=wait_fixed(n)`, or a loop that sleeps a constant.
Reported on the decorator line or on the loop's first line.

## Why it matters
Retrying a 400 or a 401 only multiplies a bug or burns the budget. Retrying a 429 at a fixed
interval keeps every client in lockstep, hammering the provider at the same instant: the
thundering herd that turns a brief throttle into an outage. Exponential backoff with jitter, on
transient errors only, spreads the load and lets the provider recover.

## Example
```python
@retry(stop=stop_after_attempt(5), wait=wait_fixed(2))
def complete(prompt): ...
```

## Use instead
```python
@retry(retry=retry_if_exception_type((openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError,
                                      openai.InternalServerError)),
       wait=wait_random_exponential(min=1, max=30), stop=stop_after_attempt(5))
def complete(prompt): ...
```

## Fix safety
Unsafe (the waits change); safe when `[tool.llm-audit.fix] max-wait` gives the longest wait. Only a
fixed wait is fixed, in the same library: tenacity `wait=wait_fixed(2)` becomes
`wait=wait_random_exponential(multiplier=2, max=60)`, and a `for attempt in range(...)` retry loop
that sleeps a constant sleeps `random.uniform(0, min(60, 2 * 2 ** attempt))` (`import random` added).
A retry that retries every exception is not fixed: which errors are transient is the author's call.
"""

from __future__ import annotations

from auditor import flow
from auditor.facts import last_name
from auditor.link import Ext, ResolvedCall
from auditor.report import Location

SCOPE = "call"
BROAD = ("Exception", "BaseException", "builtins.Exception")


def _broad(project, path: str, sid: str, ir) -> bool:
    if ir is None:
        return True  # a bare except
    items = ir[1] if ir[0] == "l" else (ir,)
    return any(isinstance(v, Ext) and v.q in BROAD for x in items for v in project.resolve(path, sid, x))


def check(call: ResolvedCall, project):
    # retry loops around the call
    loop = None
    for c in call.ctx:
        if c[0] == "loop" and c[2]:
            loop = c
        elif c[0] == "try" and loop is not None and any(not r for _t, r, _l in c[1]):
            problems = []
            if any(not r and _broad(project, call.path, call.scope, t) for t, r, _l in c[1]):
                problems.append("catches every exception (400s and auth errors included)")
            if loop[3] == "const":
                problems.append("waits a fixed time between attempts (no backoff, no jitter)")
            if problems:
                at = Location(call.path, loop[1], 1)
                yield (f"retry loop {' and '.join(problems)}: retry only transient errors (429, 5xx, timeouts) "
                       "with exponential backoff and jitter", at, [], at)
            break
    # retry decorators on the functions around the call
    for _sid, sc in flow.enclosing_functions(project, call):
        for d, line in zip(sc.decorators, sc.decorator_lines or [sc.line] * len(sc.decorators)):
            target = d[1] if d[0] == "c" else d
            vals = project.resolve(call.path, sc.parent or "", target)
            qs = {v.q for v in vals if isinstance(v, Ext)}
            problems = []
            if qs & {"tenacity.retry", "tenacity.asyncio.retry"}:
                kwargs = dict(d[3]) if d[0] == "c" else {}
                if "retry" not in kwargs:
                    problems.append("retries every exception (no retry= predicate)")
                wait = kwargs.get("wait")
                if wait is not None and wait[0] == "c" and last_name(wait) == "wait_fixed":
                    problems.append("waits a fixed time (wait_fixed, no jitter)")
            elif qs & {"backoff.on_exception"} and d[0] == "c" and len(d[2]) >= 2:
                if _broad(project, call.path, sc.parent or "", d[2][1]):
                    problems.append("retries every exception (on_exception(..., Exception))")
            if problems:
                at = Location(call.path, line, 1)
                yield (f"retry decorator {' and '.join(problems)}: retry only transient errors (429, 5xx, "
                       "timeouts) with exponential backoff and jitter", at, [], at)
