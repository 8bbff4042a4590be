"""LLM104 fix: pin a floating alias to the dated snapshot it points at.

The snapshot comes from the configuration's ``pin`` table (the project's decision: a safe fix) or from
the table in ``rules/providers.yaml`` (``model_pins``, with the date it was checked and the SDK source
it was read from: an unsafe fix, since the alias may have moved since). Only a model id written as a
literal at the call or the client constructor is rewritten, keeping its quotes and any provider prefix
(``"openai/gpt-4o-mini"``); an alias with no known snapshot (``gpt-4o`` has several) is left to the author.
"""

from __future__ import annotations

import ast


def plan(finding, ctx):
    call = finding.origin
    if call is None or not call.model:
        return None
    model = call.model
    prefix, _, alias = model.rpartition("/") if "/" in model and not model.startswith("models/") else ("", "", model)
    bare = alias[len("models/"):] if alias.startswith("models/") else alias
    snapshot = ctx.config.fix.pin.get(model) or ctx.config.fix.pin.get(bare)
    decided = snapshot is not None
    if snapshot is None:
        pin = ctx.cat.model_pins.get(bare)
        if pin is None:
            return None
        snapshot = pin[0]
    new_value = model[: len(model) - len(bare)] + snapshot if snapshot != bare else None
    if new_value is None or ctx.cat.classify_model(new_value) == "floating":
        return None
    targets = []
    idx = ctx.index(call.path)
    from auditor.fix import settings

    node = settings.request_call(idx, call) if idx else None
    if node is not None:
        targets.append((idx, node))
    for c in call.clients:
        if c.model == model and c.path:
            cidx = ctx.index(c.path)
            cnode = settings.client_call(cidx, c) if cidx else None
            if cnode is not None:
                targets.append((cidx, cnode))
    for tidx, tnode in targets:
        lit = _literal(tnode, model)
        if lit is None:
            continue
        start, end = tidx.span(lit)
        token = tidx.text[start:end]
        if token.count(model) != 1 or "\\" in token:
            continue
        edit = tidx.edit(start, end, token.replace(model, new_value))
        if edit is not None:
            return f"pin '{model}' to the snapshot '{new_value}'", [edit], decided
    return None


def _literal(call: ast.Call, model: str):
    """The string literal ``model`` among the call's arguments (not inside an f-string or concatenation)."""
    for a in list(call.args) + [k.value for k in call.keywords]:
        if isinstance(a, ast.Constant) and a.value == model:
            return a
    return None
