"""Project-wide resolution: from per-file facts to *resolved model calls*.

A resolved call knows its provider, API and kind, and the settings that really reach it (timeout,
retries, token cap, model) with the location each came from: the call's own keywords, the client
constructor (in this file or another module), ``with_options(...)``, an ``http_client``, or a module
setting such as ``openai.timeout = 20``.

Resolution follows the code as written: imports and aliases, module-level and local bindings,
``self.x`` attributes set in any method (and inherited from project base classes), factory
functions and methods, properties, bound methods stored in variables, ``with ... as`` targets and
annotations. Nothing here knows about checks.

The resolver is split by concern, one module each: ``index`` (module index, name lookup, call sites),
``evaluate`` (what an expression can be), ``clients`` (SDK clients and their settings), ``arguments``
(call keywords, ``**mappings``, arguments from callers), ``retries`` (retries around a call) and
``calls`` (from a call site to a resolved model call). ``Project`` puts the first four together.
"""

from __future__ import annotations

from auditor.link.arguments import Arguments
from auditor.link.calls import resolve_calls
from auditor.link.clients import Clients
from auditor.link.evaluate import Evaluator
from auditor.link.index import ModuleIndex
from auditor.link.values import (
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
    ResolvedCall,
    Setting,
    StrV,
    Unknown,
)


class Project(ModuleIndex, Evaluator, Clients, Arguments):
    """All files of one scan; facts are loaded on demand through ``load``."""


__all__ = ["Project", "resolve_calls", "ClientV", "ClsV", "ConstV", "DictV", "Ext", "FuncV", "InstV", "ModV",
           "Opaque", "PathV", "ResolvedCall", "Setting", "StrV", "Unknown"]
