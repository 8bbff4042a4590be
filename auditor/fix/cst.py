"""The libcst side of the fixer: rewrite one expression of a file, keeping its formatting.

Only the expression a fix changes is handed to libcst (parsed on its own, wrapped in parentheses), so
libcst runs only on the files that have something to fix and only over the code it rewrites; the rest
of the file is never re-generated. The rewritten expression's text is compared with the original and
the edit is cut down to the part that differs (``source.FileIndex.edit``).

The operations keep the layout they find: a keyword added to a call written one argument per line goes
on its own line with the same indentation, a trailing comma stays a trailing comma, and a comment after
the last argument stays on that argument's line.
"""

from __future__ import annotations

import ast
from typing import Callable

import libcst as cst

_MODULES: dict = {}  # newline -> an empty module that generates code with it
PARSED: set = set()  # paths of the files libcst parsed code of (a test checks: only files with a fix)


class CannotFix(Exception):
    """The expression is not in a shape the fix can rewrite safely."""


def code(node: cst.CSTNode, newline: str = "\n") -> str:
    if newline not in _MODULES:
        _MODULES[newline] = cst.Module(body=[], default_newline=newline)
    return _MODULES[newline].code_for_node(node)


def _config(newline: str):
    return cst.PartialParserConfig(default_newline=newline)


