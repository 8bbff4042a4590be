"""One file the fixer edits, read with the stdlib ``ast``: where its nodes are (as character offsets into
the text the scan read), which names its imports bind, and where a new import goes.

Positions: ``ast`` gives 1-based lines and UTF-8 byte columns; edits are made on the decoded text, so
every position is converted to a character offset once, here. Lines end at ``\\n``, ``\\r\\n`` or ``\\r``,
as Python counts them.
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings

from auditor.fix.edits import Edit

_NEWLINE = re.compile(r"\r\n|\r|\n")
_BUILTINS = frozenset(dir(builtins))


class FileIndex:
    """``dry``: the index of a planning-only pass (is there a fix, how safe): settings are checked on the
    ``ast`` and no edit is computed, so libcst is never loaded."""

    def __init__(self, path: str, text: str, dry: bool = False):
        self.path = path
        self.text = text
        self.dry = dry
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tree = ast.parse(text, filename=path)  # a file with a syntax error is never touched
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        first = _NEWLINE.search(text)
        self.newline = first.group(0) if first else "\n"
        self._calls: dict[int, list] = {}
        self._parents: dict = {}
        self.bindings, self.bound = _bindings(self.tree, self._parents, self._calls)

    # ----- positions --------------------------------------------------------------------------
    def offset(self, line: int, byte_col: int) -> int:
        """Character offset of an ``ast`` position (1-based line, 0-based UTF-8 byte column)."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return start + len(self.text[start:end].encode("utf-8")[:byte_col].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and character column of ``offset``."""
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.starts[lo] + 1

    def edit(self, start: int, end: int, new: str) -> Edit | None:
        """The edit replacing ``text[start:end]`` by ``new``, cut down to the part that differs (None when
        nothing does)."""
        old = self.text[start:end]
        if old == new:
            return None
        p = 0
        while p < len(old) and p < len(new) and old[p] == new[p]:
            p += 1
        s = 0
        while s < len(old) - p and s < len(new) - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
            s += 1
        a, b = start + p, end - s
        return self.make_edit(a, b, new[p:len(new) - s])

    def make_edit(self, start: int, end: int, text: str) -> Edit:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Edit(self.path, start, end, text, line, col, end_line, end_col)

    # ----- nodes ------------------------------------------------------------------------------
    def parent(self, node: ast.AST):
        return self._parents.get(node)

    def calls_on(self, line: int) -> list:
        return list(self._calls.get(line, ()))

    def call_at(self, line: int, byte_col: int) -> ast.Call | None:
        """The call starting at an ``ast`` position (``byte_col`` 1-based, as the facts record it)."""
        for c in self._calls.get(line, ()):
            if c.col_offset == byte_col - 1:
                return c
        return None

    def call_at_char(self, line: int, char_col: int) -> ast.Call | None:
        """The call starting at a report position (1-based character column)."""
        for c in self._calls.get(line, ()):
            if self.offset(c.lineno, c.col_offset) - self.starts[line - 1] == char_col - 1:
                return c
        return None

    def qualname(self, node: ast.AST) -> str | None:
        """What a callee names through the module's imports: ``Config`` -> ``botocore.config.Config``."""
        if isinstance(node, ast.Name):
            return self.bindings.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def qualname_text(self, dotted: str) -> str | None:
        """``qualname`` of a dotted name written as text (``types.HttpOptions``)."""
        head, _, rest = dotted.strip().partition(".")
        base = self.bindings.get(head)
        if base is None:
            return None
        return f"{base}.{rest}" if rest else base

    def enclosing_function(self, node: ast.AST):
        p = self.parent(node)
        while p is not None and not isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            p = self.parent(p)
        return p

    # ----- imports ----------------------------------------------------------------------------
    def import_point(self) -> int:
        """Where a new top-level import goes: after the imports at the head of the module (after the
        docstring and ``from __future__`` imports when there are none), else after the leading comments
        (a shebang or an encoding cookie must stay first)."""
        body = self.tree.body
        after = None
        for i, stmt in enumerate(body):
            if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
                    and isinstance(stmt.value.value, str):
                after = stmt
                continue
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                after = stmt
                continue
            break
        if after is not None:
            line = after.end_lineno
            return self.starts[line] if line < len(self.starts) else len(self.text)
        line = 0
        lines = self.text.splitlines(keepends=True)
        while line < len(lines) and (lines[line].lstrip().startswith("#") or not lines[line].strip()):
            if not lines[line].strip() and line > 0:
                break
            line += 1
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def add_import_line(self, statement: str) -> Edit:
        at = self.import_point()
        text = statement + self.newline
        if at == len(self.text) and self.text and not self.text.endswith(("\n", "\r")):
            text = self.newline + statement + self.newline
        return self.make_edit(at, at, text)

    def name_free(self, name: str, qualified: str | None = None) -> bool:
        """``name`` may be bound at the top of the module to ``qualified``: nothing else binds it anywhere."""
        got = self.bound.get(name)
        if got == set():  # read, never bound: a builtin stays itself, anything else is a NameError today
            return name not in _BUILTINS
        return got is None or (qualified is not None and got == {qualified})

    def existing_reference(self, qualified: str) -> str | None:
        """A name this file already has for ``qualified`` (or for its module), else None."""
        for name, q in self.bindings.items():
            if q == qualified:
                return name
        module, _, leaf = qualified.rpartition(".")
        for name, q in self.bindings.items():
            if q == module:
                return f"{name}.{leaf}"
        return None

    def reference(self, qualified: str) -> tuple[str | None, list]:
        """A way to write ``qualified`` (``pkg.mod.Name``) in this file and the import edits it needs:
        an existing import of it or of its module, else a new ``from pkg.mod import Name`` when that name
        is free, else ``import pkg.mod`` when ``pkg`` is free. (None, []) when there is no clean way."""
        for name, q in self.bindings.items():
            if q == qualified:
                return name, []
        module, _, leaf = qualified.rpartition(".")
        for name, q in self.bindings.items():
            if q == module:
                return f"{name}.{leaf}", []
        if self.name_free(leaf, qualified):
            return leaf, [self.add_import_line(f"from {module} import {leaf}")]
        root = module.split(".", 1)[0]
        if self.name_free(root, root):
            return qualified, [self.add_import_line(f"import {module}")]
        return None, []

    def module_reference(self, module: str) -> tuple[str | None, list]:
        """A name for module ``module`` (``os``): an existing ``import os``, else a new one when ``os`` is free."""
        for name, q in self.bindings.items():
            if q == module:
                return name, []
        if "." not in module and self.name_free(module, module):
            return module, [self.add_import_line(f"import {module}")]
        return None, []


