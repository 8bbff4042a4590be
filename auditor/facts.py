"""Per-file facts: one cheap pass of the stdlib ``ast`` over a source file.

The pass knows nothing about checks or SDKs beyond a set of "interesting" call names that the
provider catalogue hands it. It produces plain, picklable data (tuples, lists, dicts, strings), so
facts can be cached by content hash or built in worker processes.

Expressions that matter for resolution are kept as a tiny IR of nested tuples:

=================  ==================================================
``("n", name)``     a bare name
``("a", b, attr)``  attribute ``b.attr``
``("c", f, args, kwargs, line, col)``  a call; ``kwargs`` is a list of ``(name or None, ir)``,
                    ``None`` for ``**mapping``
``("k", value)``    a constant (str, int, float, bool, None)
``("s", text)``     an f-string or string concatenation, dynamic parts written ``{}``
``("f", parts)``    the same with names to resolve: parts are strings or name/attribute IRs
``("d", items)``    a dict literal, items ``(key or None, ir)``
``("l", items)``    a list or tuple literal
``("alt", items)``  one of several values (``a if c else b``, ``a or b``)
``("imp", qname)``  a name bound by an import
``("ann", ir)``     "an instance of this annotation" (parameter or attribute annotation)
``("param", i)``    the i-th parameter of the enclosing function, with no annotation
``("sub", b, key)`` a subscript ``b[key]``
``("narrow", subject, cls, ir)`` ``ir`` read where ``isinstance(subject, cls)`` holds
``("pipe", items)`` ``a | b | c`` (a LangChain runnable sequence)
``("at", sid, ir)`` ``ir`` as seen from scope ``sid`` (a ``global`` assigned inside a function)
``("cond", ir)``    a value only set under an ``if`` that tests it
``("argval", path, sid, ir)``  (link time) a call's argument, resolved at the call site
``("lam", ir)``     ``lambda: ir`` (a factory without parameters)
``("?",)``          anything else
=================  ==================================================

Scopes are identified by a dotted id: ``""`` for the module, ``"f"`` for a function, ``"C"`` for a
class body, ``"C.m"`` for a method, ``"f.g"`` for a nested function.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = ("?",)
# decorators of methods that set a model's fields through a ``values`` mapping (pydantic, langchain)
FIELD_VALIDATORS = frozenset({"root_validator", "model_validator", "pre_init", "validator", "field_validator"})


def last_name(ir: tuple) -> str:
    """The last name of a callee or decorator IR: ``tenacity.retry(...)`` -> "retry"."""
    if ir[0] == "c":
        ir = ir[1]
    return ir[1] if ir[0] == "n" else (ir[2] if ir[0] == "a" else "")


@dataclass
class CallSite:
    func: tuple
    args: list
    kwargs: list
    line: int
    col: int
    end_line: int
    scope: str
    # control-flow context, innermost last: ("loop", line, exits on success, sleep) / ("try", handlers, line) /
    # ("if", line, branch, names the test reads, switch text or "")
    ctx: list = field(default_factory=list)
    target: str | None = None  # the name the call's result is assigned to
    # a function handed to the project's own higher-order code, kept until link time confirms that the
    # callee calls it: ("fwd", callee ir, argument index or keyword) for ``self._invoke(client.x.create, ...)``,
    # ("curry", adapter ir, argument index) for ``adapter(client.x.create)(...)``
    via: tuple | None = None


@dataclass
class Scope:
    kind: str  # module | function | class
    parent: str | None
    line: int = 0
    name: str = ""
    bind: dict = field(default_factory=dict)  # name -> [ir]
    bind_paths: dict = field(default_factory=dict)  # name -> [branch path of each binding: ((if line, 0|1), ...)]
    params: list = field(default_factory=list)
    returns: list = field(default_factory=list)
    decorators: list = field(default_factory=list)
    cls: str | None = None  # for methods: the class scope id
    dict_keys: dict = field(default_factory=dict)  # name -> [(key, ir, scope id of the assignment)]
    # for classes
    bases: list = field(default_factory=list)
    self_attrs: dict = field(default_factory=dict)  # attr -> [(ir, method scope id)]
    methods: dict = field(default_factory=dict)  # name -> scope id
    properties: list = field(default_factory=list)
    retry_loop: bool = False  # the function has a loop whose try/except goes round again
    generator: bool = False  # has yield: calling it does not run its body
    enforces_timeout: bool = False  # calls asyncio.wait_for / a *timeout* helper (a deadline around work)
    raises: list = field(default_factory=list)  # IR of the exceptions a ``raise`` statement names
    guards: list = field(default_factory=list)  # (line, switch text) of early exits on a switch
    validated: list = field(default_factory=list)  # names passed to a validator (model_validate, jsonschema)
    sinks: list = field(default_factory=list)  # (kind, arg ir, line, col, handled, target name)
    decorator_lines: list = field(default_factory=list)
    # parameters this function calls, itself or in a nested function, or hands to a known forwarder
    # (``asyncio.to_thread(fn, ...)``): (parameter name, keywords of that call, scope id of the call)
    called_params: list = field(default_factory=list)
    positional: int = -1  # how many parameters can be given by position (-1: not a function)


@dataclass
class FileFacts:
    path: str
    module: str
    is_package: bool
    scopes: dict
    calls: list
    attr_assigns: list  # (target ir, value ir, scope id, line)
    imported_modules: list  # qualified names of every import
    mentions: frozenset = frozenset()  # SDK module names the text mentions as words
    plain_calls: list = field(default_factory=list)  # (func ir, args, kwargs, scope): calls that may reach project code


def _attr_or_name(node: ast.AST) -> str | None:
    """The last name of ``a.b`` or ``b``: the attribute before a called method."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def _const_str(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Extractor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, interesting: frozenset, forwarders: dict | None = None):
        self.module = module
        self.is_package = is_package
        self.interesting = interesting
        self.forwarders = forwarders or {}
        self.pending_self: list = []  # (class scope id, attribute, CallSite): self.x(...) kept until the class is read
        self.adapter_calls: set = set()  # ids of adapter(fn) calls already taken as adapter(fn)(...)
        self.scopes: dict[str, Scope] = {"": Scope("module", None)}
        self.calls: list[CallSite] = []
        self.attr_assigns: list = []
        self.plain_calls: list = []
        self.imported: list[str] = []
        self.sid = ""
        self.ctx: list = []
        self.globals: dict = {}
        self.narrow: list = []  # active isinstance narrowings: (subject ir, class ir)

    # ----- expression -> IR -------------------------------------------------------------
    def ir(self, node: ast.AST | None, depth: int = 0) -> tuple:
        if node is None or depth > 12:
            return UNKNOWN
        d = depth + 1
        if isinstance(node, ast.Name):
            return ("n", node.id)
        if isinstance(node, ast.Attribute):
            return ("a", self.ir(node.value, d), node.attr)
        if isinstance(node, ast.Call):
            return self.call_ir(node, d)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, (str, int, float, bool)) or v is None:
                return ("k", v)
            return UNKNOWN
        if isinstance(node, ast.Await):
            return self.ir(node.value, d)
        if isinstance(node, ast.JoinedStr):
            parts: list = []
            for v in node.values:
                s = _const_str(v)
                if s is None and isinstance(v, ast.FormattedValue) and isinstance(v.value, (ast.Name, ast.Attribute)):
                    parts.append(self.ir(v.value, d))  # resolved at link time: f"{BASE_URL}/chat/completions"
                else:
                    parts.append(s if s is not None else "{}")
            return _string_ir(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            items: list = []
            for side in (node.left, node.right):  # a | b | c nests to the left: flatten it
                x = self.ir(side, d)
                items.extend(x[1] if x[0] == "pipe" else (x,))
            return ("pipe", tuple(items))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            left, right = self.ir(node.left, d), self.ir(node.right, d)
            if isinstance(node.op, ast.Mod):
                return ("s", _text_of(left)) if left[0] in ("k", "s") else UNKNOWN
            if left[0] in ("k", "s", "f") or right[0] in ("k", "s", "f"):
                return _string_ir([_piece(left), _piece(right)])
            return UNKNOWN
        if isinstance(node, ast.Dict):
            items = []
            for k, v in zip(node.keys, node.values):
                key = None if k is None else _const_str(k)
                if k is not None and key is None:
                    continue
                items.append((key, self.ir(v, d)))
            return ("d", tuple(items))
        if isinstance(node, (ast.List, ast.Tuple)):
            return ("l", tuple(self.ir(e, d) for e in node.elts[:20]))
        if isinstance(node, ast.IfExp):
            return ("alt", (self.ir(node.body, d), self.ir(node.orelse, d)))
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return ("alt", tuple(self.ir(v, d) for v in node.values))
        if isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Index):  # pragma: no cover - Python 3.8 shape
                key = key.value  # type: ignore[attr-defined]
            return ("sub", self.ir(node.value, d), self.ir(key, d))
        if isinstance(node, ast.NamedExpr):
            return self.ir(node.value, d)
        if isinstance(node, ast.Lambda) and not node.args.args:
            return ("lam", self.ir(node.body, d))
        return UNKNOWN

    def call_ir(self, node: ast.Call, depth: int) -> tuple:
        args = tuple(self.ir(a, depth) for a in node.args if not isinstance(a, ast.Starred))
        kwargs = tuple((k.arg, self.ir(k.value, depth)) for k in node.keywords)
        return ("c", self.ir(node.func, depth), args, kwargs, node.lineno, node.col_offset + 1)

    # ----- scopes -------------------------------------------------------------------------
    @property
    def scope(self) -> Scope:
        return self.scopes[self.sid]

    def narrowed(self, ir: tuple) -> tuple:
        """Wrap an attribute chain read under ``isinstance(subject, C)`` so that resolution keeps only C."""
        for subject, cls in reversed(self.narrow):
            x = ir
            while x[0] == "a":
                if x == subject:
                    return ("narrow", subject, cls, ir)
                x = x[1]
            if x == subject:
                return ("narrow", subject, cls, ir)
        return ir

    def bind(self, name: str, value: tuple) -> None:
        if self.narrow:
            value = self.narrowed(value)
        target = "" if name in self.globals.get(self.sid, ()) else self.sid
        if target != self.sid:
            value = ("at", self.sid, value)  # a global assigned in a function: resolve it there
        sc = self.scopes[target]
        sc.bind.setdefault(name, []).append(value)
        sc.bind_paths.setdefault(name, []).append(self.branch_path())

    def branch_path(self) -> tuple:
        return tuple((c[1], c[2]) for c in self.ctx if c[0] == "if")

    def conditional_on(self, value_ir: tuple) -> bool:
        """Is this statement guarded by an ``if`` that tests the very value it uses?"""
        refs = set(_refs(value_ir))
        if not refs:
            return False
        return any(c[0] == "if" and refs & c[3] for c in self.ctx)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.setdefault(self.sid, set()).update(node.names)

    def _child_sid(self, name: str) -> str:
        sid = f"{self.sid}.{name}" if self.sid else name
        base, n = sid, 1
        while sid in self.scopes:  # redefinitions (if/else variants) get their own scope
            n += 1
            sid = f"{base}#{n}"
        return sid

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.scope
        for dec in node.decorator_list:
            self.visit(dec)
        for default in node.args.defaults + node.args.kw_defaults:
            if default is not None:
                self.visit(default)
        sid = self._child_sid(node.name)
        cls = self.sid if outer.kind == "class" else None
        sc = Scope("function", self.sid, node.lineno, node.name, cls=cls)
        sc.decorators = [self.ir(d) for d in node.decorator_list]
        sc.decorator_lines = [d.lineno for d in node.decorator_list]
        all_args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        defaults = dict(zip([a.arg for a in (node.args.posonlyargs + node.args.args)][::-1],
                            node.args.defaults[::-1]))
        for a, dflt in zip(node.args.kwonlyargs, node.args.kw_defaults):
            if dflt is not None:
                defaults[a.arg] = dflt
        sc.positional = len(node.args.posonlyargs) + len(node.args.args)
        for i, a in enumerate(all_args):
            sc.params.append(a.arg)
            if a.annotation is not None:
                sc.bind.setdefault(a.arg, []).append(("ann", self.ir(a.annotation)))
            sc.bind.setdefault(a.arg, []).append(("param", i))
            if a.arg in defaults:
                sc.bind[a.arg].append(("default", self.ir(defaults[a.arg])))
        for a, tag in ((node.args.vararg, -1), (node.args.kwarg, -2)):
            if a is not None:
                sc.params.append(a.arg)
                sc.bind.setdefault(a.arg, []).append(("param", tag))
        self.scopes[sid] = sc
        if outer.kind == "class":
            outer.methods[node.name] = sid
            for d in node.decorator_list:
                if (isinstance(d, ast.Name) and d.id in ("property", "cached_property")) or (
                    isinstance(d, ast.Attribute) and d.attr in ("cached_property",)
                ):
                    outer.properties.append(node.name)
        else:
            outer.bind.setdefault(node.name, []).append(("def", sid))
        saved_sid, saved_ctx, saved_narrow = self.sid, self.ctx, self.narrow
        self.sid, self.ctx, self.narrow = sid, [], []
        for stmt in node.body:
            self.visit(stmt)
        self.sid, self.ctx, self.narrow = saved_sid, saved_ctx, saved_narrow

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    # leaves and statements with nothing to record: skip the generic traversal
    def _skip(self, node: ast.AST) -> None:
        return None

    visit_Constant = visit_Name = visit_Pass = visit_Break = visit_Continue = _skip  # type: ignore[assignment]
    visit_Nonlocal = visit_Expr_Constant = _skip  # type: ignore[assignment]

    def visit_Expr(self, node: ast.Expr) -> None:
        if not isinstance(node.value, ast.Constant):  # docstrings are most of the statements here
            self.visit(node.value)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        v = node.value
        while isinstance(v, ast.Attribute):
            v = v.value
        if not isinstance(v, ast.Name):
            self.visit(v)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for dec in node.decorator_list:
            self.visit(dec)
        sid = self._child_sid(node.name)
        sc = Scope("class", self.sid, node.lineno, node.name)
        sc.bases = [self.ir(b) for b in node.bases]
        self.scopes[sid] = sc
        self.bind(node.name, ("class", sid))
        saved_sid, saved_ctx = self.sid, self.ctx
        self.sid, self.ctx = sid, []
        for stmt in node.body:
            self.visit(stmt)
        self.sid, self.ctx = saved_sid, saved_ctx

    # ----- imports ------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imported.append(alias.name)
            if alias.asname:
                self.bind(alias.asname, ("imp", alias.name))
            else:
                top = alias.name.split(".")[0]
                self.bind(top, ("imp", top))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.module.split(".") if self.module else []
            # a package's own module name is its package; a plain module's package is its parent
            keep = len(parts) - (node.level - 1) - (0 if self.is_package else 1)
            pkg = ".".join(parts[: max(keep, 0)])
            base = ".".join(p for p in (pkg, base) if p)
        for alias in node.names:
            if alias.name == "*":
                self.imported.append(base)
                self.scope.bind.setdefault("*", []).append(("imp", base))
                continue
            q = f"{base}.{alias.name}" if base else alias.name
            self.imported.append(q)
            self.bind(alias.asname or alias.name, ("imp", q))

    # ----- assignments --------------------------------------------------------------------
    def _assign_target(self, target: ast.AST, value_ir: tuple, line: int) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value_ir)
        elif isinstance(target, ast.Attribute):
            base = target.value
            sc = self.scope
            if isinstance(base, ast.Name) and sc.kind == "function" and sc.cls and sc.params and base.id == sc.params[0]:
                self.scopes[sc.cls].self_attrs.setdefault(target.attr, []).append((value_ir, self.sid))
            else:
                self.attr_assigns.append((self.ir(target), value_ir, self.sid, line))
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            key = _const_str(target.slice)
            sc = self.scope
            if (key is not None and sc.kind == "function" and sc.cls and target.value.id in sc.params[1:]
                    and any(last_name(d) in FIELD_VALIDATORS for d in sc.decorators)):
                # pydantic/langchain validators fill fields through the values dict: values["client"] = ...
                self.scopes[sc.cls].self_attrs.setdefault(key, []).append((value_ir, self.sid))
            if self.conditional_on(value_ir):
                value_ir = ("cond", value_ir)
            # a non-constant key (a registry: clients[name] = OpenAI()) is kept under "*"
            name = target.value.id
            owner = self.scope
            if name not in owner.bind and name in self.scopes[""].bind:
                owner = self.scopes[""]  # a module-level registry filled in from a function
            owner.dict_keys.setdefault(name, []).append((key if key is not None else "*", value_ir, self.sid))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._assign_target(elt, UNKNOWN, line)

    def visit_Assign(self, node: ast.Assign) -> None:
        n_calls, n_sinks, n_pending = len(self.calls), len(self.scope.sinks), len(self.pending_self)
        self.visit(node.value)
        value = self.ir(node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            root = _root_call_line(node.value)
            for cs in self.calls[n_calls:] + [p[2] for p in self.pending_self[n_pending:]]:
                if cs.line == root:
                    cs.target = name  # resp = client.chat.completions.create(...)
            sinks = self.scope.sinks
            for i in range(n_sinks, len(sinks)):
                if sinks[i][2] == root:
                    sinks[i] = sinks[i][:5] + (name,)  # data = json.loads(...)
        for t in node.targets:
            if isinstance(t, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)) and len(
                t.elts
            ) == len(node.value.elts):
                for elt, v in zip(t.elts, node.value.elts):
                    self._assign_target(elt, self.ir(v), node.lineno)
            else:
                self._assign_target(t, value, node.lineno)
            if not isinstance(t, ast.Name):
                self.visit(t)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self._assign_target(node.target, self.ir(node.value), node.lineno)
        else:
            self._assign_target(node.target, ("ann", self.ir(node.annotation)), node.lineno)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.bind(node.target.id, self.ir(node.value))

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if isinstance(item.optional_vars, ast.Name):
                self.bind(item.optional_vars.id, ("with", self.ir(item.context_expr)))
        self.ctx.append(("with", node.lineno, tuple(_dotted(i.context_expr) for i in node.items)))
        for stmt in node.body:
            self.visit(stmt)
        self.ctx.pop()

    visit_AsyncWith = visit_With  # type: ignore[assignment]

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.ctx.append(("loop", node.lineno, _exits(node.body), _sleep_style(node.body)))
        for stmt in node.body:
            self.visit(stmt)
        self.ctx.pop()
        for stmt in node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)
        self.ctx.append(("loop", node.lineno, _exits(node.body), _sleep_style(node.body)))
        for stmt in node.body:
            self.visit(stmt)
        self.ctx.pop()
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_Try(self, node: ast.Try) -> None:
        handlers = []
        for h in node.handlers:
            # a handler whose last statement raises (log, then raise) lets the failure propagate
            reraises = bool(h.body) and isinstance(h.body[-1], ast.Raise)
            handlers.append((self.ir(h.type) if h.type is not None else None, reraises, h.lineno))
        if any(c[0] == "loop" and c[2] for c in self.ctx) and any(not r for _t, r, _l in handlers):
            self.scope.retry_loop = True  # a try inside a loop that swallows the error: goes round again
        self.ctx.append(("try", handlers, node.lineno))
        for stmt in node.body:
            self.visit(stmt)
        self.ctx.pop()
        for h in node.handlers:
            if h.name:
                self.bind(h.name, UNKNOWN)
            for stmt in h.body:
                self.visit(stmt)
        for stmt in node.orelse + node.finalbody:
            self.visit(stmt)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        refs = frozenset(self.ir(n) for n in ast.walk(node.test) if isinstance(n, (ast.Name, ast.Attribute)))
        switch = _reads_switch(node.test)
        if switch and node.body and isinstance(node.body[-1], (ast.Return, ast.Raise)) and not node.orelse:
            # an early exit (`if not settings.LLM_ENABLED: return`): what follows runs only when allowed
            self.scope.guards.append((node.lineno, switch))
        self.ctx.append(("if", node.lineno, 0, refs, switch))
        narrowing = _isinstance_test(node.test)
        if narrowing:
            self.narrow.append((self.ir(narrowing[0]), self.ir(narrowing[1])))
        for stmt in node.body:
            self.visit(stmt)
        if narrowing:
            self.narrow.pop()
        self.ctx[-1] = ("if", node.lineno, 1, refs, switch)
        for stmt in node.orelse:
            self.visit(stmt)
        self.ctx.pop()

    def visit_Assert(self, node: ast.Assert) -> None:
        self.generic_visit(node)
        narrowing = _isinstance_test(node.test)
        if narrowing and self.scope.kind == "function":
            self.narrow.append((self.ir(narrowing[0]), self.ir(narrowing[1])))  # holds to the end of the function

    def visit_Raise(self, node: ast.Raise) -> None:
        if node.exc is not None:
            self.visit(node.exc)
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            self.scope.raises.append(self.ir(exc))

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit(node.value)
            self.scope.returns.append(self.ir(node.value))

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self.scope.generator = True
        self.visit(node.value)

    def visit_Yield(self, node: ast.Yield) -> None:
        self.scope.generator = True
        if node.value is not None:
            self.visit(node.value)
            self.scope.returns.append(self.ir(node.value))

    # ----- calls --------------------------------------------------------------------------
    def _is_interesting(self, name: str | None, prev: str | None) -> bool:
        """A call name the catalogue knows; a name too common to take alone (``append``, ``count``)
        is listed with the attribute before it (``conversations.append``, ``input_tokens.count``)."""
        return name in self.interesting or (prev is not None and f"{prev}.{name}" in self.interesting)

    def _refers_to_interesting(self, ir: tuple) -> bool:
        """Does a bound value name an SDK method or function (``client.messages.create``,
        ``litellm.acompletion``, ``from litellm import aembedding``)?"""
        if ir[0] in ("narrow", "at"):
            return self._refers_to_interesting(ir[-1])
        if ir[0] == "a":
            base = ir[1]
            prev = base[2] if base[0] == "a" else (base[1] if base[0] == "n" else None)
            return self._is_interesting(ir[2], prev)
        if ir[0] == "imp":
            parts = ir[1].rsplit(".", 2)
            return self._is_interesting(parts[-1], parts[-2] if len(parts) > 1 else None)
        if ir[0] == "alt":
            return any(self._refers_to_interesting(x) for x in ir[1])
        return False
        return False

    def _bound_to_interesting(self, name: str) -> bool:
        cur: str | None = self.sid
        while cur is not None:  # this scope, the enclosing functions, the module (class bodies do not enclose)
            sc = self.scopes[cur]
            if (cur == self.sid or sc.kind != "class") and name in sc.bind:
                return any(self._refers_to_interesting(b) for b in sc.bind[name])
            cur = sc.parent
        return False

    def promote_self_calls(self) -> None:
        """``self.embed(...)`` is a candidate call when the class stores an SDK function or method in
        that attribute (``self.embed = litellm.embedding``, ``self.create = client.chat.completions.create``)."""
        for cls_sid, attr, cs in self.pending_self:
            seen: set = set()
            todo = [cls_sid]
            while todo:
                sid = todo.pop()
                sc = self.scopes.get(sid) if sid else None
                if sc is None or sid in seen:
                    continue
                seen.add(sid)
                vals = [ir for ir, _m in sc.self_attrs.get(attr, ())] + list(sc.bind.get(attr, ()))
                if any(self._refers_to_interesting(x) or (x[0] == "n" and x[1] in self.interesting) for x in vals):
                    self.calls.append(cs)
                    break
                for b in sc.bases:  # a base class in this same file
                    if b[0] == "n":
                        todo += [x[1] for x in self.scopes[sc.parent or ""].bind.get(b[1], ()) if x[0] == "class"]
        self.pending_self = []

    def _is_sdk_ref(self, node: ast.AST) -> bool:
        """An SDK method or function named without calling it: ``client.chat.completions.create``,
        ``litellm.acompletion``, or a local name bound to one."""
        if isinstance(node, ast.Attribute):
            return self._is_interesting(node.attr, _attr_or_name(node.value))
        if isinstance(node, ast.Name):  # bound to one (an import, an attribute), not merely named like one
            return self._bound_to_interesting(node.id)
        return False

    def _is_self(self, name: str) -> bool:
        sc = self.scope
        return sc.kind == "function" and bool(sc.cls) and bool(sc.params) and name == sc.params[0]

    def _note_param_call(self, name: str, node: ast.Call | None) -> None:
        """``fn(...)`` where ``fn`` is a parameter of this function or of an enclosing one: that function
        calls what it is given (a forwarder). ``node`` is None when the parameter is handed to a
        known forwarder instead (``asyncio.to_thread(fn, *args)``)."""
        cur: str | None = self.sid
        while cur is not None:
            sc = self.scopes[cur]
            if sc.kind == "function" and name in sc.bind:
                if name in sc.params and all(b[0] in ("param", "ann", "default") for b in sc.bind[name]):
                    kwargs = self.call_ir(node, 0)[3] if node is not None else ()
                    sc.called_params.append((name, kwargs, self.sid))
                return
            if sc.kind == "module":
                return
            cur = sc.parent

    def _ref(self, node: ast.AST) -> str:
        """"sdk" for an SDK method named without calling it, "self" for ``self.x`` (an SDK method only if
        the class stores one there: decided once the class has been read), else ""."""
        if self._is_sdk_ref(node):
            return "sdk"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and self._is_self(node.value.id):
            return "self"
        return ""

    def _add_ref_call(self, kind: str, node: ast.AST, cs: CallSite) -> None:
        if kind == "sdk":
            self.calls.append(cs)
        else:
            self.pending_self.append((self.scope.cls, node.attr, cs))  # type: ignore[attr-defined]

    def _forwarded_refs(self, node: ast.Call) -> None:
        """SDK methods handed by reference to other code: ``self._invoke(client.x.create, model=...)``
        (a call if ``_invoke`` calls that parameter) and ``adapter(client.x.create)(file=f)`` (a call if
        the adapter returns something that calls it). Which callee forwards is decided at link time."""
        f = node.func
        end = getattr(node, "end_lineno", node.lineno) or node.lineno
        if isinstance(f, ast.Call) and id(f) not in self.adapter_calls:
            for i, a in enumerate(f.args[:3]):
                kind = self._ref(a)
                if kind:
                    self.adapter_calls.add(id(f))
                    c = self.call_ir(node, 0)
                    kw = self.call_ir(f, 0)[3] + c[3]  # partial(fn, model=M)(messages=m)
                    self._add_ref_call(kind, a, CallSite(self.ir(a), c[2], kw, a.lineno, a.col_offset + 1, end,
                                                         self.sid, list(self.ctx), via=("curry", self.ir(f.func), i)))
                    break
        if id(node) in self.adapter_calls:
            return
        slots = [(i, a) for i, a in enumerate(node.args[:4])] + [(k.arg, k.value) for k in node.keywords if k.arg]
        refs = [(self._ref(a), slot, a) for slot, a in slots]
        refs = [r for r in refs if r[0] == "sdk"] or [r for r in refs if r[0]]
        if refs:
            kind, slot, a = refs[0]
            c = self.call_ir(node, 0)
            args = tuple(self.ir(x) for x in node.args[slot + 1:] if not isinstance(x, ast.Starred)) if isinstance(
                slot, int) else c[2]
            kwargs = tuple((k, x) for k, x in c[3] if k != slot)
            self._add_ref_call(kind, a, CallSite(self.ir(a), args, kwargs, a.lineno, a.col_offset + 1, end,
                                                 self.sid, list(self.ctx), via=("fwd", c[1], slot)))

    def visit_Call(self, node: ast.Call) -> None:
        name = prev = None
        f = node.func
        if isinstance(f, ast.Attribute):
            name = f.attr
            prev = _attr_or_name(f.value)
        elif isinstance(f, ast.Name):
            name = f.id
        if name and (name in _DEADLINES or "timeout" in name.lower()) and name not in ("Timeout", "ClientTimeout"):
            self.scope.enforces_timeout = True
            if name in _DEADLINES and node.args:  # asyncio.wait_for(client.chat.completions.create(...), 30)
                self.ctx.append(("deadline", node.lineno))
                self.visit(node.args[0])
                self.ctx.pop()
                for a in node.args[1:]:
                    self.visit(a)
                for k in node.keywords:
                    self.visit(k.value)
                return
        interesting = self._is_interesting(name, prev)
        if not interesting and isinstance(f, ast.Name) and self._bound_to_interesting(f.id):
            interesting = True
        if isinstance(f, ast.Name):
            self._note_param_call(f.id, node)
        if interesting:
            c = self.call_ir(node, 0)
            self.calls.append(
                CallSite(self.narrowed(c[1]) if self.narrow else c[1], c[2], c[3], node.lineno, node.col_offset + 1,
                         getattr(node, "end_lineno", node.lineno) or node.lineno, self.sid, list(self.ctx))
            )
        elif name in self.forwarders and len(node.args) > self.forwarders[name] and id(node) not in self.adapter_calls:
            # asyncio.to_thread(client.models.generate_content, model=..., contents=...): the function
            # handed over makes the request; the call is reported on the line that names it
            i = self.forwarders[name]
            target = node.args[i]
            kind = self._ref(target)
            if kind:
                c = self.call_ir(node, 0)
                self._add_ref_call(kind, target, CallSite(
                    self.ir(target), c[2][i + 1:], c[3], target.lineno, target.col_offset + 1,
                    getattr(node, "end_lineno", node.lineno) or node.lineno, self.sid, list(self.ctx)))
            elif isinstance(target, ast.Name):
                self._note_param_call(target.id, None)  # a forwarder of a forwarder: to_thread(fn, *args)
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and self._is_self(f.value.id):
            # self.acompletion(...) where __init__ stored self.acompletion = litellm.acompletion: decided
            # once the whole class has been read
            c = self.call_ir(node, 0)
            self.pending_self.append((self.scope.cls, f.attr, CallSite(
                c[1], c[2], c[3], node.lineno, node.col_offset + 1,
                getattr(node, "end_lineno", node.lineno) or node.lineno, self.sid, list(self.ctx))))
        if name not in self.forwarders:
            self._forwarded_refs(node)
        if (name == "__init__" and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call)
                and isinstance(f.value.func, ast.Name) and f.value.func.id == "super" and self.scope.cls):
            # super().__init__(client=...) in a model class (pydantic, attrs): fills the fields it declares
            cls = self.scopes[self.scope.cls]
            for k in node.keywords:
                if k.arg and k.arg in cls.bind:
                    cls.self_attrs.setdefault(k.arg, []).append((self.ir(k.value), self.sid))
        if name in _SINKS and node.args:
            handled = any(c[0] == "try" and any(not r and _catches_parse_errors(t) for t, r, _l in c[1])
                          for c in self.ctx)
            self.scope.sinks.append((_SINKS[name] if name != "loads" or _is_json(f) else "", self.ir(node.args[0]),
                                     node.lineno, node.col_offset + 1, handled, None))
        if name in _VALIDATORS or (name and name[:1].isupper() and any(k.arg is None for k in node.keywords)):
            for a in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(a, ast.Name):
                    self.scope.validated.append(a.id)
        # dict-building calls on a local name: params.update(max_tokens=...), kwargs.setdefault("timeout", 30)
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr in ("update", "setdefault"):
            keys = self.scope.dict_keys.setdefault(f.value.id, [])
            if f.attr == "update":
                for k in node.keywords:
                    if k.arg:
                        v = self.ir(k.value)
                        keys.append((k.arg, ("cond", v) if self.conditional_on(v) else v, self.sid))
                if node.args and isinstance(node.args[0], ast.Dict):
                    for k, v in zip(node.args[0].keys, node.args[0].values):
                        ks = _const_str(k) if k is not None else None
                        if ks:
                            keys.append((ks, self.ir(v), self.sid))
            elif node.args and _const_str(node.args[0]) is not None:
                keys.append((_const_str(node.args[0]), self.ir(node.args[1]) if len(node.args) > 1 else UNKNOWN,
                             self.sid))
        elif (isinstance(f, ast.Name) and f.id not in _BUILTIN_CALLS) or (
            isinstance(f, ast.Attribute)
            and (f.attr[:1].isupper() or (isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"))
                 or any(k.arg is None for k in node.keywords) or f.attr in ("call", "call_async"))
        ):  # calls that may reach project functions: their call sites bind parameters, wrap in retries
            c = self.call_ir(node, 0)
            self.plain_calls.append((c[1], c[2], c[3], self.sid, _flow(self.ctx, self.scope, node.lineno)))
        self.generic_visit(node)


_BUILTIN_CALLS = frozenset(
    "print len str int float bool list dict tuple set isinstance getattr setattr hasattr range enumerate zip "
    "sorted min max sum any all repr type super open iter next map filter format round abs".split()
)


# words that make a condition a switch (feature flag, config toggle, kill switch), and the methods of
# feature-flag SDKs (LaunchDarkly, Unleash, OpenFeature, Flagsmith, GrowthBook, ConfigCat, PostHog)
_SWITCH_WORDS = ("enable", "disable", "flag", "feature", "kill", "switch", "toggle")
_FLAG_METHODS = frozenset({"variation", "bool_variation", "is_enabled", "get_boolean_value", "get_boolean_details",
                           "is_feature_enabled", "is_on", "is_off", "feature_enabled", "get_feature_flag",
                           "get_value", "is_active", "enabled"})
_SINKS = {"loads": "json", "literal_eval": "json", "eval": "eval", "exec": "eval"}
_VALIDATORS = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw", "validate",
                         "validate_python", "validate_json", "iter_errors", "is_valid"})


