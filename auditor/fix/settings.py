"""Writing a setting (timeout, retries, token cap) the way an SDK spells it, from the ``fix`` entries of
``rules/providers.yaml``: the keyword, the unit, the object or mapping it sits in, the import it needs.

Two operations, both at a call the finding names (a client constructor or the request itself):
``add`` writes a setting that is missing (merged into a mapping or object already passed there, never
added twice), ``replace`` swaps a value that switches the setting off (``timeout=None``, ``max_retries=0``)
for a real one.
"""

from __future__ import annotations

import ast
from string import Template

DEFAULT_VALUE = {"timeout": "$seconds", "retries": "$retries", "max_tokens": "$tokens"}


def fix_spec(spec, setting: str, method: str | None = None) -> dict | None:
    """How ``spec`` (a ClientSpec or FuncSpec) writes ``setting``: ``at``, ``paths``, ``unit``, ``value``,
    ``objects``, ``import``; None when there is no mechanical fix."""
    fx = (getattr(spec, "fix", None) or {}).get(setting)
    if not fx:
        return None
    paths = list(fx.get("set", ()))
    for prefix, override in (fx.get("methods") or {}).items():
        if method is not None and method.startswith(prefix):
            paths = list(override)
            break
    if not paths:
        return None
    unit = fx.get("unit", "s")
    default = "$ms" if setting == "timeout" and unit == "ms" else DEFAULT_VALUE[setting]
    return {"at": fx.get("at"), "paths": paths, "unit": unit, "objects": fx.get("objects", {}),
            "import": bool(fx.get("import")), "value": fx.get("value", default), "unless": tuple(fx.get("unless", ()))}


def method_of(call) -> str:
    """The request method relative to its client (``chat.completions.create``), skipping the SDK's
    ``with_raw_response``/``beta`` segments, or the function's name after its module."""
    spec = call.spec
    cls = getattr(spec, "cls", None)
    if cls is not None and call.api.startswith(cls + "."):
        parts = call.api[len(cls) + 1:].split(".")
        return ".".join(p for p in parts if p not in spec.skip_segments)
    return call.api.split(".", 1)[1] if "." in call.api else call.api


def number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def values(ctx, kind: str | None = None) -> dict:
    fc = ctx.config.fix
    seconds = fc.timeout if fc.timeout is not None else fc.DEFAULT_TIMEOUT
    retries = fc.retries if fc.retries is not None else fc.DEFAULT_RETRIES
    tokens = fc.tokens_for(kind or "chat") or fc.DEFAULT_MAX_TOKENS
    return {"seconds": number(seconds), "ms": number(round(seconds * 1000)), "retries": str(retries),
            "attempts": str(retries + 1), "tokens": str(tokens)}


def render(idx, value, vals: dict) -> tuple[str | None, list]:
    """The text of ``value`` (a template, or an object with keyword templates) and the imports it needs."""
    if isinstance(value, dict):
        ref, imports = idx.reference(value["object"])
        if ref is None:
            return None, []
        kwargs = ", ".join(f"{k}={Template(t).substitute(vals)}" for k, t in value["kwargs"].items())
        return f"{ref}({kwargs})", imports
    return Template(value).substitute(vals), []


def add(idx, node: ast.Call, fx: dict, vals: dict) -> list | None:
    """Edits that write ``fx``'s paths at call ``node``; None when it cannot be done cleanly (already set,
    a container held in a variable, a ``**mapping`` that could hold the keyword too). On a planning-only
    index (``idx.dry``) the same decision is taken on the ``ast`` and ``[PLANNED]`` returned: libcst is
    not loaded to say whether a finding has a fix."""
    if any(k.arg in fx["unless"] for k in node.keywords):
        return None  # e.g. a LangChain model handed its SDK client: the setting belongs to that client
    value_text, imports = render(idx, fx["value"], vals)
    if value_text is None:
        return None

    def classes(container: tuple) -> list:
        got = fx["objects"].get(".".join(container))
        return [got] if isinstance(got, str) else list(got or ())

    if idx.dry:
        ok = all(_can_set(idx, node, p.split("."), classes, fx["import"]) for p in fx["paths"])
        return [PLANNED] if ok else None

    from auditor.fix import cst as c

    made: dict = {}  # reference written -> class, for the objects this fix builds (their import is not there yet)

    def enter(container: tuple, call) -> bool:
        func = c.code(call.func)
        return (made.get(func) or idx.qualname_text(func)) in classes(container)

    def make(container: tuple, key: str, inner):
        q = next(iter(classes(container)), None)
        ref = None
        if q is not None:
            if fx["import"]:
                ref, more = idx.reference(q)
                if ref is None:
                    raise c.CannotFix(f"cannot name {q} here")
                imports.extend(more)
            else:
                ref = idx.existing_reference(q)
        if ref is not None:
            made[ref] = q
            return c.cst.Call(func=c.expr(ref), args=[c.new_keyword(key, inner)])
        return c.cst.Dict([c.new_element(key, inner)])

    def change(tree):
        value = c.expr(value_text)
        for p in fx["paths"]:
            tree = c.set_path(tree, p.split("."), value, make, enter)
        return tree

    edit = c.rewrite(idx, node, change)
    if edit is None:
        return None
    return [edit] + imports