def _bindings(tree: ast.Module, parents: dict, calls: dict) -> tuple[dict, dict]:
    """(top-level import bindings: name -> qualified name, every binding anywhere: name -> set of what it is:
    the qualified name of an import, or "" for anything else). The same walk fills ``parents`` (node ->
    parent) and ``calls`` (line -> calls starting there)."""
    top: dict = {}
    bound: dict = {}

    def note(name: str, what: str) -> None:
        bound.setdefault(name, set()).add(what)

    def imports(stmt, into: dict | None) -> None:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.asname:
                    q, name = a.name, a.asname
                else:
                    q = name = a.name.split(".", 1)[0]
                note(name, q)
                if into is not None:
                    into[name] = q
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level or not stmt.module:
                for a in stmt.names:
                    note(a.asname or a.name, "")
                return
            for a in stmt.names:
                if a.name == "*":
                    note("*", "")
                    continue
                name = a.asname or a.name
                q = f"{stmt.module}.{a.name}"
                note(name, q)
                if into is not None:
                    into[name] = q

    def top_level(stmts) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                imports(stmt, top)
            elif isinstance(stmt, (ast.If, ast.Try)) and not (
                    isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.dump(stmt.test)):
                top_level(stmt.body)
                for h in getattr(stmt, "handlers", ()):
                    top_level(h.body)
                top_level(getattr(stmt, "orelse", ()))

    top_level(tree.body)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
        if isinstance(node, ast.Call):
            calls.setdefault(node.lineno, []).append(node)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports(node, None)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            note(node.id, "")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            note(node.name, "")
        elif isinstance(node, ast.arg):
            note(node.arg, "")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for n in node.names:
                note(n, "")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            note(node.name, "")
        elif isinstance(node, ast.alias):
            pass
        elif isinstance(node, ast.Name) and node.id not in bound:
            bound.setdefault(node.id, set())  # read but never bound here (a builtin): keep it
        elif isinstance(node, ast.MatchAs) and node.name:
            note(node.name, "")
    return top, {k: v for k, v in bound.items()}
