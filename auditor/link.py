"""Project-wide resolution: from per-file facts to *resolved model calls*.

A resolved call knows its provider, API and kind, and the settings that really reach it (timeout,
retries, token cap, model) with the location each came from: the call's own keywords, the client
constructor (in this file or another module), ``with_options(...)``, an ``http_client``, or a module
setting such as ``openai.timeout = 20``.

Resolution follows the code as written: imports and aliases, module-level and local bindings,
``self.x`` attributes set in any method (and inherited from project base classes), factory
functions and methods, properties, bound methods stored in variables, ``with ... as`` targets and
annotations. Nothing here knows about checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from auditor.catalog import Catalog, ClientSpec, FuncSpec
from auditor.facts import CallSite, FileFacts, last_name

MAX_DEPTH = 30
MAX_VALUES = 8


# ----- values ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ext:  # a name outside the project (SDK, stdlib, third party)
    q: str


@dataclass(frozen=True)
class Opaque:  # the result of a known, non-SDK-client operation
    what: str


@dataclass(frozen=True)
class Unknown:  # cannot be followed (a parameter, an unresolved attribute)
    why: str


@dataclass(frozen=True)
class ModV:
    path: str


@dataclass(frozen=True)
class FuncV:
    path: str
    sid: str
    bound: object = None


@dataclass(frozen=True)
class ClsV:
    path: str
    sid: str


@dataclass(frozen=True)
class InstV:
    path: str
    sid: str


@dataclass(frozen=True)
class Setting:
    state: str  # set | none | zero
    path: str
    line: int
    via: str  # call | client constructor | with_options | http client | module setting


@dataclass(frozen=True)
class ClientV:
    cls: str
    settings: tuple  # ((name, Setting), ...)
    path: str | None  # where it was built (None when only known from an annotation)
    line: int
    known: bool  # False: the client came in from elsewhere; its configuration is not visible
    opaque: bool = False  # built with **kwargs we cannot read
    mounted_retry: bool = False
    model: str | None = None  # a literal model id given to the constructor (GenerativeModel, ChatOpenAI)

    def get(self, name: str) -> Setting | None:
        for k, s in self.settings:
            if k == name:
                return s
        return None


@dataclass(frozen=True)
class PathV:
    base: object
    attrs: tuple


@dataclass(frozen=True)
class DictV:
    items: tuple  # ((key or None for **, ir, path, sid), ...)


@dataclass(frozen=True)
class ConstV:
    value: object


@dataclass(frozen=True)
class StrV:
    text: str


@dataclass
class ResolvedCall:
    path: str
    line: int
    col: int
    end_line: int
    provider: str
    api: str
    kind: str
    spec: ClientSpec | FuncSpec
    clients: list  # candidate ClientV (empty for module-level functions)
    call_kwargs: dict  # name -> (ir, ctx) from keywords and resolvable **mappings
    opaque_kwargs: bool  # an unreadable **mapping was passed
    module_settings: dict  # name -> [Setting]
    model: str | None  # the literal model id, if given as a literal
    model_dynamic: bool
    payload_keys: set | None  # keys of a raw HTTP JSON payload, None if unreadable
    retry_wrappers: list  # descriptions of app-level retries around the call
    scope: str
    resolved: bool  # False when found by the SDK method shape alone (client not traceable)
    url: str | None = None
    notes: list = field(default_factory=list)
    ctx: list = field(default_factory=list)  # control-flow context of the call site (see facts.CallSite)


class Project:
    """All files of one scan; facts are loaded on demand through ``load``."""

    def __init__(self, catalog: Catalog, paths: list[str], load: Callable[[str], FileFacts | None],
                 is_package: Callable[[str], bool] | None = None,
                 find_module: Callable[[str], str | None] | None = None):
        """``is_package(folder)`` says whether a folder (relative path) holds an ``__init__.py``; by
        default only the scanned files are consulted. The engine asks the file system, so that a
        single file given by name (``llms/anthropic.py``) is still known to sit in a package and
        its ``import anthropic`` is not taken for itself. ``find_module(name)``, when given, is asked
        for a module no scanned file provides and returns the path of a file on disk that does (or
        None): a scan of a few named files still resolves clients built in the rest of the project,
        reading only the modules resolution reaches."""
        self.cat = catalog
        self.find_module = find_module
        self._found: dict[str, str | None] = {}
        self.load = load
        self._facts: dict[str, FileFacts | None] = {}
        self.index: dict[str, str] = {}
        pyfiles = set(paths)
        is_package = is_package or (lambda d: f"{d}/__init__.py" in pyfiles)
        self.is_package = is_package
        for p in sorted(paths, key=lambda x: (x.count("/"), x)):
            for key in _module_keys(p, is_package):
                self.index.setdefault(key, p)
        self._memo: dict = {}
        self._active: set = set()
        self._module_settings: dict | None = None
        self._mounts: set | None = None
        self._callers: dict = {}
        self._callers_indexed: set = set()
        self._callers_seen = 0

    def mounted_retry_clients(self) -> set:
        """Origins (path, line) of sessions that get a retrying transport adapter mounted."""
        if self._mounts is None:
            self._mounts = set()
            for path in list(self._facts):
                f = self._facts[path]
                if f is None:
                    continue
                for cs in f.calls:
                    if cs.func[0] != "a" or cs.func[2] != "mount" or len(cs.args) < 2:
                        continue
                    adapter = cs.args[1]
                    if adapter[0] == "n":  # adapter = HTTPAdapter(max_retries=...); session.mount("https://", adapter)
                        owner = self.binding_scope(path, cs.scope, adapter[1])
                        binds = f.scopes[owner].bind.get(adapter[1], []) if owner is not None else []
                        adapter = next((b for b in binds if b[0] == "c"), adapter)
                    if adapter[0] != "c" or not any(k == "max_retries" for k, _x in adapter[3]):
                        continue
                    for fv in self.resolve(path, cs.scope, adapter[1]):
                        if isinstance(fv, Ext) and fv.q in self.cat.retry_adapters:
                            for sv in self.resolve(path, cs.scope, cs.func[1]):
                                if isinstance(sv, ClientV) and sv.path:
                                    self._mounts.add((sv.path, sv.line))
        return self._mounts

    def facts(self, path: str) -> FileFacts | None:
        if path not in self._facts:
            self._facts[path] = self.load(path)
        return self._facts[path]

    def _find(self, mod: str) -> str | None:
        if mod not in self._found:
            path = self.find_module(mod)
            self._found[mod] = path
            if path is not None:
                for key in _module_keys(path, self.is_package):
                    self.index.setdefault(key, path)
        return self._found[mod]

    # ----- name lookup ------------------------------------------------------------------
    def resolve_qname(self, q: str, depth: int) -> list:
        parts = q.split(".")
        for i in range(len(parts), 0, -1):
            mod = ".".join(parts[:i])
            path = self.index.get(mod)
            if path is None and self.find_module is not None:
                path = self._find(mod)
            if path is not None:
                vals = [ModV(path)]
                for attr in parts[i:]:
                    vals = self._flat(self.getattr(v, attr, depth + 1) for v in vals)
                return vals
        return [Ext(q)]

    def lookup(self, path: str, sid: str, name: str, depth: int) -> list:
        f = self.facts(path)
        if f is None:
            return [Unknown("unreadable module")]
        cur: str | None = sid
        first = True
        while cur is not None:
            sc = f.scopes.get(cur)
            if sc is None:
                break
            if sc.kind != "class" or first:
                if name in sc.bind:
                    vals = self._flat(self.resolve_binding(path, cur, b, depth + 1) for b in sc.bind[name])
                    if name in sc.dict_keys:
                        extra = tuple((k, x, path, where) for k, x, where in sc.dict_keys[name])
                        vals = [DictV(v.items + extra) if isinstance(v, DictV) else v for v in vals]
                        if not any(isinstance(v, DictV) for v in vals):
                            vals.append(DictV(extra))
                    return vals
            first = False
            cur = sc.parent
        mod = f.scopes[""]
        for b in mod.bind.get("*", []):
            for v in self.resolve_binding(path, "", b, depth + 1):
                if isinstance(v, ModV):
                    got = self.getattr(v, name, depth + 1)
                    if not all(isinstance(x, Unknown) for x in got):
                        return got
        if name in _BUILTINS:
            return [Ext(name)]
        return [Unknown(f"name {name}")]

    def resolve_binding(self, path: str, sid: str, b: tuple, depth: int) -> list:
        tag = b[0]
        f = self.facts(path)
        if tag == "imp":
            return self.resolve_qname(b[1], depth)
        if tag == "def":
            return [FuncV(path, b[1])]
        if tag == "class":
            return [ClsV(path, b[1])]
        if tag == "param":
            sc = f.scopes[sid] if f else None
            if sc is not None and sc.cls and b[1] == 0:
                decs = {d[1] if d[0] == "n" else (d[2] if d[0] == "a" else "") for d in sc.decorators}
                if "staticmethod" in decs:
                    return [Unknown("parameter")]
                if "classmethod" in decs:
                    return [ClsV(path, sc.cls)]
                return [InstV(path, sc.cls)]
            if b[1] >= 0 and sc is not None:
                got = self.arguments(path, sid, b[1], depth)
                if got:
                    return got + [Unknown("parameter")]
            return [Unknown("parameter")]
        if tag == "default":
            vals = self.resolve(path, sid, b[1], depth)
            return [v for v in vals if not (isinstance(v, ConstV) and v.value is None)]
        if tag == "ann":
            got = self.instance_of(path, sid, b[1], depth)
            return [v for v in got if not isinstance(v, Unknown)] or [Unknown("parameter")]
        if tag == "with":
            vals = self.resolve(path, sid, b[1], depth)
            return [v if isinstance(v, (ClientV, InstV, Unknown)) else Opaque("context") for v in vals]
        return self.resolve(path, sid, b, depth)

    def _callers_index(self) -> dict:
        """Call sites by callee name, over every file loaded so far (kept up to date incrementally).
        A function handed to a wrapper (``f2 = with_backoff(f)``) is also called wherever the
        wrapper's result is called (``f2(**kwargs)``) with the same arguments."""
        idx = self._callers
        for path, f in list(self._facts.items()):
            if f is None or path in self._callers_indexed:
                continue
            self._callers_indexed.add(path)
            by_scope: dict = {}
            for func, args, kwargs, sid, flow in f.plain_calls:
                name = func[1] if func[0] == "n" else (func[2] if func[0] == "a" else None)
                if name:
                    idx.setdefault(name, []).append((path, sid, func, args, kwargs, flow))
                    by_scope.setdefault((sid, name), []).append((func, args, kwargs, flow))
            for func, args, _kwargs, sid, _flow in f.plain_calls:
                refs = [a for a in args[:1] if a[0] in ("n", "a")]
                if not refs:
                    continue
                ref = refs[0]
                ref_name = ref[1] if ref[0] == "n" else ref[2]
                sc = f.scopes.get(sid)
                if sc is None:
                    continue
                for wname, binds in sc.bind.items():
                    if any(b[0] == "c" and b[1] == func and b[2] == args for b in binds):
                        for _wf, wargs, wkwargs, wflow in by_scope.get((sid, wname), []):
                            idx.setdefault(ref_name, []).append((path, sid, ref, wargs, wkwargs, wflow))
        return idx

    def arguments(self, path: str, sid: str, index: int, depth: int) -> list:
        """Values passed for parameter ``index`` of function ``sid`` at its call sites in the project.

        Follows wrappers: ``Wrapper(litellm.Router(...))`` makes ``self.router = router`` a Router.
        Only the files already loaded are searched, and only a few call sites are followed.
        """
        if depth > MAX_DEPTH // 2:
            return []
        f = self.facts(path)
        sc = f.scopes.get(sid) if f else None
        if sc is None or index >= len(sc.params):
            return []
        pname = sc.params[index]
        pos = index - 1 if sc.cls else index
        out: list = []
        for cpath, csid, _func, args, kwargs, _flow in self.call_sites(path, sid, depth):
            arg = next((x for k, x in kwargs if k == pname), None)
            if arg is None and 0 <= pos < len(args):
                arg = args[pos]
            if arg is not None:
                out += [v for v in self.resolve(cpath, csid, arg, depth + 1) if not isinstance(v, Unknown)]
        return self._flat([out])

    def instance_of(self, path: str, sid: str, ann: tuple, depth: int) -> list:
        if ann[0] == "sub":  # Optional[X], Union[X, Y]
            key = ann[2]
            items = key[1] if key[0] == "l" else (key,)
            return self._flat(self.instance_of(path, sid, k, depth + 1) for k in items)
        if ann[0] == "k" and isinstance(ann[1], str) and ann[1].replace(".", "").isidentifier():
            parts = ann[1].split(".")
            ir: tuple = ("n", parts[0])
            for p in parts[1:]:
                ir = ("a", ir, p)
            ann = ir
        out = []
        for v in self.resolve(path, sid, ann, depth):
            if isinstance(v, Ext) and v.q in self.cat.clients:
                out.append(ClientV(v.q, (), None, 0, known=False))
            elif isinstance(v, ClsV):
                out.append(InstV(v.path, v.sid))
            else:
                out.append(Unknown("annotation"))
        return out or [Unknown("annotation")]

    # ----- expressions ------------------------------------------------------------------
    def resolve(self, path: str, sid: str, ir: tuple, depth: int = 0) -> list:
        if depth > MAX_DEPTH:
            return [Unknown("too deep")]
        key = (path, sid, ir)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if key in self._active:
            return [Unknown("cycle")]
        self._active.add(key)
        try:
            out = self._resolve(path, sid, ir, depth)
        finally:
            self._active.discard(key)
        out = out[:MAX_VALUES] or [Unknown("nothing")]
        self._memo[key] = out
        return out

    def _resolve(self, path: str, sid: str, ir: tuple, depth: int) -> list:
        tag = ir[0]
        if tag == "n":
            return self.lookup(path, sid, ir[1], depth)
        if tag == "a":
            return self._flat(self.getattr(v, ir[2], depth) for v in self.resolve(path, sid, ir[1], depth + 1))
        if tag == "c":
            funcs = self.resolve(path, sid, ir[1], depth + 1)
            return self._flat(self.call(v, ir, path, sid, depth) for v in funcs)
        if tag == "k":
            return [StrV(ir[1])] if isinstance(ir[1], str) else [ConstV(ir[1])]
        if tag == "s":
            return [StrV(ir[1])]
        if tag == "f":
            text = []
            for part in ir[1]:
                if isinstance(part, str):
                    text.append(part)
                else:
                    strs = [v.text for v in self.resolve(path, sid, part, depth + 1) if isinstance(v, StrV)]
                    text.append(strs[0] if strs else "{}")
            return [StrV("".join(text))]
        if tag == "d":
            return [DictV(tuple((k, x, path, sid) for k, x in ir[1]))]
        if tag == "alt":
            return self._flat(self.resolve(path, sid, x, depth + 1) for x in ir[1])
        if tag in ("imp", "def", "class", "param", "ann", "with", "default"):
            return self.resolve_binding(path, sid, ir, depth)
        if tag == "cond":
            return self.resolve(path, sid, ir[1], depth + 1)
        if tag == "pipe":  # prompt | llm | parser: the chain sends what its model sends
            parts = self._flat(self.resolve(path, sid, x, depth + 1) for x in ir[1])
            models = [v for v in parts if isinstance(v, ClientV)]
            return models or [Opaque("pipeline")]
        if tag == "narrow":  # under isinstance(subject, C): keep the clients of class C
            vals = self.resolve(path, sid, ir[3], depth + 1)
            allowed = {v.q for v in self.resolve(path, sid, ir[2], depth + 1) if isinstance(v, Ext)}
            if not allowed:
                return vals

            def keep(v) -> bool:
                c = v.base if isinstance(v, PathV) else v
                return not isinstance(c, ClientV) or c.cls in allowed

            kept = [v for v in vals if keep(v)]
            return kept or vals
        if tag == "argval":
            return self.resolve(ir[1], ir[2], ir[3], depth + 1)
        if tag == "at":
            return self.resolve(path, ir[1], ir[2], depth + 1)
        if tag == "sub":
            out: list = []
            bases = self.resolve(path, sid, ir[1], depth + 1)
            key = ir[2][1] if ir[2][0] == "k" else None
            for b in bases:
                if isinstance(b, DictV):
                    for k, x, p, s in b.items:
                        if k is not None and (key is None or k in (key, "*")):
                            out += self.resolve(p, s, x, depth + 1)
            if out:
                return out
            return [Unknown("subscript")] if all(isinstance(b, Unknown) for b in bases) else [Opaque("subscript")]
        return [Unknown("expression")]

    def getattr(self, v: object, attr: str, depth: int) -> list:
        if depth > MAX_DEPTH:
            return [Unknown("too deep")]
        if isinstance(v, Ext):
            return [Ext(f"{v.q}.{attr}")]
        if isinstance(v, ModV):
            f = self.facts(v.path)
            if f is None:
                return [Unknown("unreadable module")]
            if attr in f.scopes[""].bind:
                return self.lookup(v.path, "", attr, depth + 1)
            sub = self.index.get(f"{f.module}.{attr}") if f.module else None
            if sub is None:
                for key, p in self.index.items():
                    if p == v.path:
                        sub = self.index.get(f"{key}.{attr}")
                        if sub:
                            break
            if sub is not None:
                return [ModV(sub)]
            return self.lookup(v.path, "", attr, depth + 1)
        if isinstance(v, (InstV, ClsV)):
            return self._member(v, attr, depth)
        if isinstance(v, ClientV):
            return [PathV(v, (attr,))]
        if isinstance(v, PathV):
            return [PathV(v.base, v.attrs + (attr,))]
        if isinstance(v, FuncV):
            return [Opaque("function attribute")]
        if isinstance(v, ConstV) and v.value is None:
            return []  # an initial None: the attribute is only used once something real was assigned
        if isinstance(v, (Opaque, ConstV, StrV, DictV)):
            return [Opaque("attribute")]
        return [Unknown("attribute of unknown")]

    def _member(self, v: InstV | ClsV, attr: str, depth: int, seen: frozenset = frozenset()) -> list:
        f = self.facts(v.path)
        if f is None or v.sid not in f.scopes or (v.path, v.sid) in seen:
            return [Unknown("class")]
        seen = seen | {(v.path, v.sid)}
        cls = f.scopes[v.sid]
        inst = isinstance(v, InstV)
        out: list = []
        if inst and attr in cls.self_attrs:
            for ir, msid in cls.self_attrs[attr]:
                out += self.resolve(v.path, msid, ir, depth + 1)
        if attr in cls.bind:
            out += self._flat(self.resolve_binding(v.path, v.sid, b, depth + 1) for b in cls.bind[attr])
        if attr in cls.methods:
            msid = cls.methods[attr]
            if inst and attr in cls.properties:
                out += self._returns(v.path, msid, depth + 1)
            else:
                out.append(FuncV(v.path, msid, v if inst else None))
        if out:
            return self._flat([out])
        if inst and "__getattr__" in cls.methods:  # a proxy: getattr(self._target, name)
            gsid = cls.methods["__getattr__"]
            for r in f.scopes[gsid].returns:
                if r[0] == "c" and r[1] == ("n", "getattr") and len(r[2]) == 2:
                    for target in self.resolve(v.path, gsid, r[2][0], depth + 1):
                        if not isinstance(target, Unknown):
                            out += self.getattr(target, attr, depth + 1)
            if out:
                return self._flat([out])
        for base_ir in cls.bases:
            for b in self.resolve(v.path, cls.parent or "", base_ir, depth + 1):
                if isinstance(b, ClsV):
                    got = self._member(InstV(b.path, b.sid) if inst else b, attr, depth + 1, seen)
                    if not all(isinstance(x, Unknown) for x in got):
                        return got
        return [Unknown(f"member {attr}")]

    def maybe_none(self, path: str, sid: str, ir: tuple) -> bool:
        """A value read with ``mapping.get(key)`` and no default (directly or through a local name)
        is None unless somebody passed it: a cap written that way is not guaranteed."""
        def is_get(x: tuple) -> bool:
            return x[0] == "c" and x[1][0] == "a" and x[1][2] == "get" and len(x[2]) == 1 and not x[3]

        if is_get(ir):
            return True
        if ir[0] == "n":
            owner = self.binding_scope(path, sid, ir[1])
            f = self.facts(path)
            binds = f.scopes[owner].bind.get(ir[1], []) if owner is not None else []
            return bool(binds) and all(is_get(b) for b in binds)
        return False

    def has_number(self, path: str, sid: str, ir: tuple) -> bool:
        """Can the value be a number written in the code (a default such as ``max_tokens: int = 2000``)?"""
        return any(isinstance(v, ConstV) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool)
                   and v.value > 0 for v in self.resolve(path, sid, ir))

    def is_proxy(self, v: object) -> bool:
        """An instance of a project class that forwards unknown attributes (``__getattr__``)."""
        if not isinstance(v, InstV):
            return False
        f = self.facts(v.path)
        sc = f.scopes.get(v.sid) if f else None
        return sc is not None and "__getattr__" in sc.methods

    def _returns(self, path: str, sid: str, depth: int, site: tuple | None = None) -> list:
        """What a function returns; with ``site`` (call ir, caller path, caller scope, bound), the
        parameters the return values use are the arguments of that very call."""
        f = self.facts(path)
        if f is None or sid not in f.scopes:
            return [Unknown("function")]
        sc = f.scopes[sid]
        rets = sc.returns
        if not rets:
            return [Opaque("no return value")]
        if site is not None:
            call_ir, cpath, csid, bound = site
            params = sc.params[1:] if (bound or (sc.cls and sc.name == "__init__")) else sc.params
            subst = {}
            for i, arg in enumerate(call_ir[2]):
                if i < len(params):
                    subst[params[i]] = ("argval", cpath, csid, arg)
            for k, arg in call_ir[3]:
                if k in params:
                    subst[k] = ("argval", cpath, csid, arg)
            # a parameter the function rebinds is no longer the argument
            subst = {k: v for k, v in subst.items() if all(b[0] in ("param", "ann", "default") for b in sc.bind.get(k, ()))}
            if subst:
                rets = [_subst(r, subst) for r in rets]
        return self._flat(self.resolve(path, sid, r, depth + 1) for r in rets)

    def call(self, v: object, ir: tuple, path: str, sid: str, depth: int) -> list:
        if isinstance(v, Ext):
            if v.q in self.cat.clients:
                return [self.build_client(v.q, ir, path, sid, depth)]
            service = _service_name(ir)
            if service and f"{v.q}:{service}" in self.cat.clients:  # boto3.client("bedrock-runtime")
                return [self.build_client(f"{v.q}:{service}", ir, path, sid, depth)]
            if v.q in self.cat.passthrough and ir[2]:  # instructor.from_openai(client) is that client
                return self.resolve(path, sid, ir[2][0], depth + 1)
            if f"{v.q}()" in self.cat.factory_owners:  # boto3.Session(): keep the name for .client(...)
                return [Ext(f"{v.q}()")]
            if v.q == "dict":
                items = [(None, a, path, sid) for a in ir[2][:1]] + [(k, x, path, sid) for k, x in ir[3]]
                return [DictV(tuple(items))]
            if v.q in ("importlib.import_module", "__import__") and ir[2]:
                names = [x.text for x in self.resolve(path, sid, ir[2][0], depth + 1) if isinstance(x, StrV)]
                if names and "{}" not in names[0]:  # import_module(name) inside a helper: the caller's name
                    return self.resolve_qname(names[0], depth + 1)
                return [Unknown("dynamic import")]
            if v.q in ("typing.cast", "typing_extensions.cast") and len(ir[2]) == 2:
                return self.resolve(path, sid, ir[2][1], depth + 1)
            if v.q == "getattr" and len(ir[2]) >= 2:
                if ir[2][1][0] == "k" and isinstance(ir[2][1][1], str):
                    return self._flat(self.getattr(o, ir[2][1][1], depth + 1)
                                      for o in self.resolve(path, sid, ir[2][0], depth + 1))
                return [Unknown("dynamic attribute")]
            return [Opaque(f"{v.q}()")]
        if isinstance(v, FuncV):
            return self._returns(v.path, v.sid, depth, (ir, path, sid, v.bound is not None))
        if isinstance(v, ClsV):
            f = self.facts(v.path)
            sc = f.scopes.get(v.sid) if f else None
            for base_ir in sc.bases if sc else ():
                for b in self.resolve(v.path, sc.parent or "", base_ir, depth + 1):
                    if isinstance(b, Ext) and b.q in self.cat.clients:  # class MyClient(OpenAI)
                        return [ClientV(b.q, (), None, 0, known=False)]
            return [InstV(v.path, v.sid)]
        if isinstance(v, PathV) and isinstance(v.base, ClientV):
            spec = self.cat.clients[v.base.cls]
            if len(v.attrs) == 1 and v.attrs[0] in spec.derive:
                return [self.derive_client(v.base, ir, path, sid, depth, v.attrs[0])]
            made = spec.returns.get(".".join(v.attrs))
            if made:  # client.chats.create(model=..., config=...) / model.start_chat(): a session
                kwargs, opaque = self.kwargs_of(ir, path, sid, depth)
                settings = dict(v.base.settings)  # the session call takes request options
                settings.update(self._settings_from(spec, kwargs, path, ir[4], "session", depth, spec.call_options))
                m = self.option(kwargs, spec.call_options.get("model", ()), depth)
                model = m[0][1] if m is not None and m[0][0] == "k" and isinstance(m[0][1], str) else v.base.model
                return [ClientV(made, tuple(settings.items()), v.base.path, v.base.line, v.base.known,
                                v.base.opaque or opaque, v.base.mounted_retry, model)]
            return [Opaque("response")]
        if isinstance(v, (Unknown,)):
            return [Unknown("call of unknown")]
        return [Opaque("call")]

    # ----- clients ------------------------------------------------------------------------
    def build_client(self, cls: str, ir: tuple, path: str, sid: str, depth: int) -> ClientV:
        spec = self.cat.clients[cls]
        kwargs, opaque = self.kwargs_of(ir, path, sid, depth)
        settings = self._settings_from(spec, kwargs, path, ir[4], "client constructor", depth)
        model = None
        m = self.option(kwargs, spec.options.get("model", ()), depth)
        if m is None and spec.ctor_model_position is not None and len(ir[2]) > spec.ctor_model_position:
            m = (ir[2][spec.ctor_model_position], path, sid)
        if m is not None and m[0][0] == "k" and isinstance(m[0][1], str):
            model = m[0][1]
        return ClientV(cls, tuple(settings.items()), path, ir[4], True, opaque, model=model)

    def derive_client(self, base: ClientV, ir: tuple, path: str, sid: str, depth: int, how: str) -> ClientV:
        """``with_options(timeout=5)``, ``.with_retry()``, ``.bind(...)``: the same client, reconfigured."""
        spec = self.cat.clients[base.cls]
        kwargs, opaque = self.kwargs_of(ir, path, sid, depth)
        settings = dict(base.settings)
        settings.update(self._settings_from(spec, kwargs, path, ir[4], how or "client", depth))
        for name in spec.derive_settings.get(how, ()):  # .with_retry() retries, .with_fallbacks() falls back
            settings[name] = Setting("set", path, ir[4], f".{how}()")
        return ClientV(base.cls, tuple(settings.items()), base.path, base.line, base.known, base.opaque or opaque,
                       base.mounted_retry, base.model)

    def _settings_from(self, spec: ClientSpec, kwargs: dict, path: str, line: int, via: str, depth: int,
                       options: dict | None = None) -> dict:
        options = spec.options if options is None else options
        out = {}
        for name in ("timeout", "retries", "max_tokens", "fallbacks"):
            got = self.option(kwargs, options.get(name, ()), depth)
            if got is not None:
                x_ir, p, s = got
                out[name] = Setting(self.setting_state(name, x_ir, p, s, depth), path, line, via)
        if "timeout" not in out:
            got = self.option(kwargs, options.get("http_client", ()), depth)
            if got is not None:
                x_ir, p, s = got
                for hv in self.resolve(p, s, x_ir, depth + 1):
                    if isinstance(hv, ClientV) and hv.get("timeout"):
                        t = hv.get("timeout")
                        out["timeout"] = Setting(t.state, t.path, t.line, "http client")
        return out

    def option(self, kwargs: dict, names, depth: int = 0) -> tuple | None:
        """The first of ``names`` given in ``kwargs``: (ir, path, scope). A dotted name looks inside the
        value: ``config.http_options.timeout`` finds ``config=GenerateContentConfig(http_options=
        HttpOptions(timeout=...))`` as well as ``config={"http_options": {"timeout": ...}}``."""
        for name in names:
            head, *rest = name.split(".")
            if head not in kwargs:
                continue
            x, (p, s) = kwargs[head]
            found = [(x, p, s)]
            for key in rest:
                found = [got for (xi, pi, si) in found for got in self.sub_option(pi, si, xi, key, depth + 1)]
            if found:
                return found[0]
        return None

    def sub_option(self, path: str, sid: str, ir: tuple, key: str, depth: int) -> list:
        """Where ``key`` is set inside a value: a constructor's keyword, a dict key, through names."""
        if depth > MAX_DEPTH:
            return []
        if ir[0] == "c":
            if any(isinstance(v, Ext) and v.q in ("json.dumps", "json.dump") for v in self.resolve(path, sid, ir[1], depth + 1)):
                return self.sub_option(path, sid, ir[2][0], key, depth + 1) if ir[2] else []
            kw, _opaque = self.kwargs_of(ir, path, sid, depth + 1)  # GenerateContentConfig(**params) too
            if key in kw:
                x, (p, s) = kw[key]
                return [(x, p, s)]
        if ir[0] == "n":
            owner = self.binding_scope(path, sid, ir[1])
            f = self.facts(path)
            out = []
            for b in (f.scopes[owner].bind.get(ir[1], []) if owner is not None else []):
                bs, bi = (b[1], b[2]) if b[0] == "at" else (owner, b)
                if bi[0] in ("c", "d", "n"):
                    out += self.sub_option(path, bs, bi, key, depth + 1)
            for k, x, where in (f.scopes[owner].dict_keys.get(ir[1], []) if owner is not None else []):
                if k == key:
                    out.append((x, path, where))
            return out
        keys = self.dict_keys(path, sid, ir, depth + 1) if ir[0] in ("d", "a") else None
        if keys and key in keys:
            x, (p, s) = keys[key]
            return [(x, p, s)]
        return []

    def kwargs_of(self, ir: tuple, path: str, sid: str, depth: int) -> tuple[dict, bool]:
        """Keyword arguments of a call IR, with **mappings expanded where they can be read."""
        out: dict = {}
        opaque = False
        for k, x in ir[3]:
            if k:
                out[k] = (x, (path, sid))
                continue
            keys = self.dict_keys(path, sid, x, depth + 1)
            if keys is None:
                opaque = True
            else:
                out.update(keys)
        return out, opaque

    def dict_keys(self, path: str, sid: str, x: tuple, depth: int) -> dict | None:
        """Keys of a mapping expression -> (value ir, ctx).

        None when it cannot be read. A mapping that only passes a function's own ``**kwargs``
        parameter through is read as empty: the app itself sets nothing there.
        """
        if depth > MAX_DEPTH:
            return None
        found: dict = {}
        readable = False
        vals = self.resolve(path, sid, x, depth)
        for v in vals:
            if isinstance(v, DictV):
                readable = True
                for k, vi, p, s in v.items:
                    if k is None:
                        sub = self.dict_keys(p, s, vi, depth + 1)
                        if sub is None:
                            return None
                        found.update(sub)
                    else:
                        found[k] = (vi, (p, s))
            elif isinstance(v, ConstV) and v.value is None:
                readable = True
        if x[0] == "n":
            owner = self.binding_scope(path, sid, x[1])
            f = self.facts(path)
            if owner is not None and ("param", -2) in f.scopes[owner].bind.get(x[1], ()):
                return {**self.kwargs_from_callers(path, owner, depth + 1), **found}
        if not readable and all(isinstance(v, Unknown) and v.why == "parameter" for v in vals):
            readable = True
        return found if readable else None

    def binding_scope(self, path: str, sid: str, name: str) -> str | None:
        f = self.facts(path)
        cur: str | None = sid
        while f is not None and cur is not None and cur in f.scopes:
            if name in f.scopes[cur].bind:
                return cur
            cur = f.scopes[cur].parent
        return None

    def call_sites(self, path: str, sid: str, depth: int) -> list:
        """(caller path, caller scope, func ir, args, kwargs, flow) of every loaded call of function ``sid``;
        flow is (handled by a try that does not re-raise, the switch guarding it)."""
        f = self.facts(path)
        sc = f.scopes.get(sid) if f else None
        if sc is None:
            return []
        if self._callers_seen != len(self._facts):
            self._callers_index()
            self._callers_seen = len(self._facts)
        if sc.cls and sc.name == "__init__":
            target, callee = ClsV(path, sc.cls), f.scopes[sc.cls].name
        else:
            target, callee = FuncV(path, sid), sc.name
        out = []
        sites = self._callers.get(callee, [])[:12]
        if isinstance(target, ClsV):  # cls(...) in a classmethod builds the class too
            sites = sites + self._callers.get("cls", [])[:12]
        for cpath, csid, func, args, kwargs, flow in sites:
            for v in self.resolve(cpath, csid, func, depth + 1):
                if v == target or (isinstance(v, FuncV) and v.path == path and v.sid == sid):
                    out.append((cpath, csid, func, args, kwargs, flow))
                    break
        return out

    def kwargs_from_callers(self, path: str, sid: str, depth: int) -> dict:
        """Keywords that reach a ``**kwargs`` parameter from the function's call sites."""
        if depth > MAX_DEPTH // 2:
            return {}
        f = self.facts(path)
        named = set(f.scopes[sid].params)
        out: dict = {}
        for cpath, csid, func, args, kwargs, _flow in self.call_sites(path, sid, depth):
            got, _opaque = self.kwargs_of(("c", func, args, kwargs, 0, 0), cpath, csid, depth + 1)
            for k, v in got.items():
                if k not in named:
                    out.setdefault(k, v)
        return out

    def setting_state(self, name: str, ir: tuple, path: str, sid: str, depth: int) -> str:
        vals = self.resolve(path, sid, ir, depth + 1)
        if ir[0] == "c":
            for fv in self.resolve(path, sid, ir[1], depth + 1):
                if isinstance(fv, Ext) and fv.q in self.cat.timeout_objects:
                    args = list(ir[2]) + [x for _, x in ir[3]]
                    if args and all(a == ("k", None) for a in args):
                        return "none"
                    return "set"
        if name == "timeout" and self._only_sometimes(path, sid, ir, depth):
            return "conditional"
        consts = [v for v in vals if isinstance(v, ConstV)]
        if consts and len(consts) == len(vals):
            if all(c.value is None for c in consts):
                return "none"
            if name == "retries" and all(c.value in (0, False) for c in consts):
                return "zero"
        return "set"

    def _only_sometimes(self, path: str, sid: str, ir: tuple, depth: int) -> bool:
        """``x if cond else None`` (or a NOT_GIVEN / sentinel object): a value only when configured."""
        branches = None
        if ir[0] == "alt":
            branches = [(path, sid, b) for b in ir[1]]
        elif ir[0] == "n":
            owner = self.binding_scope(path, sid, ir[1])
            f = self.facts(path)
            binds = f.scopes[owner].bind.get(ir[1], []) if owner is not None else []
            scoped = [(b[1], b[2]) if b[0] == "at" else (owner, b) for b in binds]
            branches = [(path, s2, x) for s2, b in scoped if b[0] == "alt" for x in b[1]] or None
        if not branches:
            return False
        unset = set_ = False
        for p, s, b in branches:
            vals = self.resolve(p, s, b, depth + 1)
            if all(_is_unset(v) for v in vals):
                unset = True
            else:
                set_ = True
        return unset and set_

    # ----- project-wide facts -------------------------------------------------------------
    def module_settings(self) -> dict:
        """Module attribute assignments anywhere in the project: qualified name -> [Setting]."""
        if self._module_settings is None:
            wanted = set()
            for fs in self.cat.functions.values():
                for names in fs.module_settings.values():
                    wanted.update(names)
            out: dict = {}
            for path in list(self._facts):
                f = self._facts[path]
                if f is None:
                    continue
                for target, value, sid, line in f.attr_assigns:
                    for v in self.resolve(path, sid, target, 0):
                        if isinstance(v, Ext) and v.q in wanted:
                            kind = "retries" if v.q.endswith(("retries",)) else "timeout"
                            st = self.setting_state(kind, value, path, sid, 0)
                            out.setdefault(v.q, []).append(Setting(st, path, line, "module setting"))
            self._module_settings = out
        return self._module_settings

    def _flat(self, groups) -> list:
        out: list = []
        seen = set()
        for g in groups:
            for v in g:
                if v not in seen:
                    seen.add(v)
                    out.append(v)
        return out


