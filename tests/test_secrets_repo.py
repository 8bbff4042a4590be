"""Secret hygiene across the repository (LLM201 in every file type, LLM202 .env files git would publish,
LLM203 keys handed to print/logging): findings at the file and line, placeholders and templates quiet,
allowlist comments honoured, and no output ever holding a key."""

from __future__ import annotations

import json
import random
import string

import pytest
from conftest import REPO_ROOT, git, run_cli, scan_json, write
from test_secrets import assert_not_leaked

ALNUM = string.ascii_letters + string.digits
SECRET_RULES = ("--select", "LLM201,LLM202,LLM203")


def _rand(seed: int, n: int, alphabet: str = ALNUM) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=n))


KEYS = {
    "openai-project": "sk-proj-" + _rand(11, 120, ALNUM + "-_"),
    "openai-service": "sk-svcacct-" + _rand(12, 100),
    "openai-admin": "sk-admin-" + _rand(13, 100),
    "openai-legacy": "sk-" + _rand(14, 20) + "T3BlbkFJ" + _rand(15, 20),
    "anthropic": "sk-ant-api03-" + _rand(16, 93, ALNUM + "-_") + "AA",
    "anthropic-admin": "sk-ant-admin01-" + _rand(17, 93) + "AA",
    "google": "AIza" + _rand(18, 35, ALNUM + "-_"),
    "groq": "gsk_" + _rand(19, 52),
    "huggingface": "hf_" + _rand(20, 34, string.ascii_letters),
    "xai": "xai-" + _rand(21, 80),
    "replicate": "r8_" + _rand(22, 37),
    "together": "tgp_v1_" + _rand(23, 43),
    "mistral": "mstrl_" + _rand(24, 32) + "_" + _rand(25, 6),
    "openrouter": "sk-or-v1-" + _rand(26, 64, "0123456789abcdef"),
    "perplexity": "pplx-" + _rand(27, 48),
    "aws": "AKIA" + _rand(28, 16, string.ascii_uppercase + "234567"),
}
GENERIC = _rand(40, 40)  # a random value with no provider prefix


def findings(report: dict, rule: str = "LLM201") -> set:
    return {(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == rule}


# ----- every provider format, in every file type ------------------------------------------------

FILE_TYPES = {
    ".env.production": "OPENAI_API_KEY={k}\n",
    "config/settings.yaml": "llm:\n  api_key: {k}\n",
    "config/app.json": '{{\n  "llm": {{"api_key": "{k}"}}\n}}\n',
    "pyproject.toml": '[tool.app]\nname = "x"\napi_key = "{k}"\n',
    "setup.cfg": "[llm]\napi_key = {k}\n",
    "service.ini": "[llm]\ntoken = {k}\n",
    "Dockerfile": "FROM python:3.12\nENV OPENAI_API_KEY {k}\n",
    "docker-compose.yml": "services:\n  app:\n    environment:\n      - OPENAI_API_KEY={k}\n",
    "app.py": 'import os\nKEY = os.getenv("OPENAI_API_KEY", "{k}")\n',
}
FILE_LINE = {".env.production": 1, "config/settings.yaml": 2, "config/app.json": 2, "pyproject.toml": 3,
             "setup.cfg": 2, "service.ini": 2, "Dockerfile": 2, "docker-compose.yml": 4, "app.py": 2}


@pytest.mark.parametrize("provider", sorted(KEYS))
def test_each_provider_format_in_python(project, provider):
    write(project, "settings.py", f'"""Settings."""\nAPI_KEY = "{KEYS[provider]}"\n')
    _, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report) == {("settings.py", 2)}


@pytest.mark.parametrize("rel", sorted(FILE_TYPES))
@pytest.mark.parametrize("value", [KEYS["anthropic"], GENERIC], ids=["provider-key", "generic"])
def test_keys_in_every_file_type(project, rel, value):
    write(project, rel, FILE_TYPES[rel].format(k=value))
    res, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report) == {(rel, FILE_LINE[rel])}
    assert_not_leaked(res.stdout + res.stderr, value)


def test_contextual_formats_need_their_name_or_endpoint(project):
    hex32 = _rand(50, 32, "0123456789abcdef")
    write(project, "azure.yaml", f"endpoint: https://acme.openai.azure.com/\napi_key: {hex32}\n")
    write(project, "plain.yaml", f"checksum: {hex32}\nrevision: {_rand(51, 40)}\n")
    write(project, "keys.py", f'COHERE_API_KEY = "{_rand(52, 40)}"\nDEEPSEEK_API_KEY = "sk-{_rand(53, 32, "0123456789abcdef")}"\n')
    _, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report) == {("azure.yaml", 2), ("keys.py", 1), ("keys.py", 2)}
    messages = " ".join(f["message"] for f in report["findings"])
    assert "azure-openai" in messages and "cohere" in messages and "deepseek" in messages


