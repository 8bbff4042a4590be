"""LLM001 fix: remove a suppression that does nothing.

A ``# llm-audit: ignore[...]`` whose every rule is stale (or a bare one with nothing to suppress) goes,
with the space before it, or the whole line when the comment stood alone; a comment around it (``# noqa``
after it, a note before it) stays. When only some of its rules are stale, only those are taken out of the
brackets. Safe: a comment that suppresses nothing does nothing.
"""

from __future__ import annotations

import io
import tokenize

from auditor.checks.suppression import _RX


def plan(finding, ctx):
    if not isinstance(finding.origin, tuple):
        return None
    sup, stale = finding.origin
    idx = ctx.index(finding.path)
    if idx is None:
        return None
    tok = _comment(idx.text, sup.line, sup.column - 1)
    if tok is None:
        return None
    comment = tok.string
    m = _RX.search(comment)
    if m is None:
        return None
    line_start = idx.starts[sup.line - 1]
    c_start = line_start + len(tok.line[: tok.start[1]])
    if sup.ids and any(t not in stale for t in sup.ids):
        # keep the rules that still suppress something
        kept = [t for t in sup.ids if t not in stale]
        open_, close = comment.index("[", m.start()), comment.index("]", m.start())
        return ("remove the stale rule ids from the suppression",
                [idx.edit(c_start + open_ + 1, c_start + close, ", ".join(kept))], True)
    # the whole directive: up to the next comment marker after it, if any
    end = m.end()
    nxt = comment.find("#", m.start() + 1)
    if nxt != -1 and nxt < len(comment):
        end = nxt
    before, after = comment[: m.start()].rstrip(), comment[end:]
    if not before and not after.strip():
        # the comment is only the directive: drop it and the spaces before it (or the whole line)
        text_before = tok.line[: tok.start[1]]
        line_end = idx.starts[sup.line] if sup.line < len(idx.starts) else len(idx.text)
        if not text_before.strip():
            return "remove the unused suppression comment", [idx.edit(line_start, line_end, "")], True
        start = c_start - (len(text_before) - len(text_before.rstrip()))
        return "remove the unused suppression comment", [idx.edit(start, c_start + len(comment), "")], True
    if not before:
        return "remove the unused suppression", [idx.edit(c_start, c_start + end, "")], True
    cut_from = len(before)
    return "remove the unused suppression", [idx.edit(c_start + cut_from, c_start + end, "" if not after else " ")], True


def _comment(text: str, line: int, col: int):
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and tok.start == (line, col):
                return tok
            if tok.start[0] > line:
                break
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return None
