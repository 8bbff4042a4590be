"""Module index and name lookup: which file a dotted name lives in, what a name is bound to in a
scope, and where a project function is called from (its call sites, across every loaded file)."""

from __future__ import annotations

from typing import Callable

from auditor.catalog import Catalog
from auditor.facts import FileFacts
from auditor.link.values import ClsV, DictV, Ext, FuncV, ModV, Unknown


class ModuleIndex:
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
        self.reserved = frozenset(catalog.sdk_modules)  # SDK top-level modules a project folder must not shadow
        is_package = is_package or (lambda d: f"{d}/__init__.py" in pyfiles)
        self.is_package = is_package
        for p in sorted(paths, key=lambda x: (x.count("/"), x)):
            for key in _module_keys(p, is_package, self.reserved):
                self.index.setdefault(key, p)
        self._memo: dict = {}
        self._active: set = set()
        self._module_settings: dict | None = None
        self._mounts: set | None = None
        self._callers: dict = {}
        self._callers_indexed: set = set()
        self._callers_seen = 0
        self._by_base: dict = {}  # base class name as written -> [(path, class scope id, base ir)]
        self._classes_indexed: set = set()
        self._classes_seen = 0
        self._subs: dict = {}
        self._assigns: dict = {}  # attribute name -> [(path, target ir, value ir, scope id)]
        self._assigns_indexed: set = set()
        self._assigns_seen = 0

    def facts(self, path: str) -> FileFacts | None:
        if path not in self._facts:
            self._facts[path] = self.load(path)
        return self._facts[path]

    def _find(self, mod: str) -> str | None:
        if mod not in self._found:
            path = self.find_module(mod)
            self._found[mod] = path
            if path is not None:
                for key in _module_keys(path, self.is_package, self.reserved):
                    self.index.setdefault(key, path)
        return self._found[mod]

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
                if parts[0] in self.reserved and all(isinstance(v, Unknown) for v in vals):
                    return [Ext(q)]  # a project module named like the SDK that does not define the name
                return vals
        return [Ext(self.cat.canonical(q))]

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

    def binding_scope(self, path: str, sid: str, name: str) -> str | None:
        f = self.facts(path)
        cur: str | None = sid
        while f is not None and cur is not None and cur in f.scopes:
            if name in f.scopes[cur].bind:
                return cur
            cur = f.scopes[cur].parent
        return None

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

    def subclasses(self, path: str, sid: str) -> list:
        """Project classes (``ClsV``) that derive from class ``sid``, directly or further down (at most
        16), among the files loaded so far (every candidate file is loaded before resolution starts)."""
        if self._classes_seen != len(self._facts):
            for p, f in list(self._facts.items()):
                if f is None or p in self._classes_indexed:
                    continue
                self._classes_indexed.add(p)
                for csid, sc in f.scopes.items():
                    if sc.kind == "class":
                        for b in sc.bases:
                            name = b[1] if b[0] == "n" else (b[2] if b[0] == "a" else None)
                            if name:
                                self._by_base.setdefault(name, []).append((p, csid, b))
            self._classes_seen = len(self._facts)
            self._subs.clear()
        key = (path, sid)
        if key not in self._subs:
            self._subs[key] = []  # a cycle of bases ends here
            out: list = []
            f = self.facts(path)
            name = f.scopes[sid].name if f and sid in f.scopes else ""
            for p, csid, b in self._by_base.get(name, [])[:16]:
                sf = self.facts(p)
                parent = sf.scopes[csid].parent or ""
                if ClsV(path, sid) in self.resolve(p, parent, b):
                    out.append(ClsV(p, csid))
            for c in list(out):
                out += [x for x in self.subclasses(c.path, c.sid) if x not in out]
            self._subs[key] = out[:16]
        return self._subs[key]

    def attr_assignments(self, attr: str) -> list:
        """(path, target ir, value ir, scope) of every ``x.attr = value`` outside a class's own methods,
        among the files loaded so far."""
        if self._assigns_seen != len(self._facts):
            for p, f in list(self._facts.items()):
                if f is None or p in self._assigns_indexed:
                    continue
                self._assigns_indexed.add(p)
                for target, value, sid, _line in f.attr_assigns:
                    if target[0] == "a":
                        self._assigns.setdefault(target[2], []).append((p, target, value, sid))
            self._assigns_seen = len(self._facts)
        return self._assigns.get(attr, [])[:12]

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

    def _flat(self, groups) -> list:
        out: list = []
        seen = set()
        for g in groups:
            for v in g:
                if v not in seen:
                    seen.add(v)
                    out.append(v)
        return out


def _module_keys(p: str, is_package: Callable[[str], bool], reserved: frozenset | set = frozenset()) -> list[str]:
    """Names under which the module at relative path ``p`` can be imported.

    Besides its full dotted path, a module is known by its package root and by every suffix of two or
    more components (namespace packages, src layouts, a subfolder scanned on its own). A suffix that
    starts with a ``reserved`` name (an SDK's top-level module: ``app/integrations/openai/`` gives
    ``openai``) would shadow that SDK for every ``import openai`` in the project, so such a key is only
    kept where the folder really is importable at top level: at the scan root or under ``src/``."""
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
    own_top = parts[1:] if parts[0] == "src" and len(parts) > 1 else parts
    keys = [k for k in dict.fromkeys(keys) if k]
    if reserved:
        keys = [k for k in keys if k.split(".", 1)[0] not in reserved or k.split(".") in (parts, own_top)]
    return keys


_BUILTINS = frozenset(
    "dict list tuple set str int float bool bytes object type len range print open super isinstance getattr "
    "setattr hasattr callable iter next map filter zip sorted min max sum any all __import__ Exception "
    "BaseException ValueError KeyError TypeError RuntimeError OSError TimeoutError ConnectionError".split()
)