# calls that put a deadline on the work they wrap
_DEADLINES = frozenset({"wait_for", "fail_after", "move_on_after", "timeout", "timeout_at"})
_PARSE_ERRORS = frozenset({"JSONDecodeError", "ValueError", "Exception", "BaseException", "SyntaxError",
                           "ValidationError"})


def _catches_parse_errors(type_ir) -> bool:
    """Does an except clause (its type as IR; None for a bare except) catch a parse error?"""
    if type_ir is None:
        return True
    items = type_ir[1] if type_ir[0] == "l" else (type_ir,)
    for it in items:
        last = it[1] if it[0] == "n" else (it[2] if it[0] == "a" else "")
        if last in _PARSE_ERRORS:
            return True
    return False


def _is_json(f: ast.AST) -> bool:
    """json.loads / orjson.loads / ujson.loads, not some_dict.loads."""
    v = f.value if isinstance(f, ast.Attribute) else None
    return isinstance(v, ast.Name) and v.id in ("json", "orjson", "ujson", "simplejson", "json5")


def _reads_switch(test: ast.AST) -> str:
    """The switch an ``if`` test reads ("" when none): a flag-like name, an environment variable with
    a flag-like name, or a feature-flag lookup. Input checks (sizes, contents) are not switches."""
    for n in ast.walk(test):
        if isinstance(n, ast.Call):
            f = n.func
            last = f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else "")
            if last in _FLAG_METHODS or any(w in last.lower() for w in _SWITCH_WORDS):
                return f"{last}(...)"
            for a in n.args[:1]:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and any(
                        w in a.value.lower() for w in _SWITCH_WORDS + ("_on", "_off")) and last in (
                        "get", "getenv", "get_env", "getboolean", "get_bool"):
                    return f"{last}({a.value!r})"
        elif isinstance(n, (ast.Name, ast.Attribute)):
            word = n.id if isinstance(n, ast.Name) else n.attr
            if any(w in word.lower() for w in _SWITCH_WORDS):
                return word
        elif isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str):
            if any(w in n.slice.value.lower() for w in _SWITCH_WORDS):
                return repr(n.slice.value)
    return ""


