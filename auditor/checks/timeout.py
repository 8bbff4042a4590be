"""LLM101 missing-timeout: a model call that no explicit finite timeout reaches.

## What it finds
A model call where neither the call (`timeout=`), nor the client it goes through (constructor
`timeout=`, `with_options(timeout=...)`, an `http_client` built with a timeout), nor a module
setting (`openai.timeout = 20`, `litellm.request_timeout = 20`) sets a finite timeout. An explicit
`timeout=None` (or `httpx.Timeout(None)`) is reported too: it switches the timeout off.

## Why it matters
SDK defaults are far longer than any user will wait: 600 s for OpenAI, Anthropic and litellm,
none at all for `requests`, google-genai, Ollama or LangChain's `ChatOpenAI`. One slow or stalled
upstream then holds a worker, a thread or a request slot for ten minutes or forever, and the
backlog turns a provider's brown-out into your outage.

## Example
```python
client = OpenAI()                      # no timeout: 600 s by default
client.chat.completions.create(model=MODEL, messages=msgs)
```

## Use instead
```python
client = OpenAI(timeout=30, max_retries=3)   # or per call: timeout=30
```
Set it where the client is built (the finding names that line) so every call inherits it, and
override per call where a request is known to be long (batch summarisation, streaming).

## Fix safety
Not fixed automatically: the right deadline depends on the request.
"""

from __future__ import annotations

from auditor.catalog import catalog
from auditor.link import ResolvedCall, Setting
from auditor.report import Location

SCOPE = "call"


def effective(call: ResolvedCall, project) -> list[tuple[str, Setting | None, object]]:
    """(state, setting, client) for every way the call can go.

    state: set | none (explicitly unbounded) | conditional (only when configured) | missing | unknown."""
    deadline = _deadline_around(call, project)
    if deadline:
        return [("set", Setting("set", call.path, call.line, deadline), None)]
    got = project.option(call.call_kwargs, call.spec.call_options.get("timeout", ()))
    if got is not None:
        ir, p, s = got
        state = project.setting_state("timeout", ir, p, s, 0)
        if not (state == "none" and call.spec.defaults.get("none_is_default")):  # timeout_ms=None: the client's
            return [(state, Setting(state, call.path, call.line, "call"), None)]
    if call.opaque_kwargs:
        return [("unknown", None, None)]
    if call.clients:
        out = []
        for c in call.clients:
            s = c.get("timeout")
            if s is not None:
                out.append((s.state, s, c))
            elif c.opaque:
                out.append(("unknown", None, c))
            elif not c.known:
                out.append(("untraced", None, c))
            else:
                out.append(("missing", None, c))
        return out
    ms = call.module_settings.get("timeout", [])
    if ms:
        state = "none" if all(s.state == "none" for s in ms) else "set"
        return [(state, ms[-1], None)]
    return [("missing", None, None)]


def _default_text(call: ResolvedCall, client) -> str:
    spec = catalog().clients.get(client.cls, call.spec) if client is not None else call.spec
    d = spec.defaults.get("timeout")
    return "waits forever by default" if d is None else f"SDK default {d:g} s"


def check(call: ResolvedCall, project):
    states = effective(call, project)
    if states and all(st == "untraced" for st, _s, _c in states):
        yield (f"{call.api} called without timeout on a client built elsewhere (not traceable from here); "
               "pass timeout=... on the call or make sure the client sets one", Location(call.path, call.line), [])
        return
    for state, setting, client in states:
        if state == "conditional":
            yield (f"timeout at {setting.path}:{setting.line} ({setting.via}) is only set when a setting is given; "
                   f"otherwise the {call.provider} call runs with no explicit timeout "
                   f"({_default_text(call, client)}): give it a finite default",
                   Location(setting.path, setting.line), [])
            return
        if state == "none":
            yield (f"timeout=None at {setting.path}:{setting.line} ({setting.via}) disables the timeout of this "
                   f"{call.provider} call; set a finite timeout",
                   Location(setting.path, setting.line), [])
            return
        if state == "missing":
            if client is not None and client.path:
                name = client.cls.rsplit(".", 1)[-1]
                yield (f"{name} client built at {client.path}:{client.line} without timeout "
                       f"({_default_text(call, client)}) and the call sets none; pass timeout=... there",
                       Location(client.path, client.line), [(Location(client.path, client.line), "client built here")])
            elif call.provider == "http":
                yield (f"HTTP request to a model endpoint ({_short(call.url)}) without timeout "
                       f"({_default_text(call, client)}); pass timeout=...",
                       Location(call.path, call.line), [])
            else:
                yield (f"{call.api} called without timeout ({_default_text(call, client)}); pass timeout=... "
                       f"or set it once for the module", Location(call.path, call.line), [])
            return


def _short(url: str | None) -> str:
    if not url:
        return "?"
    u = url.split("://", 1)[-1]
    return u if len(u) <= 60 else u[:57] + "..."


def _deadline_around(call: ResolvedCall, project) -> str:
    """A deadline the app puts around the request: ``asyncio.wait_for(...)``, ``async with
    asyncio.timeout(...)``, or a project decorator on the function that runs it under a timeout."""
    from auditor import flow
    from auditor.link import FuncV

    for c in call.ctx:
        if c[0] == "deadline":
            return "asyncio.wait_for"
        if c[0] == "with" and any(t.rsplit(".", 1)[-1] in ("timeout", "fail_after", "move_on_after", "timeout_at")
                                  for t in c[2]):
            return "a timeout context"
    for _sid, sc in flow.enclosing_functions(project, call):
        for d in sc.decorators:
            target = d[1] if d[0] == "c" else d
            for v in project.resolve(call.path, sc.parent or "", target):
                if isinstance(v, FuncV) and _runs_under_deadline(project, v.path, v.sid):
                    return f"decorator on {sc.name}()"
    return ""


def _runs_under_deadline(project, path: str, sid: str) -> bool:
    f = project.facts(path)
    if f is None:
        return False
    # a decorator made by a factory (create_retry_decorator() returning an inner function): the whole
    # factory counts; a plain decorator function: itself and what it nests
    outer = sid.rsplit(".", 1)[0] if "." in sid else sid
    base = outer if f.scopes.get(outer) is not None and f.scopes[outer].kind == "function" else sid
    return any(sc.enforces_timeout for s2, sc in f.scopes.items() if s2 == base or s2.startswith(base + "."))
