"""LLM107 missing-circuit-breaker: calls keep going to a provider that is failing.

## What it finds
A model call with no circuit breaker in front of it: the enclosing function is not decorated by a
breaker (pybreaker's `@breaker`, circuitbreaker's `@circuit`, aiobreaker, purgatory), the call
does not run inside `with breaker.calling():` / `async with breaker:`, its function is not handed to
`breaker.call(fn, ...)`, and it does not go through a gateway with cooldowns (a litellm `Router`).

## Why it matters
Retries help with blips; during an outage they multiply load on a provider that is already
failing and tie up your workers waiting for timeouts. A breaker fails fast after repeated errors,
sheds the load and probes for recovery, so fallbacks kick in at once.

## Example
```python
def classify(text):
    return client.chat.completions.create(model=MODEL, messages=[...])
```

## Use instead
```python
llm_breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)

@llm_breaker
def classify(text):
    return client.chat.completions.create(model=MODEL, messages=[...])
```

## Fix safety
No automatic fix: thresholds and what to answer while the breaker is open are the author's call. The code to write is under *Use instead*.
"""

from __future__ import annotations

from auditor import flow
from auditor.link import ClientV, Ext, FuncV, ResolvedCall
from auditor.report import Location

SCOPE = "call"
MARKS = ("breaker", "circuit")
GATEWAYS = ("litellm.Router",)


def _breakerish(text: str) -> bool:
    low = text.lower()
    return any(m in low for m in MARKS)


def check(call: ResolvedCall, project):
    if any(isinstance(c, ClientV) and c.cls in GATEWAYS for c in call.clients):
        return
    if any(c[0] == "with" and any(_breakerish(t) for t in c[2]) for c in call.ctx):
        return
    f = project.facts(call.path)
    for sid, sc in flow.enclosing_functions(project, call):
        for d in sc.decorators:
            target = d[1] if d[0] == "c" else d
            written = _written(target)
            if _breakerish(written):
                return
            for v in project.resolve(call.path, sc.parent or "", target):
                if isinstance(v, Ext) and _breakerish(v.q):
                    return
        if _passed_to_breaker(project, call.path, sid):
            return
    _ = f
    yield ("no circuit breaker in front of this call: when the provider fails, requests keep coming; "
           "put a breaker (pybreaker, purgatory, aiobreaker) or a gateway with cooldowns in front of it",
           Location(call.path, call.line), [])


def _written(ir: tuple) -> str:
    parts = []
    while ir[0] == "a":
        parts.append(ir[2])
        ir = ir[1]
    if ir[0] == "n":
        parts.append(ir[1])
    return ".".join(reversed(parts))


def _passed_to_breaker(project, path: str, sid: str) -> bool:
    """``breaker.call(fn, ...)`` / ``await breaker.call_async(fn, ...)`` somewhere in the same file."""
    f = project.facts(path)
    for func, args, _kw, csid, _flow in f.plain_calls if f else ():
        if func[0] == "a" and func[2] in ("call", "call_async") and _breakerish(_written(func[1])) and args:
            for v in project.resolve(path, csid, args[0]):
                if isinstance(v, FuncV) and v.path == path and v.sid == sid:
                    return True
    return False
