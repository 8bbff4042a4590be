"""LLM203 logged-secret: a key handed to print or a logger.

## What it finds
A call to `print`, `pprint`, `logging.*`/`logger.*`/`log.*` (`debug` ... `critical`, `exception`,
`log`), `console.print`, `click.echo` or `sys.stdout.write` that is given a key: a variable or
attribute named like one (`api_key`, `OPENAI_API_KEY`, `self.secret`, `access_token`,
`password`), or an environment lookup of one (`os.getenv("OPENAI_API_KEY")`,
`os.environ["HF_TOKEN"]`), directly, in an f-string, `%`/`.format()` formatting or concatenation.
Harmless uses are not reported: `len(key)`, `key[:4]`, `key is None`, `bool(key)`,
`"set" if key else "missing"`, `mask(key)`.

## Why it matters
Logs are shipped, indexed and kept for months, readable by far more people (and vendors) than the
secrets manager; a printed key lands in CI output and terminal scrollback. A key in a log has leaked.

## Example
```python
api_key = os.environ["OPENAI_API_KEY"]
logger.info(f"using key {api_key}")
print("key:", os.getenv("ANTHROPIC_API_KEY"))
```

## Use instead
```python
logger.info("OpenAI key configured: %s", bool(api_key))
logger.debug("using key %s... (%d chars)", api_key[:4], len(api_key))
```

## Fix safety
Not fixed automatically: what to log instead is the author's call.
"""

from __future__ import annotations

SCOPE = "file"
