"""LLM202 tracked-env-file: a `.env` file that git tracks, or would pick up because nothing ignores it.

## What it finds
A `.env`, `.env.local`, `.env.production`, `prod.env`... file inside a git work tree that is either
tracked by git or not matched by any `.gitignore` rule, whether or not it holds a recognisable key
(what it holds today is not what it will hold tomorrow). Templates (`.env.example`, `.env.sample`,
`.env.template`) are not reported, nor is anything outside a git work tree. A `# llm-audit:
ignore[LLM202]` or `# pragma: allowlist secret` comment on the first line silences it.

## Why it matters
`.env` files are where model keys live during development. A tracked one is in every clone, fork and
CI cache; an unignored one is one `git add .` away from being pushed, and scrapers find pushed keys
within minutes.

## Example
```sh
$ git ls-files
.env          # OPENAI_API_KEY=...
app.py
```

## Use instead
```sh
git rm --cached .env && echo ".env" >> .gitignore
cp .env .env.example   # then replace every value with a placeholder
```
Rotate every key the tracked file ever held: it stays in the history.

## Fix safety
Not fixed automatically: history rewriting and key rotation need a person.
"""

from __future__ import annotations

SCOPE = "file"
