"""Forwarder inference: an SDK method handed by reference to code that calls it.

``asyncio.to_thread(client.x.create, ...)`` and the other forwarders the catalogue names are taken at
face value in ``auditor.facts``. Everything else that receives an SDK method is checked here, at link
time: a project function, method or ``__call__`` that calls the parameter it receives there (directly,
in a nested function, or by handing it to a known forwarder), an adapter whose result calls it
(``sync_to_async(fn)(...)``, a project decorator-like function returning a wrapper), or a retrying
caller such as a tenacity ``Retrying`` object (``self.retryer(fn, **kw)``).

A confirmed forwarder tells the call what it adds: keywords the forwarder itself passes
(``fn(*a, timeout=30, **kw)``), the forwarder's own named parameters that never reach the SDK, and the
retries around the forwarded call (a retry loop or retry decorator in the forwarder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.facts import CallSite, FileFacts, last_name
from auditor.link.retries import _retrying_functions
from auditor.link.values import Ext, FuncV, InstV, Opaque

if TYPE_CHECKING:
    from auditor.link import Project


@dataclass
class Forwarding:
    """What a confirmed forwarder adds to the forwarded call."""
    drop: set = field(default_factory=set)  # the forwarder's own keyword parameters
    kwargs: dict = field(default_factory=dict)  # keywords the forwarder passes itself -> (ir, (path, sid))
    retries: list = field(default_factory=list)  # retries inside the forwarder
    # mappings the forwarder spreads into the call (``fn(**request)``) -> (ir, (path, sid)) where they are read
    mappings: list = field(default_factory=list)
    consumed: int = 0  # positional arguments after the method that fill the forwarder's own parameters


def forwarding(project: Project, f: FileFacts, cs: CallSite) -> Forwarding | None:
    """None unless the callee of ``cs.via`` really calls the SDK method it is handed."""
    kind, callee_ir, slot = cs.via
    for v in project.resolve(f.path, cs.scope, callee_ir):
        if isinstance(v, InstV):
            call = project.getattr(v, "__call__", 0)  # an instance with __call__(self, fn, ...)
            v = next((x for x in call if isinstance(x, FuncV)), v)
        if isinstance(v, FuncV):
            got = _project_forwarder(project, v, cs, f.path)
            if got is not None:
                return got
        elif isinstance(v, Opaque) and v.what.endswith("()") and v.what[:-2] in project.cat.retrying_callers:
            if kind == "fwd" and slot == 0:  # tenacity.Retrying(...)(fn, *args, **kwargs)
                return Forwarding(retries=[f"{v.what[:-2].rsplit('.', 1)[-1]} object calling it at {f.path}"])
        elif kind == "curry" and getattr(v, "q", None) in project.cat.curried_forwarders:
            return Forwarding()
        elif kind == "curry" and _retry_decorator(project, v):
            # tenacity.retry(stop=...)(client.x.create)(...): the decorated method, called at once
            return Forwarding(retries=[f"{_name(v)} applied at {f.path}:{cs.line}"])
    return None


def _retry_decorator(project: Project, v) -> bool:
    q = v.q if isinstance(v, Ext) else (v.what[:-2] if isinstance(v, Opaque) and v.what.endswith("()") else "")
    return q in project.cat.retry_decorators


def _name(v) -> str:
    return (v.q if isinstance(v, Ext) else v.what[:-2]).rsplit(".", 1)[-1]


def _project_forwarder(project: Project, v: FuncV, cs: CallSite, cpath: str) -> Forwarding | None:
    f = project.facts(v.path)
    sc = f.scopes.get(v.sid) if f else None
    if sc is None or not sc.called_params:
        return None

    def starred(p: str) -> bool:
        binds = sc.bind.get(p, ())
        return ("param", -1) in binds or ("param", -2) in binds

    named = [p for p in sc.params if not starred(p)]
    slot = cs.via[2]
    decs = {last_name(d) for d in sc.decorators}
    shift = 1 if (v.bound is not None and "staticmethod" not in decs) else 0
    if isinstance(slot, int):
        if slot + shift >= len(named):
            return None
        pname = named[slot + shift]
    else:
        pname = slot

    def argument(p: str):
        """The call-site argument for the forwarder's parameter ``p`` (cs.args start after the slot)."""
        got = next((x for k, x in cs.kwargs if k == p), None)
        if got is None and isinstance(slot, int) and p in named[:sc.positional]:
            j = named.index(p) - shift - slot - 1
            got = cs.args[j] if 0 <= j < len(cs.args) else None
        return got

    uses = [(kw, sid) for name, kw, sid in sc.called_params if name == pname]
    if not uses:
        return None
    out = Forwarding(drop=set(named), consumed=max(0, sc.positional - shift - slot - 1) if isinstance(slot, int) else 0)
    for kw, sid in uses:
        for k, x in kw:
            if k:
                out.kwargs.setdefault(k, (x, (v.path, sid)))
            elif x[0] == "n" and x[1] in named:  # fn(**request): the caller's argument for `request`
                arg = argument(x[1])
                if arg is not None:
                    out.mappings.append((arg, (cpath, cs.scope)))
            elif not (x[0] == "n" and starred(x[1])):  # fn(**params) with params built in the forwarder
                out.mappings.append((x, (v.path, sid)))
    for _kw, use_sid in uses:  # a retry loop or retry decorator in the forwarder or the closure that calls
        sid = use_sid
        while sid and not out.retries:
            s = f.scopes.get(sid)
            if s is None or s.kind != "function":
                break
            if s.retry_loop:
                out.retries.append(f"retry loop in {s.name}() at {v.path}:{s.line}")
            if sid == v.sid:
                break
            sid = s.parent or ""
        if not out.retries:
            out.retries = _retrying_functions(project, v.path, use_sid, callers=False)
    return out
