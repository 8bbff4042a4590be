"""LLM110 fix: a fixed wait between retries becomes exponential backoff with jitter, in the same library.

- tenacity: ``wait=wait_fixed(2)`` becomes ``wait=wait_random_exponential(multiplier=2, max=60)`` (the
  fixed wait is the first window, doubling up to ``max-wait``), the name imported next to the existing
  tenacity import (``tenacity.wait_fixed`` becomes ``tenacity.wait_random_exponential``);
- a retry loop ``for attempt in range(n)`` that sleeps a constant: ``time.sleep(2)`` becomes
  ``time.sleep(random.uniform(0, min(60, 2 * 2 ** attempt)))`` (``asyncio.sleep`` alike), with
  ``import random`` added when missing.

Only when the wait is the whole problem: a retry that also retries every exception (no ``retry=``
predicate, ``except Exception``) is left to the author, who must say which errors are transient.
``while`` loops (no attempt counter) are not fixed either.
"""

from __future__ import annotations

import ast

from auditor.checks import harmful_retry as check
from auditor.fix import settings

TENACITY_RETRY = {"tenacity.retry", "tenacity.asyncio.retry"}


def plan(finding, ctx):
    call = finding.origin
    if call is None:
        return None
    idx = ctx.index(finding.path)
    if idx is None:
        return None
    fc = ctx.config.fix
    max_wait = settings.number(fc.max_wait if fc.max_wait is not None else fc.DEFAULT_MAX_WAIT)
    decided = fc.max_wait is not None
    for node in ast.walk(idx.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if dec.lineno == finding.line:
                    got = _decorator(idx, dec, max_wait)
                    if got:
                        return got[0], got[1], decided
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and node.lineno == finding.line:
            if _broad_loop(call, ctx):
                return None
            got = _loop(idx, node, max_wait)
            if got:
                return got[0], got[1], decided
    return None


def _decorator(idx, dec, max_wait):
    if not isinstance(dec, ast.Call) or idx.qualname(dec.func) not in TENACITY_RETRY:
        return None
    kwargs = {k.arg: k.value for k in dec.keywords if k.arg}
    if "retry" not in kwargs:
        return None  # it also retries every exception: which errors are transient is the author's call
    wait = kwargs.get("wait")
    if not (isinstance(wait, ast.Call) and idx.qualname(wait.func) == "tenacity.wait_fixed"
            and len(wait.args) + len(wait.keywords) == 1):
        return None
    first = wait.args[0] if wait.args else wait.keywords[0].value
    imports = []
    if isinstance(wait.func, ast.Attribute):  # tenacity.wait_fixed -> tenacity.wait_random_exponential
        fn = idx.text[slice(*idx.span(wait.func.value))] + ".wait_random_exponential"
    else:
        fn, imports = _tenacity_name(idx, "wait_random_exponential")
        if fn is None:
            return None
    arg = idx.text[slice(*idx.span(first))]
    edit = idx.edit(*idx.span(wait), f"{fn}(multiplier={arg}, max={max_wait})")
    return (f"wait with exponential backoff and jitter (wait_random_exponential, up to {max_wait} s)",
            [edit] + imports)


def _tenacity_name(idx, name: str):
    """``name`` from tenacity: an existing binding, else added to the file's ``from tenacity import ...``,
    else a new import line."""
    q = f"tenacity.{name}"
    bound = next((n for n, v in idx.bindings.items() if v == q), None)
    if bound is not None:
        return bound, []
    if idx.name_free(name, q):
        for stmt in idx.tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "tenacity" and not stmt.level \
                    and all(a.name != "*" for a in stmt.names):
                edit = _add_alias(idx, stmt, name)
                if edit is not None:
                    return name, [edit]
    got = idx.existing_reference(q)
    if got is not None:
        return got, []
    return idx.reference(q) if idx.name_free(name, q) else (None, [])


def _add_alias(idx, stmt, name: str):
    if idx.dry:
        return settings.PLANNED
    from auditor.fix import cst as c

    def change(tree):
        imp = tree.body[0]
        if not isinstance(imp, c.cst.ImportFrom) or isinstance(imp.names, c.cst.ImportStar):
            raise c.CannotFix("not a plain from-import")
        node = imp.with_changes(names=list(imp.names))
        new = _append_alias(node, name)
        return tree.with_changes(body=[new])

    return c.rewrite_statement(idx, stmt, change)


def _append_alias(imp, name: str):
    """``from m import a, b`` with ``name`` added last, in the statement's layout."""
    from auditor.fix import cst as c

    names = list(imp.names)
    last = names[-1]
    alias = c.cst.ImportAlias(name=c.cst.Name(name))
    if isinstance(last.comma, c.cst.Comma):  # parenthesised with a trailing comma
        ws = last.comma.whitespace_after
        sep = names[-2].comma.whitespace_after if len(names) > 1 else ws
        return imp.with_changes(names=names[:-1] + [last.with_changes(comma=last.comma.with_changes(
            whitespace_after=sep)), alias.with_changes(comma=last.comma)])
    if imp.lpar is not None and len(names) > 1 and isinstance(names[-2].comma, c.cst.Comma):
        return imp.with_changes(names=names[:-1] + [last.with_changes(comma=names[-2].comma), alias])
    return imp.with_changes(names=names[:-1] + [last.with_changes(
        comma=c.cst.Comma(whitespace_after=c.cst.SimpleWhitespace(" "))), alias])


def _broad_loop(call, ctx) -> bool:
    """The retry loop around the call also catches every exception: not only a wait problem."""
    loop = None
    for c in call.ctx:
        if c[0] == "loop" and c[2]:
            loop = c
        elif c[0] == "try" and loop is not None and any(not r for _t, r, _l in c[1]):
            return any(not r and check._broad(ctx.project, call.path, call.scope, t) for t, r, _l in c[1])
    return True


def _loop(idx, loop, max_wait):
    if not isinstance(loop, (ast.For, ast.AsyncFor)) or not isinstance(loop.target, ast.Name):
        return None
    var = loop.target.id
    sleeps = []
    stack = list(loop.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(n, ast.Call):
            f = n.func
            last = f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else "")
            if last == "sleep" and len(n.args) == 1 and not n.keywords:
                sleeps.append(n)
        stack.extend(ast.iter_child_nodes(n))
    if not sleeps or not all(_constant(a.args[0]) for a in sleeps):
        return None
    edits = []
    target = var
    func = idx.enclosing_function(loop)
    if var == "_":
        if _name_used(func or idx.tree, "attempt"):
            return None
        target = "attempt"
        edits.append(idx.edit(*idx.span(loop.target), target))
    rnd, imports = idx.module_reference("random")
    if rnd is None:
        return None
    for s in sleeps:
        arg = idx.text[slice(*idx.span(s.args[0]))]
        edits.append(idx.edit(*idx.span(s.args[0]),
                              f"{rnd}.uniform(0, min({max_wait}, {arg} * 2 ** {target}))"))
    return (f"back off exponentially with jitter between attempts (up to {max_wait} s)", edits + imports)


def _name_used(scope, name: str) -> bool:
    return any((isinstance(n, ast.Name) and n.id == name) or (isinstance(n, ast.arg) and n.arg == name)
               for n in ast.walk(scope))


def _constant(node) -> bool:
    return isinstance(node, ast.Constant) or (isinstance(node, ast.Name) and node.id.isupper()) or (
        isinstance(node, ast.Attribute) and node.attr.isupper())

