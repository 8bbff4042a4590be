"""LLM108 unvalidated-structured-output: model output parsed as data with no validation or error handling.

## What it finds
`json.loads(...)` or `ast.literal_eval(...)` applied to a model's output (the response of a model
call in the same function, or text taken from it) where the parse is not inside a `try` that
handles a parse error and the parsed value is not validated in that function (pydantic
`Model.model_validate(data)` or `Model(**data)`, `jsonschema.validate(data, schema)`,
`TypeAdapter(...).validate_python(data)`).

## Why it matters
Models return malformed JSON, truncated JSON (when the token cap cuts them off), prose around the
JSON, and well-formed JSON with missing or mistyped fields. Unchecked, the first one is a 500 and
the last one is corrupt data written downstream.

## Example
```python
data = json.loads(resp.choices[0].message.content)
ticket.priority = data["priority"]
```

## Use instead
```python
try:
    data = Triage.model_validate_json(resp.choices[0].message.content)
except ValidationError:
    data = Triage(priority="normal")
```
or the provider's structured output (`response_format` with a JSON schema, `client.chat.completions.parse`).

## Fix safety
No automatic fix: the schema to validate against is the author's. The code to write is under *Use instead*.
"""

from __future__ import annotations

from auditor import flow

SCOPE = "file-calls"


def check_file(path: str, calls: list, project):
    for _sid, sc, sink in flow.model_output_sinks(project, path, calls, ("json",)):
        _kind, _arg, line, col, handled, target = sink
        if handled or (target and target in sc.validated):
            continue
        yield (line, col, "model output parsed with no validation and no error handling: validate it against "
               "a schema (pydantic, jsonschema) and handle malformed output")
