"""Call arguments and keyword mappings: the keywords a call really passes (``**mapping`` read where it
can be), the values a parameter receives at a function's call sites, and ``**kwargs`` from callers."""

from __future__ import annotations

from auditor.link.values import MAX_DEPTH, ConstV, DictV, Unknown


class Arguments:
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