# ----- call sites -----------------------------------------------------------------------------
def _is_unset(v) -> bool:
    if isinstance(v, ConstV) and v.value is None:
        return True
    if isinstance(v, Ext) and v.q.rsplit(".", 1)[-1] in ("NOT_GIVEN", "NotGiven", "not_given", "omit", "USE_CLIENT_DEFAULT"):
        return True
    return isinstance(v, InstV)  # a project sentinel object standing for "not given"


def _service_name(ir: tuple) -> str | None:
    """The service a factory call asks for: ``boto3.client("bedrock-runtime")``."""
    for k, x in ir[3]:
        if k == "service_name" and x[0] == "k":
            return str(x[1])
    if ir[2] and ir[2][0][0] == "k" and isinstance(ir[2][0][1], str):
        return ir[2][0][1]
    return None


def _subst(ir, names: dict):
    """Replace bare names in an IR tree (used to bind a function's parameters to a call's arguments)."""
    if not isinstance(ir, tuple) or not ir:
        return ir
    if ir[0] == "n" and len(ir) == 2 and isinstance(ir[1], str):
        return names.get(ir[1], ir)
    if ir[0] in ("k", "s", "imp", "def", "class", "param", "argval", "at", "narrow"):
        return ir
    if ir[0] == "f":
        return ("f", tuple(_subst(x, names) if isinstance(x, tuple) else x for x in ir[1]))
    return tuple(_subst(x, names) if isinstance(x, tuple) else x for x in ir)


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
    call_ir = ("c", cs.func, cs.args, cs.kwargs, cs.line, cs.col)
    kwargs, opaque = project.kwargs_of(call_ir, path, sid, 0)
    url = None
    payload_keys: set | None = None
    if spec.requires_endpoint or kind == "http":
        url, kind = _endpoint(project, path, sid, cs, spec, api)
        if url is None:
            return None
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
        retry_wrappers=_retry_wrappers(project, f, cs), scope=sid, resolved=resolved, url=url, ctx=cs.ctx,
    )


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
        uses = mod.rsplit(".", 1)[-1] in f.mentions or any(
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
                if all(isinstance(v, Unknown) or project.is_proxy(v) for v in base_vals):
                    client = ClientV(spec.cls, (), None, 0, known=False)
                    return (spec, f"{spec.cls}.{'.'.join(attrs[k:])}", spec.methods[method], client)
                return None
    return None


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


def _endpoint(project: Project, path: str, sid: str, cs: CallSite, spec, api: str):
    cat = project.cat
    pos = spec.url.get("position", 0)
    if api.endswith(".request"):
        pos += 1
    url_ir = None
    for k, x in cs.kwargs:
        if k == spec.url.get("keyword", "url"):
            url_ir = x
    if url_ir is None and len(cs.args) > pos:
        url_ir = cs.args[pos]
    if url_ir is None:
        return None, None
    for s in _strings(project, path, sid, url_ir):
        kind = cat.endpoint_kind(s)
        if kind:
            return s, kind
    return None, None


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


def _module_keys(p: str, is_package: Callable[[str], bool]) -> list[str]:
    """Names under which the module at relative path ``p`` can be imported."""
    parts = p[:-3].split("/") if p.endswith(".py") else p.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts:
        return []
    keys = [".".join(parts)]
    # the package root: walk up while the parent folder is a package
    dirs = p.split("/")[:-1]
    top = len(dirs)
    while top > 0 and is_package("/".join(dirs[:top])):
        top -= 1
    keys.append(".".join(parts[top:]))
    # namespace packages and src layouts: every suffix of two or more components
    for i in range(1, len(parts) - 1):
        keys.append(".".join(parts[i:]))
    return [k for k in dict.fromkeys(keys) if k]


_BUILTINS = frozenset(
    "dict list tuple set str int float bool bytes object type len range print open super isinstance getattr "
    "setattr hasattr callable iter next map filter zip sorted min max sum any all __import__ Exception "
    "BaseException ValueError KeyError TypeError RuntimeError OSError TimeoutError ConnectionError".split()
)
