"""LLM109 eval-of-model-output: model output executed as code.

## What it finds
`eval(...)` or `exec(...)` applied to a model's output (the response of a model call in the same
function, or text taken from it), with or without error handling around it.

## Why it matters
Model output is attacker-controlled as soon as any of its input is (a web page, an email, a
document, a user message): prompt injection turns `eval` of a completion into remote code
execution on your server.

## Example
```python
expr = resp.choices[0].message.content
result = eval(expr)
```

## Use instead
Ask for structured data and parse it with a strict parser (`json.loads` plus validation), or run
the expression with a safe evaluator that only knows arithmetic (`ast.literal_eval` for literals,
a small expression parser for formulas). Never hand model text to `eval`/`exec`.

## Fix safety
No automatic fix: what the output should have been parsed as is the author's call. The code to write is under *Use instead*.
"""

from __future__ import annotations

from auditor import flow

SCOPE = "file-calls"


def check_file(path: str, calls: list, project):
    for _sid, _sc, sink in flow.model_output_sinks(project, path, calls, ("eval",)):
        _kind, _arg, line, col, _handled, _target = sink
        yield (line, col, "model output executed with eval/exec: prompt injection becomes code execution; "
               "parse structured output instead")
