"""From a call site to a resolved model call: the SDK method or function it reaches, the clients
behind it, its keywords, raw-HTTP endpoint and payload, and its model id."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from auditor.catalog import Catalog, ClientSpec, FuncSpec
from auditor.facts import CallSite, FileFacts
from auditor.link.forwarders import forwarding
from auditor.link.http_evidence import model_evidence
from auditor.link.retries import _retry_wrappers
from auditor.link.values import ClientV, Ext, PathV, ResolvedCall, StrV, Unknown, is_void

if TYPE_CHECKING:
    from auditor.link import Project


def _chain(ir: tuple) -> tuple[tuple, list]:
    """Split an attribute chain into its root IR and attribute names."""
    attrs: list = []
    while ir[0] == "a":
        attrs.append(ir[2])
        ir = ir[1]
    return ir, attrs[::-1]


def resolve_calls(project: Project, path: str) -> list[ResolvedCall]:
    f = project.facts(path)
    if f is None:
        return []
    cat = project.cat
    out = []
    for cs in f.calls:
        rc = _resolve_one(project, f, cs)
        if rc is not None:
            out.append(rc)
    _ = cat
    return out


def _resolve_one(project: Project, f: FileFacts, cs: CallSite) -> ResolvedCall | None:
    cat = project.cat
    path, sid = f.path, cs.scope
    fwd = None
    if cs.via is not None:  # an SDK method handed to project code: a call only if that code calls it
        fwd = forwarding(project, f, cs)
        if fwd is None:
            return None
        if fwd.consumed:  # the arguments the forwarder keeps for itself are not the SDK method's
            cs = replace(cs, args=cs.args[fwd.consumed:])
    vals = project.resolve(path, sid, cs.func)
    hits: list = []  # (spec, api, kind, client or None)
    for v in vals:
        if isinstance(v, Ext) and v.q in cat.functions:
            fs = cat.functions[v.q]
            hits.append((fs, v.q, fs.kind, None))
        elif isinstance(v, PathV) and isinstance(v.base, ClientV):
            spec = cat.clients[v.base.cls]
            method = ".".join(a for a in v.attrs if a not in spec.skip_segments)
            if method in spec.methods:
                hits.append((spec, f"{v.base.cls}.{'.'.join(v.attrs)}", spec.methods[method], v.base))
    resolved = True
    if not hits and vals and all(isinstance(v, Unknown) for v in vals):
        hit = _by_shape(project, f, cs)
        if hit is not None:
            hits.append(hit)
            resolved = False
    if not hits:
        return None
    hits.sort(key=lambda h: h[3] is None)  # a traced client says more than a bare function name
    spec, api, kind, _client = hits[0]
    clients = [h[3] for h in hits if h[3] is not None]
    if not clients and getattr(spec, "client_argument", None):  # Runner.run(agent, ...): the agent carries the model
        clients = _client_argument(project, path, sid, cs, spec.client_argument)
    call_ir = ("c", cs.func, cs.args, cs.kwargs, cs.line, cs.col)
    kwargs, opaque = project.kwargs_of(call_ir, path, sid, 0)
    if fwd is not None:
        kwargs = {k: v for k, v in kwargs.items() if k not in fwd.drop}
        for k, v in fwd.kwargs.items():
            kwargs.setdefault(k, v)
        for x, (p, s) in fwd.mappings:
            keys = project.dict_keys(p, s, x, 0)
            if keys is None:
                opaque = True
            else:
                for k, v in keys.items():
                    kwargs.setdefault(k, v)
    url = None
    payload_keys: set | None = None
    notes: list = []
    if spec.requires_endpoint or kind == "http":
        url, kind, evidence = _endpoint(project, path, sid, cs, spec, api, kwargs)
        if url is None:
            return None
        if evidence:  # no model host or path in the URL: found by the evidence around it
            resolved = False
            notes.append("model call by evidence: " + "; ".join(evidence))
    if spec.payload:
        payload_keys = _payload_keys(project, path, sid, kwargs, spec)
        markers = getattr(spec, "embedding_markers", ())
        if payload_keys and markers and any(m in payload_keys for m in markers):
            kind = "embedding"  # invoke_model(body=json.dumps({"inputText": ...}))
    model, dynamic = _model(project, kwargs, cs, spec, payload_keys, path, sid)
    if model is None and not dynamic:  # the model object carries it: GenerativeModel("..."), ChatOpenAI(model=...)
        model = next((c.model for c in clients if c.model), None)
    mod_settings = {}
    if isinstance(spec, FuncSpec) and spec.module_settings:
        all_ms = project.module_settings()
        for name, qnames in spec.module_settings.items():
            mod_settings[name] = [s for q in qnames for s in all_ms.get(q, [])]
    provider = spec.provider
    if clients:
        provider = cat.clients[clients[0].cls].provider
    return ResolvedCall(
        path=path, line=cs.line, col=cs.col, end_line=cs.end_line, provider=provider, api=api, kind=kind,
        spec=spec, clients=clients, call_kwargs=kwargs, opaque_kwargs=opaque, module_settings=mod_settings,
        model=model, model_dynamic=dynamic, payload_keys=payload_keys,
        retry_wrappers=_retry_wrappers(project, f, cs) + (fwd.retries if fwd else []), scope=sid, resolved=resolved,
        url=url, ctx=cs.ctx, notes=notes,
    )


def _client_argument(project: Project, path: str, sid: str, cs: CallSite, where: dict) -> list:
    """The SDK model objects passed as the argument a function runs (``Runner.run(agent, ...)``)."""
    ir = next((x for k, x in cs.kwargs if k is not None and k == where.get("keyword")), None)
    if ir is None and where.get("position") is not None and len(cs.args) > where["position"]:
        ir = cs.args[where["position"]]
    if ir is None:
        return []
    return [v for v in project.resolve(path, sid, ir) if isinstance(v, ClientV)]


def _by_shape(project: Project, f: FileFacts, cs: CallSite):
    """An SDK method chain on a receiver that cannot be traced (a parameter, an injected client).

    Accepted only when the file itself imports that SDK, so a Twilio ``client.messages.create`` or a
    local fake is not taken for a model call.
    """
    cat = project.cat
    root, attrs = _chain(cs.func)
    if not attrs:
        return None
    for spec in _client_specs_by_family(cat):
        mod = spec.module
        uses = cat.mention_words.get(mod, mod) in f.mentions or any(
            q == mod or q.startswith(mod + ".") or mod.startswith(q + ".") for q in f.imported_modules
        )
        if not uses or spec.requires_endpoint:
            continue
        for k in range(len(attrs)):
            tail = [a for a in attrs[k:] if a not in spec.skip_segments]
            method = ".".join(tail)
            if method in spec.methods and ("." in method or method in cat.distinctive_methods):
                base_ir = root
                for a in attrs[:k]:
                    base_ir = ("a", base_ir, a)
                base_vals = project.resolve(f.path, cs.scope, base_ir)
                # a receiver that cannot be traced; None defaults and stubs that return nothing (a base
                # class hook raising NotImplementedError) do not count: they are never the client used
                if all(isinstance(v, Unknown) or project.is_proxy(v) or is_void(v) for v in base_vals):
                    client = ClientV(spec.cls, (), None, 0, known=False)
                    return (spec, f"{spec.cls}.{'.'.join(attrs[k:])}", spec.methods[method], client)
                return None
    return None


_SPEC_CACHE: dict = {}


_SPEC_CACHE: dict = {}


def _client_specs_by_family(cat: Catalog) -> list[ClientSpec]:
    key = id(cat)
    if key not in _SPEC_CACHE:
        seen, out = set(), []
        for spec in cat.clients.values():
            if (spec.family, spec.module) not in seen:
                seen.add((spec.family, spec.module))
                out.append(spec)
        _SPEC_CACHE[key] = out
    return _SPEC_CACHE[key]


def _strings(project: Project, path: str, sid: str, ir: tuple) -> list[str]:
    out = []
    for v in project.resolve(path, sid, ir):
        if isinstance(v, StrV):
            out.append(v.text)
    return out


def _endpoint(project: Project, path: str, sid: str, cs: CallSite, spec, api: str, kwargs: dict):
    """(url, kind, evidence) of a raw HTTP request: a URL naming a model host or path, else the other
    evidence that it is a model request (see ``http_evidence``); (None, None, None) when it is not."""
    cat = project.cat
    pos = spec.url.get("position", 0)
    reads = False  # request("GET", url): reads something, never asks a model
    if api.endswith(".request") or api.endswith(".stream"):
        pos += 1
        reads = bool(cs.args) and cs.args[0][0] == "k" and str(cs.args[0][1]).upper() not in ("POST", "PUT")
    url_ir = None
    for k, x in cs.kwargs:
        if k == spec.url.get("keyword", "url"):
            url_ir = x
    if url_ir is None and len(cs.args) > pos:
        url_ir = cs.args[pos]
    if url_ir is None:
        return None, None, None
    texts = _strings(project, path, sid, url_ir)
    for s in texts:
        kind = cat.endpoint_kind(s)
        if kind:
            return s, kind, None
    got = None if reads else model_evidence(project, path, sid, url_ir, texts, kwargs,
                                            _payload_keys(project, path, sid, kwargs, spec))
    if got is None:
        return None, None, None
    evidence, kind = got
    return (texts[0] if texts else _written(url_ir)), kind, evidence


def _written(ir: tuple) -> str:
    """How a URL expression is written, for messages: ``self.inference_endpoint``."""
    if ir[0] == "n":
        return ir[1]
    if ir[0] == "a":
        return f"{_written(ir[1])}.{ir[2]}"
    return "a configured URL"


def _payload_keys(project: Project, path: str, sid: str, kwargs: dict, spec) -> set | None:
    for name in spec.payload:
        if name in kwargs:
            x, (p, s) = kwargs[name]
            if x[0] == "c" and x[2] and any(isinstance(v, Ext) and v.q in ("json.dumps", "orjson.dumps")
                                           for v in project.resolve(p, s, x[1])):
                x = x[2][0]  # body=json.dumps({...})
            keys = project.dict_keys(p, s, x, 0)
            if keys is None:
                return None
            def mark(k, v):
                vi, (pp, ss) = v
                return "?" + k if vi[0] == "cond" or project.maybe_none(pp, ss, vi) else k

            out = {mark(k, v) for k, v in keys.items()}
            for _k, (vi, (pp, ss)) in keys.items():  # one level of nesting: options={"num_predict": ..}
                sub = project.dict_keys(pp, ss, vi, 1) if vi[0] in ("d", "n") else None
                if sub:
                    out.update(mark(k, v) for k, v in sub.items())
            return out
    return None


def _model(project: Project, kwargs: dict, cs: CallSite, spec, payload_keys, path: str, sid: str):
    ir = None
    got = project.option(kwargs, spec.call_options.get("model", ()))
    if got is not None:
        ir = got[0]
    if ir is None and spec.model_position is not None and len(cs.args) > spec.model_position:
        ir = cs.args[spec.model_position]
    if ir is None and spec.payload:
        for name in spec.payload:
            if name in kwargs:
                x, (p, s) = kwargs[name]
                keys = project.dict_keys(p, s, x, 0) or {}
                if "model" in keys:
                    ir = keys["model"][0]
    if ir is None:
        return None, False
    if ir[0] == "k" and isinstance(ir[1], str):
        return ir[1], False
    if ir[0] == "n" and sid:
        # a local variable assigned only string literals in this same function is still a literal
        f = project.facts(path)
        sc = f.scopes.get(sid) if f else None
        binds = sc.bind.get(ir[1], []) if sc else []
        paths = sc.bind_paths.get(ir[1], []) if sc else []
        here = {c[1]: c[2] for c in cs.ctx if c[0] == "if"}
        # keep the bindings that can reach the call: none sits in the other branch of an if around it
        binds = [b for b, bp in zip(binds, paths) if all(here.get(line, br) == br for line, br in bp)]
        lits = [b[1] for b in binds if b[0] == "k" and isinstance(b[1], str)]
        if binds and len(lits) == len(binds):
            floating = [m for m in lits if project.cat.classify_model(m) == "floating"]
            return (floating or lits)[0], False
    return None, True
