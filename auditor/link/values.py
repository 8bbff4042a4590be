"""The values resolution works with, and the resolved call it produces.

Resolution turns an IR expression (see ``auditor.facts``) into a short list of candidate values: a
name outside the project (``Ext``), a project module, function, class or instance, an SDK client with
the settings it was built with (``ClientV``), a path of attributes below a client (``PathV``), a
mapping, a constant, or ``Unknown`` when the value cannot be followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.catalog import ClientSpec, FuncSpec

MAX_DEPTH = 30
MAX_VALUES = 8


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
    late: bool = False  # ``self`` inside the class's own methods: an instance of it or of any subclass


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
    col: int = 0  # 1-based (UTF-8 byte) column of the constructor call at `line`, 0 when unknown

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


def _is_unset(v) -> bool:
    if isinstance(v, ConstV) and v.value is None:
        return True
    if isinstance(v, Ext) and v.q.rsplit(".", 1)[-1] in ("NOT_GIVEN", "NotGiven", "not_given", "omit", "USE_CLIENT_DEFAULT"):
        return True
    return isinstance(v, InstV)  # a project sentinel object standing for "not given"


NO_RETURN = Opaque("no return value")  # what calling a function without a return statement gives


def is_void(v) -> bool:
    """None, or the result of a function that returns nothing (a stub): never the object that is used."""
    return (isinstance(v, ConstV) and v.value is None) or v == NO_RETURN
