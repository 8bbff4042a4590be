"""Reporters: each a function of the same Report object; none recomputes anything."""

from __future__ import annotations

FORMATS = ("console", "json")


def render(fmt: str, report, **opts) -> str:
    if fmt == "json":
        from auditor.reporters.json_format import render as r
    else:
        from auditor.reporters.console import render as r
    return r(report, **opts)