# ----- placeholders, templates, public values, allowlists ---------------------------------------

PLACEHOLDER_LINES = [
    "OPENAI_API_KEY=sk-proj-your-key-here",
    "OPENAI_API_KEY=${OPENAI_API_KEY}",
    "ANTHROPIC_API_KEY=",
    "API_KEY=changeme",
    "SECRET_KEY=lightrag-jwt-default-secret-key!",
    "DB_PASSWORD=SuperSecretPassword",
    "OPENAI_API_KEY=OPENAI_API_KEY",
    "GROQ_API_KEY=gsk_" + "x" * 52,
    "POSTHOG_PROJECT_API_KEY=phc_" + _rand(60, 43),
    "MIXPANEL_PROJECT_TOKEN=" + _rand(61, 32, "0123456789abcdef"),
    "MAX_TOKENS=" + _rand(62, 20),
    "AUTH_TOKEN=<your token>",
    "api_key: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
]


@pytest.mark.parametrize("line", PLACEHOLDER_LINES)
@pytest.mark.parametrize("rel", ["deploy.env", "config.yaml"])
def test_placeholders_are_not_secrets(project, rel, line):
    text = line if rel.endswith(".env") else line.replace("=", ": ", 1)
    write(project, rel, text + "\n")
    _, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report) == set()


@pytest.mark.parametrize("rel", [".env.example", ".env.sample", ".env.template", "config.example.yaml"])
def test_templates_report_only_real_provider_keys(project, rel):
    sep = "=" if ".env" in rel else ": "
    write(project, rel, f"DB_PASSWORD{sep}{GENERIC}\nOPENAI_API_KEY{sep}sk-proj-your-key\nGROQ_API_KEY{sep}{KEYS['groq']}\n")
    git(project, "init", "-q")
    _, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report) == {(rel, 3)}  # a real key pasted into a template is still a leak
    assert findings(report, "LLM202") == set()


@pytest.mark.parametrize("comment", ["# pragma: allowlist secret", "# llm-audit: ignore[LLM201]", "# gitleaks:allow"])
def test_allowlist_comments(project, comment):
    write(project, "app.py", f'KEY = "{KEYS["groq"]}"  {comment}\nTOKEN = "{GENERIC}"  {comment}\n')
    write(project, "config.yaml", f"api_key: {KEYS['groq']}  {comment}\ntoken: {GENERIC}  {comment}\n")
    write(project, "other.yaml", f"# pragma: allowlist nextline secret\napi_key: {KEYS['groq']}\n")
    _, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report) == set()


# ----- notebooks --------------------------------------------------------------------------------


