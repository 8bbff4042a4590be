"""Value evaluation: what an IR expression can be at run time (names, attributes, calls of project
functions and classes, SDK constructors, subscripts, isinstance narrowing, ``self.x`` members)."""

from __future__ import annotations

from auditor.facts import last_name
from auditor.link.values import (
    MAX_DEPTH,
    MAX_VALUES,
    NO_RETURN,
    ClientV,
    ClsV,
    ConstV,
    DictV,
    Ext,
    FuncV,
    InstV,
    ModV,
    Opaque,
    PathV,
    StrV,
    Unknown,
    is_void,
)

_FIELD_FACTORIES = frozenset({"field", "Field", "PrivateAttr", "attrib", "ib"})  # dataclasses, pydantic, attrs


class Evaluator:
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
            if ir[1][0] == "a" and ir[1][2] in ("enter_context", "enter_async_context") and ir[2]:
                # stack.enter_async_context(session.create_client(...)) is what `async with ... as x` binds
                return self.resolve_binding(path, sid, ("with", ir[2][0]), depth + 1)
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
                return [InstV(path, sc.cls, late=True)]
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

    def getattr(self, v: object, attr: str, depth: int) -> list:
        if depth > MAX_DEPTH:
            return [Unknown("too deep")]
        if isinstance(v, Ext):  # an SDK name; langchain_openai.chat_models.ChatOpenAI is langchain_openai.ChatOpenAI
            return [Ext(self.cat.canonical(f"{v.q}.{attr}"))]
        if isinstance(v, ModV):
            f = self.facts(v.path)
            if f is None:
                return [Unknown("unreadable module")]
            if attr in f.scopes[""].bind:
                # module state another module fills in: `state.client = OpenAI(...)` in a boot function
                return self._flat([self.lookup(v.path, "", attr, depth + 1), self._assigned_from_outside(v, attr, depth)])
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
        if is_void(v):
            # an initial None (or what a stub returns: nothing): the attribute is only used once something
            # real was assigned, so it must not stand in the way of the values that are real
            return []
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
                decs = {last_name(d) for d in f.scopes[msid].decorators}
                # the first parameter is bound for a method of an instance and a classmethod of either
                bound = None if "staticmethod" in decs else (v if inst or "classmethod" in decs else None)
                out.append(FuncV(v.path, msid, bound))
        # late binding: `self` in a method of this class may be an instance of any subclass, so what a
        # subclass overrides or sets (a make_client() whose base stub raises NotImplementedError, a
        # class attribute, self.x set only in the subclass's __init__) is also what `self.x` is
        late = inst and getattr(v, "late", False)
        if out:
            if late:
                out += self._from_subclasses(v, attr, depth)
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
                        if late:
                            got = self._flat([got, self._from_subclasses(v, attr, depth)])
                        return got
        if late:
            got = self._from_subclasses(v, attr, depth)
            if got:
                return self._flat([got])
        return [Unknown(f"member {attr}")]

    def _assigned_from_outside(self, v: ModV, attr: str, depth: int) -> list:
        out: list = []
        for path, target, value, sid in self.attr_assignments(attr):
            if ModV(v.path) in self.resolve(path, sid, target[1], depth + 1):
                out += self.resolve(path, sid, value, depth + 1)
        return out

    def _from_subclasses(self, v: InstV, attr: str, depth: int) -> list:
        """What project subclasses of ``v``'s class define or set as ``attr``: an overriding method or
        property, a class attribute, an attribute their own methods assign."""
        out: list = []
        for sub in self.subclasses(v.path, v.sid):
            sc = self.facts(sub.path).scopes[sub.sid]
            if attr in sc.methods:
                msid = sc.methods[attr]
                if attr in sc.properties:
                    out += self._returns(sub.path, msid, depth + 1)
                else:
                    out.append(FuncV(sub.path, msid, InstV(sub.path, sub.sid)))
            for b in sc.bind.get(attr, ()):
                out += self.resolve_binding(sub.path, sub.sid, b, depth + 1)
            for ir, msid in sc.self_attrs.get(attr, ()):
                out += self.resolve(sub.path, msid, ir, depth + 1)
        return out

    def _returns(self, path: str, sid: str, depth: int, site: tuple | None = None) -> list:
        """What a function returns; with ``site`` (call ir, caller path, caller scope, bound), the
        parameters the return values use are the arguments of that very call."""
        f = self.facts(path)
        if f is None or sid not in f.scopes:
            return [Unknown("function")]
        sc = f.scopes[sid]
        rets = sc.returns
        if not rets:
            return [NO_RETURN]
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
            for service in (self.service_names(ir, path, sid, depth) if v.q in self.cat.service_factories else ()):
                if f"{v.q}:{service}" in self.cat.clients:  # boto3.client("bedrock-runtime")
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
            if v.q.rsplit(".", 1)[-1] in _FIELD_FACTORIES:
                # a model field's default: field(default_factory=OpenAI), Field(default_factory=lambda: Anthropic())
                for k, x in ir[3]:
                    if k in ("default_factory", "factory"):
                        made = x[1] if x[0] == "lam" else ("c", x, (), (), ir[4], ir[5])
                        return self.resolve(path, sid, made, depth + 1)
                    if k == "default":
                        return self.resolve(path, sid, x, depth + 1)
                return [Opaque(f"{v.q}()")]
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
            if v.attrs in (("__enter__",), ("__aenter__",)):  # await manager.__aenter__(): what `async with` binds
                return [v.base]
            made = spec.returns.get(".".join(a for a in v.attrs if a not in spec.skip_segments))
            if made:  # client.chats.create(model=..., config=...) / model.start_chat(): a session
                kwargs, opaque = self.kwargs_of(ir, path, sid, depth)
                settings = dict(v.base.settings)  # the session call takes request options
                settings.update(self._settings_from(spec, kwargs, path, ir[4], "session", depth, spec.call_options))
                m = self.option(kwargs, spec.call_options.get("model", ()), depth)
                model = m[0][1] if m is not None and m[0][0] == "k" and isinstance(m[0][1], str) else v.base.model
                return [ClientV(made, tuple(settings.items()), v.base.path, v.base.line, v.base.known,
                                v.base.opaque or opaque, v.base.mounted_retry, model, v.base.col)]
            return [Opaque("response")]
        if isinstance(v, (Unknown,)):
            return [Unknown("call of unknown")]
        return [Opaque("call")]

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
