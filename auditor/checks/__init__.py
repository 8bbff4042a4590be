"""Checks: one module each, carrying its user documentation next to its logic.

A call check is a function ``check(call, project) -> iterable of (message, fix_location, related)``
over one resolved model call. A file check (secrets) works on the text of any file. Identity,
category and default severity come from ``rules/checks.yaml``; the module's docstring is the
rule's documentation (What it finds / Why it matters / Example / Fix).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from auditor.catalog import Catalog, CheckMeta


@dataclass
class Check:
    meta: CheckMeta
    module: ModuleType

    @property
    def doc(self) -> str:
        return (self.module.__doc__ or "").strip()

    @property
    def scope(self) -> str:
        return getattr(self.module, "SCOPE", "call")


def load_checks(cat: Catalog) -> dict[str, Check]:
    out = {}
    for cid, meta in cat.checks.items():
        mod = importlib.import_module(f"auditor.checks.{meta.module}")
        out[cid] = Check(meta, mod)
    return out
