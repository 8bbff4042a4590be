"""LLM101 fix: give the client (or the request) a finite timeout, in the SDK's own spelling and unit.

Where the finding points: the client constructor when the client was built without a timeout (every
call through it inherits it), the request for module functions and raw HTTP, the ``timeout=None`` the
finding names when a timeout was switched off. What is written comes from ``rules/providers.yaml``
(``fix.timeout``): ``timeout=30`` (OpenAI, Anthropic, litellm, LangChain, httpx, requests),
``timeout_ms=30000`` (Mistral), ``http_options={"timeout": 30000}`` or ``types.HttpOptions(timeout=30000)``
(google-genai, milliseconds), ``config=Config(connect_timeout=30, read_timeout=30)`` with its import
(botocore), ``timeout=aiohttp.ClientTimeout(total=30)``, ``request_options={"timeout": 30}``
(google-generativeai). A timeout that is only set under a condition is left to the author.
"""

from __future__ import annotations

from auditor.checks import timeout as check
from auditor.fix import settings


def plan(finding, ctx):
    call = finding.origin
    if call is None:
        return None
    seconds_given = ctx.config.fix.timeout is not None
    vals = settings.values(ctx)
    states = check.effective(call, ctx.project)
    if states and all(st == "untraced" for st, _s, _c in states):
        return _at_call(call, ctx, vals, seconds_given, untraced=True)
    if any(st == "conditional" for st, _s, _c in states):
        return None  # the author gives it a default
    # every way the call can go that has no timeout: one fix for all of them, so the finding goes
    planned = []
    for state, setting, client in states:
        if state == "none":
            planned.append(_replace_none(call, setting, ctx, vals, seconds_given))
        elif state == "missing":
            if client is not None and client.path:
                planned.append(_at_client(call, client, ctx, vals, seconds_given))
            else:
                planned.append(_at_call(call, ctx, vals, seconds_given))
    planned = [p for p in planned if p]
    if not planned:
        return None
    edits = list({e.key(): e for p in planned for e in p[1]}.values())
    return planned[0][0], edits, seconds_given


def _message(vals, fx) -> str:
    if fx.get("unit") == "ms":
        return f"set a {vals['seconds']} s timeout ({vals['ms']} ms)"
    return f"set a {vals['seconds']} s timeout"


def _at_client(call, client, ctx, vals, decided):
    spec = ctx.cat.clients.get(client.cls)
    fx = settings.fix_spec(spec, "timeout", settings.method_of(call)) if spec else None
    if fx is None:
        return None
    if fx["at"] == "call":
        return _write_at_call(call, fx, ctx, vals, decided)
    idx = ctx.index(client.path)
    node = settings.client_call(idx, client) if idx else None
    if node is None:
        return None
    edits = _add_or_replace_none(idx, node, fx, vals)
    return (_message(vals, fx) + " on the client", edits, decided) if edits else None


def _add_or_replace_none(idx, node, fx, vals):
    """Write the timeout; where the SDK reads ``timeout=None`` as its default (Cohere, Mistral, Voyage),
    the None already written is replaced instead."""
    edits = settings.add(idx, node, fx, vals)
    if edits is None:
        value_text, imports = settings.render(idx, fx["value"], vals)
        if value_text is not None:
            edits = settings.replace(idx, node, fx["paths"], "none", value_text, imports)
    return edits


def _at_call(call, ctx, vals, decided, untraced: bool = False):
    fx = settings.fix_spec(call.spec, "timeout", settings.method_of(call))
    if fx is None:
        return None
    if untraced and fx["at"] != "call":
        # the client is built elsewhere: a per-call timeout, when the request takes the same keyword
        names = call.spec.call_options.get("timeout", ())
        if not all(p in names for p in fx["paths"]):
            return None
    return _write_at_call(call, fx, ctx, vals, decided)


def _write_at_call(call, fx, ctx, vals, decided):
    idx = ctx.index(call.path)
    node = settings.request_call(idx, call) if idx else None
    if node is None:
        return None
    edits = _add_or_replace_none(idx, node, fx, vals)
    return (_message(vals, fx) + " on the request", edits, decided) if edits else None


def _replace_none(call, setting, ctx, vals, decided):
    """``timeout=None`` (or ``httpx.Timeout(None)``) at the place the finding names: a finite value."""
    idx = ctx.index(setting.path)
    if idx is None:
        return None
    if setting.via == "module setting":
        edits = settings.replace_module_setting(idx, setting.line, lambda v: v is None, vals["seconds"])
        return ("set a finite module timeout", edits, decided) if edits else None
    specs = [ctx.cat.clients[c.cls] for c in call.clients if c.cls in ctx.cat.clients] + [call.spec]
    for spec in specs:
        fx = settings.fix_spec(spec, "timeout", settings.method_of(call)) or {"unit": "s", "paths": []}
        paths = list(dict.fromkeys(list(spec.options.get("timeout", ())) + list(spec.call_options.get("timeout", ()))))
        for path in paths:
            # the SDK's own spelling where the fix would write it (an aiohttp.ClientTimeout), else a number
            template = fx["value"] if path in fx["paths"] else ("$ms" if fx["unit"] == "ms" else "$seconds")
            value_text, imports = settings.render(idx, template, vals)
            if value_text is None:
                continue
            for node in idx.calls_on(setting.line):
                edits = settings.replace(idx, node, [path], "none", value_text, imports)
                if edits:
                    return (f"replace timeout=None by a finite timeout ({vals['seconds']} s)", edits, decided)
        for node in idx.calls_on(setting.line):
            edits = _none_timeout_object(idx, node, paths, ctx, vals)
            if edits:
                return (f"give the timeout object a finite timeout ({vals['seconds']} s)", edits, decided)
    return None


def _none_timeout_object(idx, node, paths, ctx, vals):
    """``timeout=httpx.Timeout(None)`` / ``aiohttp.ClientTimeout(total=None)``: each None becomes the value
    in the object's unit."""
    import ast

    heads = {p.split(".")[0] for p in paths if "." not in p}
    for kw in node.keywords:
        if kw.arg not in heads or not isinstance(kw.value, ast.Call):
            continue
        obj = kw.value
        q = idx.qualname(obj.func)
        if q not in ctx.cat.timeout_objects:
            continue
        unit = ctx.cat.timeout_units.get(q, "s")
        args = list(obj.args) + [k.value for k in obj.keywords]
        nones = [a for a in args if isinstance(a, ast.Constant) and a.value is None]
        if not nones or len(nones) != len(args):
            continue
        value = vals["ms"] if unit == "ms" else vals["seconds"]
        return [idx.edit(*idx.span(a), value) for a in nones]
    return None