def expr(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def rewrite(idx, node: ast.AST, fn: Callable[[cst.BaseExpression], cst.BaseExpression]):
    """The edit that replaces ``node`` (an ``ast`` node of ``idx``'s file) by ``fn(its CST)``, or None when
    the expression cannot be parsed on its own or ``fn`` raises ``CannotFix``."""
    start, end = idx.span(node)
    snippet = idx.text[start:end]
    PARSED.add(idx.path)
    nl = idx.newline
    try:
        tree = cst.parse_expression("(" + snippet + ")", config=_config(nl))
    except cst.ParserSyntaxError:
        return None
    if code(tree, nl) != "(" + snippet + ")":
        return None  # libcst does not give the text back as it was (mixed line endings): do not touch it
    try:
        new = fn(tree)
    except CannotFix:
        return None
    text = code(new, nl)
    if not (text.startswith("(") and text.endswith(")")):
        return None
    return idx.edit(start, end, text[1:-1])


def rewrite_statement(idx, node: ast.stmt, fn: Callable[[cst.CSTNode], cst.CSTNode]):
    """The same for a simple statement standing on its own lines (an import)."""
    start, end = idx.span(node)
    snippet = idx.text[start:end]
    PARSED.add(idx.path)
    nl = idx.newline
    try:
        tree = cst.parse_statement(snippet + nl, config=_config(nl))
    except cst.ParserSyntaxError:
        return None
    if code(tree, nl) != snippet + nl:
        return None
    try:
        new = fn(tree)
    except CannotFix:
        return None
    text = code(new, nl)
    if not text.endswith(nl):
        return None
    return idx.edit(start, end, text[: -len(nl)])


# ----- reading ------------------------------------------------------------------------------------


def string_value(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            v = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal is simply not a key
            return None
        return v if isinstance(v, str) else None
    return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def element(d: cst.Dict, key: str) -> cst.DictElement | None:
    return next((e for e in d.elements if isinstance(e, cst.DictElement) and string_value(e.key) == key), None)


def has_star_star(call: cst.Call) -> bool:
    return any(a.star == "**" for a in call.args)


# ----- layout -------------------------------------------------------------------------------------


def _break(pw: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    """A line break with ``pw``'s indentation and no comment."""
    return cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[], indent=pw.indent,
                                       last_line=pw.last_line)


def _is_break(ws) -> bool:
    return isinstance(ws, cst.ParenthesizedWhitespace)


class _Seq:
    """Uniform access to the items of a call's arguments or a dict's elements, with the whitespace after
    the opening bracket and before the closing one."""

    def __init__(self, node):
        self.node = node
        self.is_call = isinstance(node, cst.Call)
        self.items = list(node.args if self.is_call else node.elements)

    @property
    def opening(self):
        return self.node.whitespace_before_args if self.is_call else self.node.lbrace.whitespace_after

    def closing(self, last) -> object:
        """Whitespace before the closing bracket when ``last`` has no trailing comma."""
        return last.whitespace_after_arg if self.is_call else self.node.rbrace.whitespace_before

    def with_items(self, items):
        return self.node.with_changes(args=items) if self.is_call else self.node.with_changes(elements=items)


def append(node, item):
    """``node`` (a Call or a Dict) with ``item`` (an Arg or a DictElement) added last, in its layout."""
    seq = _Seq(node)
    items = seq.items
    if not items:
        if seq.is_call:
            return node.with_changes(args=[item])
        return node.with_changes(elements=[item])
    last = items[-1]
    sep = None  # the whitespace between two items
    if _is_break(seq.opening):
        sep = _break(seq.opening)
    else:
        for prev in items[:-1]:
            if isinstance(prev.comma, cst.Comma) and _is_break(prev.comma.whitespace_after):
                sep = _break(prev.comma.whitespace_after)
                break
    if not seq.is_call:
        return _append_to_dict(node, items, last, item, sep)
    if isinstance(last.comma, cst.Comma):
        # a trailing comma: the new item takes it over; the comma after the old last item keeps its
        # comment and now breaks to the items' indentation
        ws = last.comma.whitespace_after
        if _is_break(ws):
            if sep is None:
                raise CannotFix("no indentation to copy")
            new_last = last.with_changes(comma=last.comma.with_changes(
                whitespace_after=ws.with_changes(last_line=sep.last_line, indent=sep.indent)))
            new_item = item.with_changes(comma=cst.Comma(whitespace_after=_break(ws)))
        else:
            new_last = last.with_changes(comma=last.comma.with_changes(whitespace_after=cst.SimpleWhitespace(" ")))
            new_item = item.with_changes(comma=last.comma)
        return seq.with_items(items[:-1] + [new_last, new_item])
    closing = seq.closing(last)
    if _is_break(closing):
        # one item per line, no trailing comma: break after a new comma, keep the comment on its line
        if sep is None:
            raise CannotFix("no indentation to copy")
        comma = cst.Comma(whitespace_after=closing.with_changes(last_line=sep.last_line, indent=sep.indent))
        new_last = last.with_changes(comma=comma, whitespace_after_arg=cst.SimpleWhitespace(""))
        new_item = item.with_changes(whitespace_after_arg=_break(closing))
        return seq.with_items(items[:-1] + [new_last, new_item])
    new_last = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                                 whitespace_after_arg=cst.SimpleWhitespace(""))
    return seq.with_items(items[:-1] + [new_last, item.with_changes(whitespace_after_arg=closing)])


def _append_to_dict(node: cst.Dict, items: list, last, item, sep):
    """A dict keeps the whitespace before ``}`` on the brace, trailing comma or not."""
    closing = node.rbrace.whitespace_before
    trailing = isinstance(last.comma, cst.Comma)
    if _is_break(closing):
        if sep is None:
            raise CannotFix("no indentation to copy")
        # the old last item's line keeps its comment; the new item goes on its own line
        before = last.comma.whitespace_after.value if trailing and isinstance(
            last.comma.whitespace_after, cst.SimpleWhitespace) else ""
        first = closing.first_line.with_changes(
            whitespace=cst.SimpleWhitespace(before + closing.first_line.whitespace.value))
        brk = closing.with_changes(first_line=first, last_line=sep.last_line, indent=sep.indent)
        base = last.comma if trailing else cst.Comma()
        new_last = last.with_changes(comma=base.with_changes(whitespace_after=brk))
        new_item = item.with_changes(comma=cst.Comma()) if trailing else item
        return node.with_changes(elements=items[:-1] + [new_last, new_item],
                                 rbrace=node.rbrace.with_changes(whitespace_before=_break(closing)))
    if trailing:
        new_last = last.with_changes(comma=last.comma.with_changes(whitespace_after=cst.SimpleWhitespace(" ")))
        return node.with_changes(elements=items[:-1] + [new_last, item.with_changes(comma=last.comma)])
    new_last = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return node.with_changes(elements=items[:-1] + [new_last, item])


def new_keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(name),
                   equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                         whitespace_after=cst.SimpleWhitespace("")))


