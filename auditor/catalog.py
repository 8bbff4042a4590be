"""Load and index the declarative catalogues in ``rules/`` (validated with the schemas in ``schemas/``)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

_HERE = Path(__file__).resolve().parent


class CatalogError(Exception):
    pass


def rules_dir() -> Path:
    shipped = _HERE / "rules"  # inside the wheel
    if shipped.is_dir():
        return shipped
    return _HERE.parent / "rules"  # source checkout / editable install


def load_validated(name: str, schema_name: str) -> dict:
    import jsonschema

    path = rules_dir() / name
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: 10x faster
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read catalogue {path}: {exc}") from exc
    schema = json.loads((_HERE / "schemas" / schema_name).read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(top)"
        raise CatalogError(f"{path}: {where}: {e.message}")
    return data


@dataclass
class ClientSpec:
    provider: str  # label used in output: openai, azure-openai, anthropic, litellm, http
    family: str  # the catalogue provider id
    cls: str
    methods: dict
    options: dict
    defaults: dict
    derive: tuple = ()
    skip_segments: tuple = ()
    model_is_deployment: bool = False
    retry_mount: bool = False
    requires_endpoint: bool = False
    payload: tuple = ()
    url: dict = field(default_factory=dict)
    model_position: int | None = None
    call_options: dict = field(default_factory=dict)  # keywords a request method accepts
    returns: dict = field(default_factory=dict)  # method path -> class of the session object it returns
    derive_settings: dict = field(default_factory=dict)  # derive method -> settings it turns on
    embedding_markers: tuple = ()  # payload keys that make a request an embedding request
    ctor_model_position: int | None = None  # GenerativeModel("gemini-1.5-pro-002"): the model is the constructor's
    fix: dict = field(default_factory=dict)  # setting -> how --fix writes it (None: no mechanical fix)

    @property
    def module(self) -> str:
        """The SDK module the class lives in: google.genai.Client -> google.genai."""
        return self.cls.split(":", 1)[0].replace("()", "").rsplit(".", 1)[0]


@dataclass
class FuncSpec:
    provider: str
    family: str
    qname: str
    kind: str
    options: dict
    defaults: dict
    module_settings: dict
    requires_endpoint: bool = False
    payload: tuple = ()
    url: dict = field(default_factory=dict)
    model_position: int | None = None
    client_argument: dict = field(default_factory=dict)  # Runner.run(agent, ...): the model object is an argument
    fix: dict = field(default_factory=dict)  # setting -> how --fix writes it (None: no mechanical fix)

    @property
    def call_options(self) -> dict:
        return self.options


@dataclass
class CheckMeta:
    id: str
    name: str
    module: str
    category: str
    severity: str
    title: str
    fixable: bool
    fix_safety: str = ""  # "safe" or "unsafe" (unsafe unless the configuration gives the value) for fixable checks


@dataclass
class SecretPattern:
    id: str
    provider: str
    regex: re.Pattern
    prefix: str


class Catalog:
    def __init__(self) -> None:
        prov = load_validated("providers.yaml", "providers.schema.json")
        self.clients: dict[str, ClientSpec] = {}
        self.functions: dict[str, FuncSpec] = {}
        self.factory_owners: set = set()
        interesting = {"mount"}
        generic = frozenset(prov.get("generic_method_names", ()))
        prefilter: list[str] = []
        self.sdk_modules: dict[str, str] = {}  # top-level module -> provider id
        self.call_kinds = {"chat", "completion", "embedding", "image", "audio", "other"}
        for p in prov["providers"]:
            pid = p["id"]
            prefilter += p["prefilter"]
            opts = p["options"]
            common = dict(
                requires_endpoint=p.get("requires_endpoint", False),
                payload=tuple(p.get("payload", ())),
                url=p.get("url", {}),
                model_position=p.get("model_position"),
            )
            for c in p.get("clients", []):
                methods = c.get("methods", p.get("methods", {}))
                copts = {**opts, **c.get("options", {})}
                for cls in c["classes"]:
                    self.clients[cls] = ClientSpec(
                        provider=c["provider"], family=pid, cls=cls, methods=methods,
                        options=copts,
                        defaults={**p["defaults"], **c.get("defaults", {})},
                        derive=tuple(p.get("derive", ())) + tuple(p.get("derive_settings", {})),
                        skip_segments=tuple(p.get("skip_segments", ())),
                        model_is_deployment=c.get("model_is_deployment", False),
                        retry_mount=c.get("retry_mount", False),
                        call_options={**opts, **c.get("call_options", p.get("call_options", {}))},
                        returns=c.get("returns", {}), derive_settings=p.get("derive_settings", {}),
                        embedding_markers=tuple(p.get("embedding_markers", ())),
                        ctor_model_position=c.get("model_position"), fix={**p.get("fix", {}), **c.get("fix", {})},
                        **common,
                    )
                    for ctor in c.get("constructors", ()):  # TextEmbeddingModel.from_pretrained("...")
                        self.clients[f"{cls}.{ctor}"] = self.clients[cls]
                    if ":" in cls:  # boto3.client:bedrock-runtime, boto3.Session().client:bedrock-runtime
                        owner = cls.split(":", 1)[0].rsplit(".", 1)[0]
                        if owner.endswith("()"):
                            self.factory_owners.add(owner)
                    self.sdk_modules.setdefault(cls.split(".")[0], pid)
                for m in list(methods) + list(c.get("returns", {})):
                    parts = m.split(".")
                    if parts[-1] in generic and len(parts) > 1:  # conversations.append, not every .append()
                        interesting.update(f"{x}.{parts[-1]}" for x in [parts[-2], *p.get("skip_segments", ())])
                    else:
                        interesting.add(parts[-1])
                interesting.update(p.get("derive_settings", {}))
                interesting.update(p.get("derive", ()))
                interesting.update(cls.split(":", 1)[0].rsplit(".", 1)[-1] for cls in c["classes"])
            fopts = {**opts, **p.get("function_options", {})}
            for q, kind in p.get("functions", {}).items():
                self.functions[q] = FuncSpec(pid, pid, q, kind, fopts, p["defaults"], p.get("module_settings", {}),
                                             client_argument=p.get("client_argument", {}),
                                             fix={**p.get("fix", {}), **p.get("function_fix", {})}, **common)
                interesting.add(q.rsplit(".", 1)[-1])
                self.sdk_modules.setdefault(q.split(".")[0], pid)
            mc = p.get("module_client")
            if mc:
                for m, kind in p.get("methods", {}).items():
                    q = f"{mc['module']}.{m}"
                    self.functions[q] = FuncSpec(pid, pid, q, kind, opts, p["defaults"], mc.get("settings", {}),
                                                 fix=dict(p.get("fix", {})), **common)
        self.providers = {p["id"]: p for p in prov["providers"]}
        # factories that take a service name: boto3.client("bedrock-runtime") -> "boto3.client"
        self.service_factories = frozenset(c.split(":", 1)[0] for c in self.clients if ":" in c)
        # for canonical(): catalogued classes and functions by last name, and which provider families
        # own a top-level package (``google`` is shared by two SDKs, ``langchain_community`` by one)
        self._by_name: dict[str, list[str]] = {}
        roots: dict[str, set] = {}
        for q, spec in list(self.clients.items()) + list(self.functions.items()):
            if ":" in q or "()" in q:
                continue
            self._by_name.setdefault(q.rsplit(".", 1)[-1], []).append(q)
            roots.setdefault(q.split(".", 1)[0], set()).add(spec.family)
        for spec in self.clients.values():  # boto3.client:bedrock-runtime, aiobotocore.session.get_session()...
            roots.setdefault(spec.module.split(".", 1)[0], set()).add(spec.family)
        self._single_family_roots = frozenset(r for r, fams in roots.items() if len(fams) == 1)
        self._canonical: dict[str, str] = {}
        # the word that says a file uses an SDK: its package (mistralai, boto3, vertexai), or the part after
        # a root several SDKs share (google.genai -> genai); never an inner module name such as "client"
        self.mention_words = {spec.module: _package_word(spec.module, self._single_family_roots)
                              for spec in self.clients.values()}
        words = sorted(set(self.mention_words.values()))
        self.mention_rx = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")
        self.retry_decorators = frozenset(prov.get("retry_decorators", ()))
        self.passthrough = frozenset(prov.get("passthrough", ()))
        # single method names distinctive enough to recognise on a receiver that cannot be traced
        self.distinctive_methods = frozenset(prov.get("distinctive_methods", ()))
        # callables that call the function they are given: asyncio.to_thread(client.models.generate_content, ...)
        self.call_forwarders = dict(prov.get("call_forwarders", {}))
        # adapters that return a callable which calls the function they are given: sync_to_async(fn)(...)
        self.curried_forwarders = frozenset(prov.get("curried_forwarders", ()))
        # callables that call the function they are given and retry it: tenacity.Retrying()(fn, ...)
        self.retrying_callers = frozenset(prov.get("retrying_callers", ()))
        self.timeout_objects = frozenset(prov.get("timeout_objects", ()))
        self.retry_adapters = frozenset(prov.get("retry_adapters", ()))
        self.timeout_units = dict(prov.get("timeout_units", {}))
        self.api_key_env = dict(prov.get("api_key_env", {}))
        # floating alias -> (dated snapshot, provider, date checked, source)
        self.model_pins = {alias: (snap, t["provider"], t["checked"], t["source"])
                           for t in prov.get("model_pins", ()) for alias, snap in t["pins"].items()}
        self.interesting = frozenset(interesting)
        ep = prov["endpoints"]
        self.endpoint_hosts = tuple(h.lower() for h in ep["hosts"])
        self.endpoint_paths = tuple(ep["paths"])
        self.endpoint_kinds = ep.get("kinds", {})
        self.non_model_paths = tuple(x.lower() for x in ep.get("non_model_paths", ()))
        self.http_evidence = ep.get("evidence", {})
        prefilter += list(ep["hosts"]) + list(ep["paths"])
        self.prefilter_words = tuple(dict.fromkeys(prefilter))
        self.families = [
            (f["id"], re.compile(f["match"]), [re.compile(x) for x in f["pinned"]],
             [re.compile(x) for x in f["floating"]])
            for f in prov["model_families"]
        ]

        checks = load_validated("checks.yaml", "checks.schema.json")
        self.checks = {c["id"]: CheckMeta(**c) for c in checks["checks"]}
        self.categories = {c.category for c in self.checks.values()}

        sec = load_validated("secrets.yaml", "secrets.schema.json")
        self.secret_patterns = [
            SecretPattern(s["id"], s["provider"], re.compile(s["regex"]), s["prefix"]) for s in sec["patterns"]
        ]
        self.secret_any = re.compile("|".join(f"(?:{s['regex']})" for s in sec["patterns"]))
        self.secret_anchors = tuple(dict.fromkeys(a for s in sec["patterns"] for a in s.get("anchors", [s["prefix"]])))
        self.placeholders = [p.lower() for p in sec["placeholders"]]
        self.min_entropy = float(sec["min_entropy"])

    def canonical(self, q: str) -> str:
        """The catalogued name of an SDK class or function reached through another module path.

        ``langchain_mistralai.chat_models.ChatMistralAI`` is ``langchain_mistralai.ChatMistralAI``,
        ``google.genai.client.Client`` is ``google.genai.Client``: a catalogued ``pkg.Name`` whose
        package is a prefix of ``q`` (the parts in between being modules, not classes). Failing that,
        a catalogued class of that name in the same top-level package, when that package belongs to
        one SDK family only and the name is unambiguous there
        (``vertexai.preview.language_models.TextEmbeddingModel``). Anything else is returned as is.
        """
        got = self._canonical.get(q)
        if got is None:
            got = self._canonical[q] = self._canonicalise(q)
        return got

    def _canonicalise(self, q: str) -> str:
        if q in self.clients or q in self.functions:
            return q
        mod, _, name = q.rpartition(".")
        cands = self._by_name.get(name)
        if not cands or not mod:
            return q
        best, best_len = None, -1
        for c in cands:
            cmod = c.rpartition(".")[0]
            if mod.startswith(cmod + ".") and len(cmod) > best_len and _modules_only(mod[len(cmod) + 1:]):
                best, best_len = c, len(cmod)
        if best is not None:
            return best
        root = q.split(".", 1)[0]
        if root not in self._single_family_roots or not _modules_only(mod):
            return q
        same = [c for c in cands if c.split(".", 1)[0] == root and c in self.clients]
        entries = {(self.clients[c].family, self.clients[c].provider, id(self.clients[c].methods)) for c in same}
        if len(entries) == 1:
            return same[0]
        return q

    def is_candidate(self, text: str) -> bool:
        """The loose prefilter: does the text mention an SDK, a model host or endpoint path at all?"""
        return any(w in text for w in self.prefilter_words)

    def may_hold_secret(self, text: str) -> bool:
        return any(a in text for a in self.secret_anchors)

    # ----- model ids ----------------------------------------------------------------------
    def classify_model(self, model: str) -> str | None:
        """'pinned', 'floating' or None (not a known family) for a literal model id."""
        name = model.strip()
        if "/" in name and not name.startswith("models/"):
            name = name.rsplit("/", 1)[-1]  # litellm provider/model, openrouter vendor/model
        for _fid, match, pinned, floating in self.families:
            if match.search(name):
                if any(p.search(name) for p in pinned):
                    return "pinned"
                if any(f.search(name) for f in floating):
                    return "floating"
                return None
        return None

    # ----- endpoints ----------------------------------------------------------------------
    def endpoint_kind(self, url: str) -> str | None:
        """The call kind if ``url`` names a model endpoint, else None."""
        low = url.lower()
        on_path = any(p.lower() in low for p in self.endpoint_paths)
        if not on_path:
            if not any(h in low for h in self.endpoint_hosts):
                return None
            path = low.split("://", 1)[-1].partition("/")[2].split("?", 1)[0]
            full = ("/" + path).rstrip("/")
            if any(full.endswith(x[:-1]) if x.endswith("$") else (full.endswith(x) or f"{x}/" in full + "/")
                   for x in self.non_model_paths):
                return None  # a model host, but an account, key, listing or file endpoint
        for kind, marks in self.endpoint_kinds.items():
            if any(m.lower() in low for m in marks):
                return kind
        return "chat"

    # ----- secrets ------------------------------------------------------------------------
    def is_placeholder(self, value: str, prefix_len: int) -> bool:
        low = value.lower()
        if any(p in low for p in self.placeholders):
            return True
        body = value[prefix_len:]
        if not body:
            return True
        counts = Counter(body)
        entropy = -sum(n / len(body) * math.log2(n / len(body)) for n in counts.values())
        return entropy < self.min_entropy


def _package_word(module: str, single_family_roots: frozenset) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] not in single_family_roots else parts[0]


def _modules_only(dotted: str) -> bool:
    """Every part looks like a module (lower case or private), none like a class."""
    return all(p[:1].islower() or p[:1] == "_" for p in dotted.split("."))


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog()
