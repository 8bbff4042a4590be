"""LLM201: hard-coded provider keys are reported on the right line, placeholders are not, and the
key itself never reaches the output."""

from __future__ import annotations

import json
import random
import string

import pytest
from conftest import run_cli, scan_json, write

ALNUM = string.ascii_letters + string.digits


def _rand(seed: int, n: int, alphabet: str = ALNUM) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=n))


KEYS = {
    "openai-project": "sk-proj-" + _rand(1, 120),
    "anthropic": "sk-ant-api03-" + _rand(2, 93, ALNUM + "-_") + "AA",
    "google": "AIza" + _rand(3, 35, ALNUM + "-_"),
    "groq": "gsk_" + _rand(4, 52),
    "huggingface": "hf_" + _rand(5, 34, string.ascii_letters),
}

PLACEHOLDERS = [
    "sk-...",
    "your-api-key",
    "EMPTY",
    "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "sk-proj-REPLACE_ME",
    "sk-proj-" + "x" * 60,
    "sk-ant-api03-your-key-here",
    "AIza" + "0" * 35,
    "gsk_" + "a" * 52,
    "hf_" + "X" * 34,
    "sk-proj-<your key>",
    "${OPENAI_API_KEY}",
]


def secret_findings(report: dict) -> set:
    return {(f["path"], f["line"], f["column"]) for f in report["findings"] if f["rule_id"] == "LLM201"}


def assert_not_leaked(text: str, key: str) -> None:
    assert key not in text
    assert key[-10:] not in text
    body = key[8:]  # past any provider prefix: no 16-character run of the random part may show
    for i in range(0, len(body) - 16):
        assert body[i:i + 16] not in text, f"part of the key is printed: {body[i:i + 16]!r}"


@pytest.mark.parametrize("provider", sorted(KEYS))
def test_key_is_reported_on_its_line(project, provider):
    key = KEYS[provider]
    write(project, "service/settings.py", f'''\
        """Service settings."""
        import os

        API_KEY = "{key}"
        TIMEOUT = int(os.environ.get("TIMEOUT", "30"))
    ''')
    res, report = scan_json(cwd=project)
    assert res.returncode == 1
    assert secret_findings(report) == {("service/settings.py", 4, 12)}
    (f,) = [f for f in report["findings"] if f["rule_id"] == "LLM201"]
    assert f["severity"] == "error"
    assert f["category"] == "secret"


def test_keys_in_calls_dicts_and_defaults(project):
    write(project, "llm.py", f'''\
        from anthropic import Anthropic
        from openai import OpenAI

        openai_client = OpenAI(api_key="{KEYS['openai-project']}", timeout=30)
        HEADERS = {{"x-api-key": "{KEYS['anthropic']}"}}


        def make(key="{KEYS['groq']}"):
            return Anthropic(api_key=key, timeout=30)
    ''')
    _, report = scan_json(cwd=project)
    assert {line for _, line, _ in secret_findings(report)} == {4, 5, 8}


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholders_are_not_reported(project, value):
    write(project, "settings.py", f'''\
        from openai import OpenAI

        API_KEY = "{value}"
        client = OpenAI(api_key="{value}", timeout=30)
    ''')
    _, report = scan_json(cwd=project)
    assert secret_findings(report) == set()


def test_key_embedded_in_a_longer_token_is_not_reported(project):
    # a hash-like identifier that merely contains a key-shaped run is not a key
    write(project, "ids.py", f'CHECKSUM = "deadbeef{KEYS["google"]}"\n')
    _, report = scan_json(cwd=project)
    assert secret_findings(report) == set()


@pytest.mark.parametrize("fmt", ["console", "json"])
@pytest.mark.parametrize("provider", sorted(KEYS))
def test_key_is_never_printed(project, fmt, provider):
    key = KEYS[provider]
    write(project, "config.py", f'''\
        API_KEY = "{key}"
        FALLBACK = {{"token": "{key}"}}  # llm-audit: ignore[LLM201] -- rotated already
    ''')
    res = run_cli("scan", "--format", fmt, cwd=project)
    assert res.returncode == 1
    assert "LLM201" in res.stdout
    assert_not_leaked(res.stdout + res.stderr, key)


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_key_is_never_written_to_the_output_file(project, tmp_path, fmt):
    key = KEYS["openai-project"]
    write(project, "config.py", f'API_KEY = "{key}"\n')
    out = tmp_path / "report.txt"
    res = run_cli("scan", "--format", fmt, "-o", str(out), cwd=project)
    assert res.returncode == 1
    assert_not_leaked(out.read_text(encoding="utf-8") + res.stdout + res.stderr, key)


def test_masked_key_still_identifies_the_provider_and_length(project):
    key = KEYS["anthropic"]
    write(project, "config.py", f'KEY = "{key}"\n')
    _, report = scan_json(cwd=project)
    (f,) = report["findings"]
    assert "anthropic" in f["message"]
    assert str(len(key)) in f["message"]


@pytest.mark.parametrize("extra", [[], ["--ignore", "LLM201"]])
def test_key_on_a_model_call_line_is_not_printed_by_other_findings(project, extra):
    key = KEYS["groq"]
    write(project, "bot.py", f'''\
        from openai import OpenAI

        def ask(q):
            return OpenAI(api_key="{key}").chat.completions.create(model="gpt-4o", messages=[])
    ''')
    res = run_cli("scan", *extra, cwd=project)
    assert res.returncode == 1
    assert "LLM101" in res.stdout  # the call is reported...
    assert_not_leaked(res.stdout + res.stderr, key)  # ...without the key


def test_key_on_a_model_call_line_is_not_in_json(project):
    key = KEYS["groq"]
    write(project, "bot.py", f'''\
        from openai import OpenAI

        def ask(q):
            return OpenAI(api_key="{key}").chat.completions.create(model="gpt-4o", messages=[])
    ''')
    res = run_cli("scan", "--format", "json", cwd=project)
    report = json.loads(res.stdout)
    assert {f["rule_id"] for f in report["findings"]} >= {"LLM101", "LLM201"}
    assert_not_leaked(res.stdout + res.stderr, key)
