"""LLM103 fix: cap the output tokens with the SDK's own parameter.

``max_completion_tokens`` on OpenAI/Groq chat, ``max_output_tokens`` on OpenAI responses, ``max_tokens``
on Anthropic, litellm, Cohere, Mistral, Hugging Face chat (``max_new_tokens`` for ``text_generation``),
``config={"max_output_tokens": N}`` on google-genai (merged into a ``GenerateContentConfig(...)`` or dict
already passed), ``generation_config`` on google-generativeai and Vertex AI, ``inferenceConfig.maxTokens``
on Bedrock ``converse``, ``options.num_predict`` on Ollama, the chat model's constructor for LangChain,
LlamaIndex and pydantic-ai. The cap is the configuration's ``max-tokens`` for the call's kind. Not fixed:
a cap passed only when a setting is given (the author picks the default), and raw HTTP or Bedrock
``invoke_model`` payloads (each model family spells it differently).
"""

from __future__ import annotations

from auditor.fix import settings


def plan(finding, ctx):
    call = finding.origin
    if call is None or call.opaque_kwargs:
        return None
    if ctx.project.option(call.call_kwargs, call.spec.call_options.get("max_tokens", ())) is not None:
        return None  # passed only under a condition: the author picks the default
    if any(p in call.call_kwargs for p in call.spec.payload):
        return None  # a raw JSON payload
    vals = settings.values(ctx, call.kind)
    decided = ctx.config.fix.tokens_for(call.kind) is not None
    method = settings.method_of(call)
    clients = [c for c in call.clients if c.known and c.path]
    specs = [ctx.cat.clients.get(c.cls) for c in clients] or [call.spec]
    fxs = [settings.fix_spec(s, "max_tokens", method) if s is not None else None for s in specs]
    if not fxs or fxs[0] is None:
        return None
    message = f"cap the output at {vals['tokens']} tokens ({fxs[0]['paths'][0]})"
    if fxs[0]["at"] != "client":
        idx = ctx.index(call.path)
        node = settings.request_call(idx, call) if idx else None
        edits = settings.add(idx, node, fxs[0], vals) if node is not None else None
        return (message, edits, decided) if edits else None
    planned = []  # the cap goes on the model object: on every one the call can go through
    for client, fx in zip(clients, fxs):
        if fx is None or fx["at"] != "client":
            continue
        idx = ctx.index(client.path)
        node = settings.client_call(idx, client) if idx else None
        planned.append(settings.add(idx, node, fx, vals) if node is not None else None)
    edits = list({e.key(): e for p in planned if p for e in p}.values())
    return (message, edits, decided) if edits else None
