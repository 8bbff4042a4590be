"""Shared control-flow helpers for the checks that look around a call (fallback, kill switch, breaker).

Not a check itself: it answers "what protects this call?" from the facts of the call site, its
enclosing functions and, for private or nested functions, their call sites in the same file.
"""

from __future__ import annotations

from auditor.facts import handled_by_try
from auditor.link import ResolvedCall


def enclosing_functions(project, call: ResolvedCall) -> list:
    """Scopes of the functions around the call, innermost first."""
    f = project.facts(call.path)
    out = []
    sid = call.scope
    while f is not None and sid and sid in f.scopes:
        sc = f.scopes[sid]
        if sc.kind == "function":
            out.append((sid, sc))
        sid = sc.parent
    return out


def one_up(project, call: ResolvedCall):
    """Call sites, in the same file, of the function holding the call, when that function is private
    (``_name``) or nested: its callers decide. A public function answers for itself."""
    funcs = enclosing_functions(project, call)
    if not funcs:
        return []
    sid, sc = funcs[0]
    f = project.facts(call.path)
    parent = f.scopes.get(sc.parent or "")
    nested = parent is not None and parent.kind == "function"
    if not (sc.name.startswith("_") and not sc.name.startswith("__")) and not nested:
        return []
    return [site for site in project.call_sites(call.path, sid, 0) if site[0] == call.path]


def handled_here(call: ResolvedCall) -> bool:
    return handled_by_try(call.ctx)


def switch_here(project, call: ResolvedCall) -> str:
    for c in call.ctx:
        if c[0] == "if" and c[4]:
            return c[4]
    funcs = enclosing_functions(project, call)
    if funcs:
        sid, sc = funcs[0]
        guard = next((sw for line, sw in sc.guards if line < call.line), "")
        if guard:
            return guard
        f = project.facts(call.path)
        parent = f.scopes.get(sc.parent or "")
        if parent is not None and parent.kind == "function":  # a nested function made after a guard
            return next((sw for line, sw in parent.guards if line < sc.line), "")
    return ""


def model_output_sinks(project, path: str, calls: list, kinds: tuple):
    """(scope, sink) for every json.loads / literal_eval / eval / exec in ``path`` whose argument is a
    model's output: a name assigned a model call's result (or an attribute/index of it), a name
    derived from such a name in the same function, or the call expression itself."""
    f = project.facts(path)
    if f is None:
        return
    lines = {c.line for c in calls}
    outputs: dict = {}
    for cs in f.calls:
        if cs.line in lines and cs.target:
            outputs.setdefault(cs.scope, set()).add(cs.target)
    for sid, sc in f.scopes.items():
        if not sc.sinks:
            continue
        names = set(outputs.get(sid, ()))
        for _ in range(3):  # text = resp.choices[0].message.content; cleaned = text.strip()
            for name, binds in sc.bind.items():
                if name not in names and any(_root_name(b) in names or _root_line(b) in lines for b in binds):
                    names.add(name)
        for sink in sc.sinks:
            kind, arg = sink[0], sink[1]
            if kind not in kinds:
                continue
            if _root_name(arg) in names or _root_line(arg) in lines:
                yield sid, sc, sink


def _root_name(ir: tuple):
    while ir and ir[0] in ("a", "sub", "c"):
        ir = ir[1]
    return ir[1] if ir and ir[0] == "n" else None


def _root_line(ir: tuple) -> int:
    while ir and ir[0] in ("a", "sub"):
        ir = ir[1]
    while ir and ir[0] == "c":
        if ir[1][0] == "a" and _has_call(ir[1][1]):
            ir = ir[1][1]
            while ir[0] in ("a", "sub"):
                ir = ir[1]
            continue
        return ir[4]
    return -1


def _has_call(ir: tuple) -> bool:
    while ir[0] in ("a", "sub"):
        ir = ir[1]
    return ir[0] == "c"
