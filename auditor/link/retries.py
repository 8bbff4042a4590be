"""Retry inference: the app-level retries around a call site (a retry loop that leaves on success,
retry decorators from libraries or the project, callers that retry), and retry decorators that can
never fire because they retry only exceptions the function never raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.facts import CallSite, FileFacts, last_name
from auditor.link.values import ClsV, Ext, FuncV, Opaque

if TYPE_CHECKING:
    from auditor.link import Project


def _retry_wrappers(project: Project, f: FileFacts, cs: CallSite) -> list[str]:
    out = []
    seen_loop = False
    for item in cs.ctx:
        if item[0] == "loop" and item[2]:
            seen_loop = True
        elif item[0] == "try" and seen_loop and any(not reraises for _t, reraises, _l in item[1]):
            out.append(f"retry loop at {f.path}:{item[2]}")
            break
    if not out:
        out += _retrying_functions(project, f.path, cs.scope, callers=True)
    return out


def _retrying_functions(project: Project, path: str, sid: str | None, callers: bool) -> list[str]:
    """Retries that wrap the functions enclosing ``sid``: retry decorators (library ones, or a project
    decorator that itself retries or is named *retry*) and, one level up, callers that retry."""
    cat = project.cat
    f = project.facts(path)
    out: list = []
    while f is not None and sid:
        sc = f.scopes.get(sid)
        if sc is None or sc.kind != "function":
            break
        for d in sc.decorators:
            target = d[1] if d[0] == "c" else d
            if d[0] == "c" and not _retry_can_fire(project, path, sid, d):
                continue
            written = last_name(target)
            if "retry" in written.lower() or "backoff" in written.lower():
                out.append(f"@{written} on {sc.name}() at {path}:{sc.line}")
                return out
            for v in project.resolve(path, sc.parent or "", target):
                if isinstance(v, Opaque) and v.what.endswith("()") and v.what[:-2] in cat.retry_decorators:
                    out.append(f"@{v.what[:-2]} on {sc.name}() at {path}:{sc.line}")
                    return out
                if isinstance(v, Ext):
                    hit = v.q in cat.retry_decorators or "retry" in v.q.rsplit(".", 1)[-1].lower()
                    name = v.q
                elif isinstance(v, FuncV):
                    name = v.sid.rsplit(".", 1)[-1]
                    hit = "retry" in name.lower() or _function_retries(project, v.path, v.sid)
                else:
                    continue
                if hit:
                    out.append(f"@{name.rsplit('.', 1)[-1]} on {sc.name}() at {path}:{sc.line}")
                    return out
        parent = f.scopes.get(sc.parent or "")
        if sc.generator and parent is not None and parent.kind == "function":
            break  # a nested generator runs when it is iterated, after the outer function (and its retry) returned
        if callers:
            for cpath, csid, _func, _args, _kw, _flow in project.call_sites(path, sid, 0):
                cf = project.facts(cpath)
                csc = cf.scopes.get(csid) if cf else None
                if csc is not None and csc.retry_loop:
                    return [f"retry loop in {csc.name}() at {cpath}:{csc.line}"]
                got = _retrying_functions(project, cpath, csid, callers=False)
                if got:
                    return got
        sid = sc.parent
    return out


def _retry_can_fire(project: Project, path: str, sid: str, deco: tuple) -> bool:
    """False when a retry decorator retries only project exception types that the decorated
    function never raises (so an SDK or HTTP error can never trigger it)."""
    f = project.facts(path)
    sc = f.scopes[sid]
    exc_irs: list = []
    for k, x in deco[3]:
        if k == "retry" and x[0] == "c" and last_name(x[1]) == "retry_if_exception_type":
            exc_irs += list(x[2])
    if len(deco[2]) >= 2 and last_name(deco[1]) == "on_exception":  # backoff.on_exception(wait, exceptions)
        exc_irs.append(deco[2][1])
    if not exc_irs:
        return True
    classes = []
    for e in exc_irs:
        for item in (e[1] if e[0] == "l" else (e,)):
            vals = project.resolve(path, sc.parent or "", item)
            if not vals or not all(isinstance(v, ClsV) for v in vals):
                return True  # a library exception (or unknown): it may well fire
            classes += vals
    raised = set()
    for s2, sc2 in f.scopes.items():
        if s2 == sid or s2.startswith(sid + "."):
            for r in sc2.raises:
                raised.update(v for v in project.resolve(path, s2, r) if isinstance(v, ClsV))
    return any(c in raised for c in classes)


def _function_retries(project: Project, path: str, sid: str) -> bool:
    """Does a project decorator retry? (a retry loop or a retry decorator in it or its inner functions)"""
    f = project.facts(path)
    if f is None:
        return False
    for s2, sc in f.scopes.items():
        if s2 == sid or s2.startswith(sid + "."):
            if sc.retry_loop:
                return True
            for d in sc.decorators:
                target = d[1] if d[0] == "c" else d
                if any(isinstance(v, Ext) and v.q in project.cat.retry_decorators
                       for v in project.resolve(path, sc.parent or "", target)):
                    return True
    return False