def test_notebook_cell_sources_and_outputs_point_at_the_ipynb_line(project):
    nb = {"cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": ["import openai\n", f'client = openai.OpenAI(api_key="{KEYS["openai-project"]}")\n']},
        {"cell_type": "code", "metadata": {}, "execution_count": 2, "source": [f'hf_token = "{GENERIC}"\n'],
         "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"GOOGLE_API_KEY={KEYS['google']}\n"]}]},
        {"cell_type": "markdown", "metadata": {}, "source": ["Set `OPENAI_API_KEY=sk-...` first.\n"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(nb, indent=1)
    write(project, "analysis.ipynb", text)
    lines = text.splitlines()
    expected = {("analysis.ipynb", i + 1) for i, line in enumerate(lines)
                if KEYS["openai-project"] in line or GENERIC in line or KEYS["google"] in line}
    assert len(expected) == 3
    res, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report) == expected
    for key in (KEYS["openai-project"], GENERIC, KEYS["google"]):
        assert_not_leaked(res.stdout + res.stderr, key)


# ----- .env files in and out of git (LLM202) ----------------------------------------------------


def _env_project(project, ignored: bool, tracked: bool):
    write(project, ".env", "LOG_LEVEL=debug\n")  # no recognisable key at all
    write(project, ".env.example", "OPENAI_API_KEY=sk-...\n")
    write(project, "app.py", "print('hi')\n")
    git(project, "init", "-q")
    if ignored:
        write(project, ".gitignore", ".env\n")
    if tracked:
        git(project, "add", "-f", ".env")
        git(project, "commit", "-q", "-m", "env")


@pytest.mark.parametrize("ignored,tracked,expected", [
    (False, False, "not ignored"),
    (False, True, "tracked"),
    (True, True, "tracked"),  # ignored now, but git still tracks it
    (True, False, None),
])
def test_env_file_in_git(project, ignored, tracked, expected):
    _env_project(project, ignored, tracked)
    _, report = scan_json(*SECRET_RULES, cwd=project)
    hits = [f for f in report["findings"] if f["rule_id"] == "LLM202"]
    if expected is None:
        assert hits == []
    else:
        assert [(f["path"], f["line"], f["category"]) for f in hits] == [(".env", 1, "secret")]
        assert expected in hits[0]["message"]


def test_env_file_outside_git_is_not_a_finding(project):
    write(project, ".env", "LOG_LEVEL=debug\n")
    _, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report, "LLM202") == set()


def test_secret_files_are_not_read_when_secret_rules_are_off(project):
    write(project, ".env", f"OPENAI_API_KEY={KEYS['openai-project']}\n")
    write(project, "blob.json", "\0" * 100)
    git(project, "init", "-q")
    _, report = scan_json("--select", "LLM101", cwd=project)
    assert report["findings"] == [] and report["errors"] == []


# ----- keys handed to print/logging (LLM203) ----------------------------------------------------


def test_logged_keys(project):
    write(project, "app.py", '''\
        import logging
        import os

        log = logging.getLogger(__name__)
        KEY = os.getenv("OPENAI_API_KEY")
        NAME_OF_KEY = "OPENAI_API_KEY"


        def main(cfg, api_key):
            print(KEY)
            log.info("key=%s", os.environ["ANTHROPIC_API_KEY"])
            log.error(f"bad key {api_key}")
            print("token " + cfg.hf_token)
            print(NAME_OF_KEY, bool(KEY), len(api_key), api_key[:4], api_key is None)
            log.info("key %s", "set" if api_key else "missing")
            for token in cfg.stream():
                print(token)
            print(cfg.max_tokens, os.getenv("MAX_TOKENS"))
    ''')
    _, report = scan_json(*SECRET_RULES, cwd=project)
    assert findings(report, "LLM203") == {("app.py", 10), ("app.py", 11), ("app.py", 12), ("app.py", 13)}


# ----- masking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_provider_keys_in_any_file_never_printed(project, fmt):
    write(project, ".env", f"OPENAI_API_KEY={KEYS['openai-project']}\n")
    write(project, "config.yaml", f"anthropic:\n  api_key: {KEYS['anthropic']}\n")
    write(project, "nb.ipynb", json.dumps({"cells": [{"cell_type": "code", "source": [f"k = '{KEYS['xai']}'\n"],
                                                      "outputs": []}]}, indent=1))
    res = run_cli("scan", *SECRET_RULES, "--format", fmt, cwd=project)
    assert res.returncode == 1
    for key in (KEYS["openai-project"], KEYS["anthropic"], KEYS["xai"]):
        assert_not_leaked(res.stdout + res.stderr, key)


def test_generic_values_never_in_json(project):
    write(project, ".env", f"SERVICE_TOKEN={GENERIC}\n")
    write(project, "app.py", f'client_secret = "{GENERIC}"\n')
    res = run_cli("scan", *SECRET_RULES, "--format", "json", cwd=project)
    assert res.returncode == 1 and "LLM201" in res.stdout
    assert_not_leaked(res.stdout + res.stderr, GENERIC)


def test_generic_values_never_in_console_frames(project):
    write(project, ".env", f"SERVICE_TOKEN={GENERIC}\n")
    res = run_cli("scan", *SECRET_RULES, cwd=project)
    assert_not_leaked(res.stdout + res.stderr, GENERIC)


def test_redact_masks_provider_keys_and_secret_assignments():
    from auditor.catalog import catalog
    from auditor.secrets_scan import redact

    line = f'client = OpenAI(api_key="{GENERIC}"); other = "{KEYS["groq"]}"; model = "{GENERIC}"'
    out = redact(line, catalog())
    assert out.count(GENERIC) == 1  # the model id-like value next to no secret name stays
    assert KEYS["groq"] not in out


# ----- the fixture project ------------------------------------------------------------------------


def test_secrets_repo_fixture_non_python_files():
    root = REPO_ROOT / "fixtures" / "secrets_repo"
    res = run_cli("scan", "--isolated", *SECRET_RULES, "--format", "json", ".", cwd=root)
    report = res.json()
    assert report["errors"] == []
    got = {(f["rule_id"], f["path"], f["line"]) for f in report["findings"] if not f["path"].startswith("app/")}
    assert got == {
        ("LLM202", ".env", 1), ("LLM201", ".env", 2), ("LLM201", ".env", 3),
        ("LLM201", "Dockerfile", 2),
        ("LLM201", "config/app.ini", 2), ("LLM201", "config/app.ini", 6), ("LLM201", "config/app.ini", 7),
        ("LLM201", "config/app.json", 4), ("LLM201", "config/app.json", 10),
        ("LLM201", "config/settings.toml", 3), ("LLM201", "config/settings.toml", 4),
        ("LLM201", "config/settings.yaml", 3), ("LLM201", "config/settings.yaml", 8),
        ("LLM201", "docker-compose.yml", 5), ("LLM201", "docker-compose.yml", 7),
        ("LLM201", "notebooks/explore.ipynb", 11), ("LLM201", "notebooks/explore.ipynb", 19),
        ("LLM201", "notebooks/explore.ipynb", 27),
    }
    assert "Traceback" not in res.stderr
