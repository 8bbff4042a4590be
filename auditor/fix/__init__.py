"""Fixes: codemods that resolve findings, planned from what the scan already knows.

One module per fixable check, named like the check's module in ``auditor/checks/`` (``timeout.py`` fixes
what ``checks/timeout.py`` finds), each a function ``plan(finding, ctx) -> (message, edits, decided)`` or
None when there is no clean mechanical fix for that finding. ``decided`` says the configuration gave the
value written (``[tool.llm-audit.fix]``), which makes an unsafe fix safe. Shared machinery:

- ``source.FileIndex``: a file read with the stdlib ``ast`` (positions as character offsets, imports);
- ``cst``: the libcst rewrites of one expression, imported only when a fix is computed;
- ``settings``: writing a timeout, retry count or token cap in an SDK's own spelling (``rules/providers.yaml``);
- ``runner``: repeated passes until nothing is left to fix, conflicts deferred to the next pass;
- ``writer``: atomic writes that refuse a file changed on disk since it was read.

Nothing here imports libcst at module level: a scan whose findings have no fix never loads it.
"""

from __future__ import annotations

import importlib
import warnings

from auditor.fix.edits import Edit, Fix

__all__ = ["Context", "Edit", "Fix", "attach"]


class Context:
    """What a planner may look at: the report (its resolved calls and project), the configuration, the
    catalogue, and the files it may edit (audited Python files that parse and compile)."""

    def __init__(self, report, config, plan_only: bool = False):
        from auditor.catalog import catalog

        self.report = report
        self.config = config
        self.cat = catalog()
        self.project = report.project
        self.plan_only = plan_only
        self._index: dict = {}

    def editable(self, path: str) -> bool:
        src = self.report.sources.get(path)
        if src is None or src.text is None or not path.endswith((".py", ".pyi")):
            return False
        return self.report.only is None or path in self.report.only

    def index(self, path: str | None):
        """The FileIndex of an editable file, or None (not audited, not Python, or not compiling)."""
        if path is None or not self.editable(path):
            return None
        if path not in self._index:
            from auditor.fix.source import FileIndex

            try:
                self._index[path] = FileIndex(path, self.report.sources[path].text, dry=self.plan_only)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._index[path] = None
        return self._index[path]


def attach(report, config, unsafe: bool = False, plan_only: bool = False) -> None:
    """Plan a fix for every active finding of a fixable check and set ``finding.fix``. With ``plan_only``
    (console output: only whether there is a fix, and how safe) the edits are not computed, so libcst is
    not loaded; the decision is the same."""
    from auditor.catalog import catalog

    cat = catalog()
    report.unsafe_fixes = unsafe
    ctx = None
    for f in report.findings:
        f.fix = None
        meta = cat.checks.get(f.rule_id)
        if meta is None or not meta.fixable:
            continue
        base = config.fix.safety(meta.id, meta.name, meta.category, meta.fix_safety or "unsafe")
        if base is None:  # unfixable in the configuration
            continue
        ctx = ctx or Context(report, config, plan_only)
        module = importlib.import_module(f"auditor.fix.{meta.module}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                planned = module.plan(f, ctx)
        except RecursionError:
            planned = None
        except Exception as exc:  # noqa: BLE001 - one planner's bug costs that fix, not the report
            report.fix_notes.append((f.path, f"internal error planning the {f.rule_id} fix at line {f.line} "
                                             f"({type(exc).__name__}: {exc}); please report it"))
            planned = None
        if not planned:
            continue
        message, edits, decided = planned
        edits = tuple(e for e in edits if e is not None)
        if not edits:
            continue
        if plan_only:
            edits = ()  # planned (settings.PLANNED): not computed
        applicability = base
        if base == "unsafe" and decided:
            applicability = config.fix.safety(meta.id, meta.name, meta.category, "safe")
        f.fix = Fix(f.rule_id, applicability, message, edits)