def replace(idx, node: ast.Call, paths: list, kind: str, value_text: str, imports: list | None = None) -> list | None:
    """Edits that replace the value at the first of ``paths`` set at call ``node`` that switches the
    setting off (``kind``: "none" for ``None``, "zero" for ``0``/``False``/botocore's no-retry mapping)."""
    if idx.dry:
        return [PLANNED] if any(_can_replace(idx, node, p.split("."), kind) for p in paths) else None
    from auditor.fix import cst as c

    test = (lambda n: c.is_none(n)) if kind == "none" else _zero_cst
    for p in paths:
        edit = c.rewrite(idx, node, lambda tree, p=p: c.replace_at(tree, p.split("."), test, c.expr(value_text)))
        if edit is not None:
            return [edit] + list(imports or ())
    return None


class _Planned:
    """Stands for the edits of a fix that was only planned (``idx.dry``): it exists, it was not computed."""

    def key(self):
        return ("planned",)


PLANNED = _Planned()


def _can_set(idx, node, path: list, classes, must_import: bool, prefix: tuple = ()) -> bool:
    """``cst.set_path`` would succeed on this ``ast`` node (the same rules, no libcst)."""
    head, rest = path[0], path[1:]
    here = prefix + (head,)
    if isinstance(node, ast.Call):
        if prefix and idx.qualname(node.func) not in classes(prefix):
            return False
        if any(k.arg is None for k in node.keywords):
            return False
        kw = next((k for k in node.keywords if k.arg == head), None)
        if kw is None:
            return _can_build(idx, here, rest, classes, must_import)
        return bool(rest) and _can_set(idx, kw.value, rest, classes, must_import, here)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            return False
        i = next((i for i, k in enumerate(node.keys) if isinstance(k, ast.Constant) and k.value == head), None)
        if i is None:
            return _can_build(idx, here, rest, classes, must_import)
        return bool(rest) and _can_set(idx, node.values[i], rest, classes, must_import, here)
    return False


def _can_build(idx, container: tuple, rest: list, classes, must_import: bool) -> bool:
    if not rest or not must_import:
        return True
    q = next(iter(classes(container)), None)
    return q is None or idx.reference(q)[0] is not None


def _can_replace(idx, node, path: list, kind: str) -> bool:
    head, rest = path[0], path[1:]
    value = None
    if isinstance(node, ast.Call):
        value = next((k.value for k in node.keywords if k.arg == head), None)
    elif isinstance(node, ast.Dict):
        value = next((v for k, v in zip(node.keys, node.values)
                      if isinstance(k, ast.Constant) and k.value == head), None)
    if value is None:
        return False
    if rest:
        return _can_replace(idx, value, rest, kind)
    if kind == "none":
        return isinstance(value, ast.Constant) and value.value is None
    if isinstance(value, ast.Constant):
        return value.value in (0, False) and not isinstance(value.value, str)
    if isinstance(value, ast.Dict):
        for key, limit in (("max_attempts", 0), ("total_max_attempts", 1)):
            v = next((v for k, v in zip(value.keys, value.values) if isinstance(k, ast.Constant) and k.value == key), None)
            if isinstance(v, ast.Constant) and isinstance(v.value, int) and v.value <= limit:
                return True
    return False


def _zero_cst(node) -> bool:
    """``0``/``False``, or botocore's ``{"max_attempts": 0}`` (``total_max_attempts`` 0 or 1)."""
    from auditor.fix import cst as c

    if c.is_zero(node):
        return True
    if isinstance(node, c.cst.Dict):
        for key, limit in (("max_attempts", 0), ("total_max_attempts", 1)):
            el = c.element(node, key)
            if el is not None and isinstance(el.value, c.cst.Integer) and el.value.evaluated_value <= limit:
                return True
    return False


def replace_module_setting(idx, line: int, test_value, value_text: str) -> list | None:
    """``openai.timeout = None`` / ``litellm.num_retries = 0`` on ``line``: the value replaced."""
    for stmt in ast.walk(idx.tree):
        if isinstance(stmt, ast.Assign) and stmt.lineno == line and isinstance(stmt.targets[0], ast.Attribute) \
                and isinstance(stmt.value, ast.Constant) and test_value(stmt.value.value):
            start, end = idx.span(stmt.value)
            edit = idx.edit(start, end, value_text)
            return [edit] if edit is not None else None
    return None


def client_call(idx, client) -> ast.Call | None:
    """The constructor call that built ``client`` (a ClientV) in ``idx``'s file."""
    if not client.path or not client.line:
        return None
    if client.col:
        return idx.call_at(client.line, client.col)
    calls = idx.calls_on(client.line)
    return calls[0] if len(calls) == 1 else None


def request_call(idx, call) -> ast.Call | None:
    """The request call of a ResolvedCall (its callee must name the SDK method, not a forwarder such as
    ``asyncio.to_thread(client.x.create, ...)``)."""
    node = idx.call_at_char(call.line, call.col)
    if node is None:
        return None
    last = call.api.rsplit(".", 1)[-1]
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else None)
    if name == last or idx.qualname(f) == call.api:
        return node
    return None
