"""SDK clients and their settings: a constructor's keywords (timeout, retries, token cap, model), a
client reconfigured by ``with_options``/``with_retry``, an ``http_client`` with its own timeout, a
session mounted with a retrying adapter, and module settings such as ``openai.timeout = 20``."""

from __future__ import annotations

from auditor.catalog import ClientSpec
from auditor.link.values import MAX_DEPTH, ClientV, ConstV, DictV, Ext, Setting, StrV, _is_unset


class Clients:
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
        return ClientV(spec.cls, tuple(settings.items()), path, ir[4], True, opaque, model=model, col=ir[5])

    def derive_client(self, base: ClientV, ir: tuple, path: str, sid: str, depth: int, how: str) -> ClientV:
        """``with_options(timeout=5)``, ``.with_retry()``, ``.bind(...)``: the same client, reconfigured."""
        spec = self.cat.clients[base.cls]
        kwargs, opaque = self.kwargs_of(ir, path, sid, depth)
        settings = dict(base.settings)
        settings.update(self._settings_from(spec, kwargs, path, ir[4], how or "client", depth))
        for name in spec.derive_settings.get(how, ()):  # .with_retry() retries, .with_fallbacks() falls back
            settings[name] = Setting("set", path, ir[4], f".{how}()")
        return ClientV(base.cls, tuple(settings.items()), base.path, base.line, base.known, base.opaque or opaque,
                       base.mounted_retry, base.model, base.col)

    def _settings_from(self, spec: ClientSpec, kwargs: dict, path: str, line: int, via: str, depth: int,
                       options: dict | None = None) -> dict:
        options = spec.options if options is None else options
        out = {}
        for name in ("timeout", "retries", "max_tokens", "fallbacks"):
            got = self.option(kwargs, options.get(name, ()), depth)
            if got is not None:
                x_ir, p, s = got
                state = self.setting_state(name, x_ir, p, s, depth)
                if state == "none" and spec.defaults.get("none_is_default"):
                    continue  # Mistral(timeout_ms=None), cohere.Client(timeout=None): the SDK default, not "off"
                out[name] = Setting(state, path, line, via)
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
        if name == "retries" and vals and all(self._no_botocore_retries(v, depth) for v in vals):
            return "zero"  # Config(retries={"max_attempts": 0}): botocore counts retries there
        consts = [v for v in vals if isinstance(v, ConstV)]
        if consts and len(consts) == len(vals):
            if all(c.value is None for c in consts):
                return "none"
            if name == "retries" and all(c.value in (0, False) for c in consts):
                return "zero"
        return "set"

    def _no_botocore_retries(self, v, depth: int) -> bool:
        """A botocore ``retries`` mapping that allows no retry: ``max_attempts`` 0 or ``total_max_attempts`` 1."""
        if not isinstance(v, DictV):
            return False
        for key, x, p, s in v.items:
            limit = {"max_attempts": 0, "total_max_attempts": 1}.get(key)
            if limit is not None:
                got = self.resolve(p, s, x, depth + 1)
                if got and all(isinstance(c, ConstV) and isinstance(c.value, int) and c.value <= limit for c in got):
                    return True
        return False

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

    def service_names(self, ir: tuple, path: str, sid: str, depth: int) -> list:
        """The services a factory call can ask for: a literal (``boto3.client("bedrock-runtime")``) or a
        value that comes through a parameter (``def _make(self, svc): return session.client(svc)``)."""
        literal = _service_name(ir)
        if literal:
            return [literal]
        arg = next((x for k, x in ir[3] if k == "service_name"), None) or (ir[2][0] if ir[2] else None)
        if arg is None or arg[0] in ("d", "l", "c"):
            return []
        return [v.text for v in self.resolve(path, sid, arg, depth + 1) if isinstance(v, StrV)]


def _service_name(ir: tuple) -> str | None:
    """The service a factory call asks for: ``boto3.client("bedrock-runtime")``."""
    for k, x in ir[3]:
        if k == "service_name" and x[0] == "k":
            return str(x[1])
    if ir[2] and ir[2][0][0] == "k" and isinstance(ir[2][0][1], str):
        return ir[2][0][1]
    return None