def new_element(key: str, value: cst.BaseExpression, like: cst.Dict | None = None) -> cst.DictElement:
    quote = '"'
    if like is not None:
        first = next((e.key for e in like.elements if isinstance(e, cst.DictElement)
                      and isinstance(e.key, cst.SimpleString)), None)
        if first is not None and first.value[-1:] == "'":
            quote = "'"
    return cst.DictElement(key=cst.SimpleString(f"{quote}{key}{quote}"), value=value)


# ----- writing a setting at a dotted path ----------------------------------------------------------


def set_path(node: cst.BaseExpression, path: list[str], value: cst.BaseExpression,
             make: Callable[[tuple, str, cst.BaseExpression], cst.BaseExpression],
             enter: Callable[[tuple, cst.Call], bool] = lambda _p, _c: False, prefix: tuple = ()):
    """``node`` (a call, or a dict) with ``path`` set to ``value``: a keyword, then a key of the mapping or a
    keyword of the object passed there. A missing container is built by ``make(its path, key, inner)``; an
    object already passed is written into only when ``enter(its path, call)`` says it is that kind of
    object (``Config(...)``, not ``self._build_config()``). Raises CannotFix when the setting is already
    there or a container cannot be read (a variable, a call of something else)."""
    head, rest = path[0], path[1:]
    here = prefix + (head,)
    if isinstance(node, cst.Call):
        if prefix and not enter(prefix, node):
            raise CannotFix("the value passed there is not a settings object")
        if has_star_star(node):
            raise CannotFix("**mapping: a keyword added could be given twice")
        arg = keyword(node, head)
        if arg is None:
            return append(node, new_keyword(head, _build(here, rest, value, make)))
        if not rest:
            raise CannotFix("already set")
        new_value = set_path(arg.value, rest, value, make, enter, here)
        return node.with_changes(args=[a.with_changes(value=new_value) if a is arg else a for a in node.args])
    if isinstance(node, cst.Dict):
        if any(isinstance(e, cst.StarredDictElement) for e in node.elements):
            raise CannotFix("**mapping in a dict")
        el = element(node, head)
        if el is None:
            return append(node, new_element(head, _build(here, rest, value, make), node))
        if not rest:
            raise CannotFix("already set")
        new_value = set_path(el.value, rest, value, make, enter, here)
        return node.with_changes(elements=[e.with_changes(value=new_value) if e is el else e for e in node.elements])
    raise CannotFix(f"cannot write into {type(node).__name__}")


def _build(container: tuple, rest: list[str], value, make):
    """The value written at ``container`` when it is missing: ``rest`` set to ``value`` inside new containers."""
    if not rest:
        return value
    return make(container, rest[0], _build(container + (rest[0],), rest[1:], value, make))


def replace_at(node: cst.BaseExpression, path: list[str], test: Callable[[cst.BaseExpression], bool],
               value: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` with the value at ``path`` replaced by ``value``, when ``test`` accepts the current value."""
    head, rest = path[0], path[1:]
    if isinstance(node, cst.Call):
        arg = keyword(node, head)
        if arg is None:
            raise CannotFix("not set here")
        new_value = value if not rest else replace_at(arg.value, rest, test, value)
        if not rest and not test(arg.value):
            raise CannotFix("not the value to replace")
        return node.with_changes(args=[a.with_changes(value=new_value) if a is arg else a for a in node.args])
    if isinstance(node, cst.Dict):
        el = element(node, head)
        if el is None:
            raise CannotFix("not set here")
        new_value = value if not rest else replace_at(el.value, rest, test, value)
        if not rest and not test(el.value):
            raise CannotFix("not the value to replace")
        return node.with_changes(elements=[e.with_changes(value=new_value) if e is el else e for e in node.elements])
    raise CannotFix(f"cannot look into {type(node).__name__}")


def is_none(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def is_zero(node) -> bool:
    return (isinstance(node, cst.Integer) and node.evaluated_value == 0) or (
        isinstance(node, cst.Name) and node.value == "False")