def handled_by_try(ctx: list) -> bool:
    """Is the statement inside a ``try`` with a handler that does not re-raise?"""
    return any(c[0] == "try" and any(not r for _t, r, _l in c[1]) for c in ctx)


def _flow(ctx: list, scope: Scope, line: int) -> tuple:
    """(handled by a try that does not re-raise, switch guarding it) for a call site."""
    handled = handled_by_try(ctx)
    switch = next((c[4] for c in ctx if c[0] == "if" and c[4]), "")
    if not switch:
        switch = next((sw for gl, sw in scope.guards if gl < line), "")
    return handled, switch


def _isinstance_test(test: ast.AST):
    """(subject, class) of ``isinstance(subject, Class)`` (also inside ``and``), else None."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        for v in test.values:
            got = _isinstance_test(v)
            if got:
                return got
        return None
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
            and len(test.args) == 2 and isinstance(test.args[0], (ast.Name, ast.Attribute))
            and isinstance(test.args[1], (ast.Name, ast.Attribute))):
        return test.args[0], test.args[1]
    return None


def _root_call_line(node: ast.AST) -> int:
    """Line of the call an expression reads its value from: ``await c.create(...)``,
    ``c.create(...).choices[0].message.content``, ``c.create(...).model_dump()`` (-1 when none)."""
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(
                _strip(node.func.value), ast.Call):
            node = node.func.value  # a method called on the result
        elif isinstance(node, ast.Call):
            return node.lineno
        else:
            return -1


def _dotted(node: ast.AST) -> str:
    """``breaker.calling()`` -> "breaker.calling": the written name of an expression, for matching."""
    parts = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        else:
            break
    return ".".join(reversed(parts))


def _strip(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Await)):
        node = node.value
    return node


def _sleep_style(body: list) -> str:
    """How a loop waits between attempts: "const" (a fixed sleep), "backoff" (grows or jitters), ""."""
    style = ""
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call):
                f = n.func
                last = f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else "")
                if last == "sleep" and n.args:
                    a = n.args[0]
                    if isinstance(a, ast.Constant) or (isinstance(a, ast.Name) and a.id.isupper()) or (
                            isinstance(a, ast.Attribute) and a.attr.isupper()):
                        style = style or "const"  # time.sleep(2), time.sleep(RETRY_DELAY_SECONDS)
                    else:
                        return "backoff"
    return style


def _exits(body: list) -> bool:
    """Does a loop body leave the loop (``break``, ``return``) outside its except handlers?

    That is what makes a loop around a ``try`` a retry loop: it stops once the call succeeds. A
    worker loop that logs a failure and goes on to the next job never leaves on success."""
    stack = [(n, False) for n in body]
    while stack:
        node, nested = stack.pop()
        if isinstance(node, ast.Return) or (isinstance(node, ast.Break) and not nested):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        inner = nested or isinstance(node, (ast.For, ast.AsyncFor, ast.While))  # its break is its own
        if isinstance(node, ast.Try):
            stack.extend((n, inner) for n in node.body + node.orelse + node.finalbody)
        elif isinstance(node, ast.stmt):
            for field in ("body", "orelse"):
                stack.extend((n, inner) for n in getattr(node, field, []) or [])
    return False


def _refs(ir: tuple, depth: int = 0):
    """Names and attribute chains an IR reads (``int(cfg.max_tokens)`` reads ``cfg.max_tokens``)."""
    if not isinstance(ir, tuple) or not ir or depth > 6:
        return
    if ir[0] in ("n", "a"):
        yield ir
        return
    if ir[0] == "c":
        for a in ir[2]:
            yield from _refs(a, depth + 1)
        for _k, a in ir[3]:
            yield from _refs(a, depth + 1)
    elif ir[0] in ("alt", "l"):
        for a in ir[1]:
            yield from _refs(a, depth + 1)


def _piece(ir: tuple):
    if ir[0] == "k":
        return ir[1] if isinstance(ir[1], str) else "{}"
    if ir[0] == "s":
        return ir[1]
    if ir[0] == "f":
        return ir  # flattened by _string_ir
    return ir if ir[0] in ("n", "a") else "{}"


def _string_ir(parts: list) -> tuple:
    """("s", text) when every part is constant, else ("f", parts) with names/attributes to resolve."""
    flat: list = []
    for p in parts:
        flat.extend(p[1] if isinstance(p, tuple) and p[0] == "f" else [p])
    if all(isinstance(p, str) for p in flat):
        return ("s", "".join(flat))
    return ("f", tuple(flat))


def _text_of(ir: tuple) -> str:
    if ir[0] == "k":
        return ir[1] if isinstance(ir[1], str) else "{}"
    if ir[0] == "s":
        return ir[1]
    return "{}"


def extract(tree: ast.Module, path: str, module: str, is_package: bool, interesting: frozenset,
            forwarders: dict | None = None) -> FileFacts:
    ex = _Extractor(module, is_package, interesting, forwarders)
    for stmt in tree.body:
        ex.visit(stmt)
    ex.promote_self_calls()
    return FileFacts(path, module, is_package, ex.scopes, ex.calls, ex.attr_assigns, ex.imported,
                     plain_calls=ex.plain_calls)


def module_name(relpath: str) -> tuple[str, bool]:
    """Dotted module name of a file from its path relative to the scan root."""
    parts = relpath[:-3].split("/") if relpath.endswith(".py") else relpath.split("/")
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts = parts[:-1]
    return ".".join(p for p in parts if p), is_pkg


def ir_kwargs(call: Any) -> dict:
    return {k: v for k, v in call.kwargs if k}
