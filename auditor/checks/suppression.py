"""LLM001 unused-suppression: a suppression comment that suppresses nothing or names an unknown rule.

## What it finds
A `# llm-audit: ignore[RULE]` comment whose rule id is not a known rule, or that sits on a line
where that rule reports nothing (the code was fixed, or the comment is on the wrong line). A bare
`# llm-audit: ignore` suppresses every rule on its line and is reported when nothing is there.

## Why it matters
Stale suppressions hide the next real problem on that line and mislead readers about the code.
Like ruff's RUF100, this keeps suppressions honest.

## Example
```python
client.chat.completions.create(model=m, messages=x, timeout=30)  # llm-audit: ignore[LLM101]
```

## Use instead
Delete the comment, or move it to the line where the finding is reported (the first line of the
call). A reason after `--` is encouraged: `# llm-audit: ignore[LLM101] -- batch job, queue deadline`.

## Fix safety
Safe: `--fix` removes the suppression (or, when some of its rules still suppress something, only the
stale ids), keeping any other comment on the line; a comment that suppresses nothing does nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

SCOPE = "suppression"

MARK = "llm-audit:"
_RX = re.compile(r"#\s*llm-audit:\s*ignore(?:\[(?P<ids>[^\]]*)\])?(?:\s*--\s*(?P<reason>.*))?", re.I)


@dataclass
class Suppression:
    line: int
    column: int
    ids: list  # empty = every rule
    reason: str
    used: set = field(default_factory=set)


def parse(text: str) -> dict[int, Suppression]:
    """Suppression comments by line. Uses the tokenizer, so text inside strings never counts."""
    if MARK not in text and MARK not in text.lower():
        return {}
    out: dict[int, Suppression] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    for tok in tokens:
        if tok.type != tokenize.COMMENT or MARK not in tok.string.lower():
            continue
        m = _RX.search(tok.string)
        if not m:
            continue
        ids = [x.strip() for x in (m.group("ids") or "").split(",") if x.strip()]
        reason = (m.group("reason") or "").split("#", 1)[0].strip()
        out[tok.start[0]] = Suppression(tok.start[0], tok.start[1] + 1, ids, reason)
    return out


def matches(token: str, rule_id: str, name: str, category: str) -> bool:
    t = token.upper()
    return t == rule_id.upper() or token.lower() in (name, category)
