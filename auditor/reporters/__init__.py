"""Reporters: each a function of the same Report object; none recomputes anything."""

from __future__ import annotations

import importlib

_MODULES = {
    "console": "console",
    "json": "json_format",
    "json-lines": "json_lines",
    "sarif": "sarif",
    "github": "github",
    "markdown": "markdown",
    "junit": "junit",
}
FORMATS = tuple(_MODULES)


def render(fmt: str, report, **opts) -> str:
    module = importlib.import_module(f"auditor.reporters.{_MODULES.get(fmt, 'console')}")
    return module.render(report, **opts)
