"""LLM102 fix: make the SDK's retries explicit where it has an option for them.

``max_retries=0`` becomes ``max_retries=3`` (OpenAI, Anthropic, Groq, Together, LangChain, LlamaIndex),
``num_retries=0`` becomes ``num_retries=3`` (litellm, Router), a botocore ``Config(retries={"max_attempts":
0})`` becomes ``{"max_attempts": 3, "mode": "adaptive"}``, and a google-genai client, which does not
retry by default, gets ``http_options={"retry_options": {"attempts": 4}}`` (attempts count the first
one). The count is the configuration's ``retries``. Raw HTTP and SDKs with no retry option (Ollama,
Hugging Face, Mistral's ``RetryConfig`` object, vertexai) are not fixed: a retry around the call is code
to write, shown by ``llm-audit explain LLM102``.
"""

from __future__ import annotations

from auditor.fix import settings


def plan(finding, ctx):
    call = finding.origin
    if call is None or call.retry_wrappers:
        return None
    decided = ctx.config.fix.retries is not None
    vals = settings.values(ctx)
    message = f"retry up to {vals['retries']} times"
    where = finding.fix_location or finding
    # retries switched off at the place the finding names: a module setting, the call, a constructor
    idx = ctx.index(where.path)
    if idx is not None:
        edits = settings.replace_module_setting(idx, where.line, lambda v: v in (0, False), vals["retries"])
        if edits:
            return message + " (module setting)", edits, decided
    planned = []
    for client in call.clients or [None]:
        spec = ctx.cat.clients.get(client.cls) if client is not None else call.spec
        if spec is None:
            continue
        s = client.get("retries") if client is not None else None
        if s is not None and s.state == "zero":
            planned.append(_replace_zero(ctx, spec, call, s.path, s.line, vals))
        elif s is None and client is not None and client.known and client.path and not client.opaque \
                and (spec.defaults.get("retries") or 0) == 0:
            planned.append(_add(ctx, spec, call, client, vals))  # a client that does not retry unless told to
    if idx is not None and (where.path, where.line) == (call.path, call.line):
        planned.append(_replace_zero(ctx, call.spec, call, call.path, call.line, vals))
    edits = list({e.key(): e for p in planned if p for e in p}.values())
    return (message, edits, decided) if edits else None


def _replace_zero(ctx, spec, call, path, line, vals):
    """``max_retries=0`` / ``num_retries=0`` / botocore ``retries={"max_attempts": 0}`` on ``line``."""
    idx = ctx.index(path)
    if idx is None:
        return None
    fx = settings.fix_spec(spec, "retries", settings.method_of(call)) or {"paths": [], "value": "$retries"}
    paths = list(dict.fromkeys(list(spec.options.get("retries", ())) + list(spec.call_options.get("retries", ()))))
    for p in paths:
        template = fx["value"] if p in fx["paths"] else "$retries"
        text, imports = settings.render(idx, template, vals)
        for node in idx.calls_on(line):
            edits = settings.replace(idx, node, [p], "zero", text, imports)
            if edits:
                return edits
    return None


def _add(ctx, spec, call, client, vals):
    fx = settings.fix_spec(spec, "retries", settings.method_of(call))
    if fx is None:
        return None
    if fx["at"] == "call":
        idx = ctx.index(call.path)
        node = settings.request_call(idx, call) if idx else None
    else:
        idx = ctx.index(client.path)
        node = settings.client_call(idx, client) if idx else None
    return settings.add(idx, node, fx, vals) if node is not None else None
