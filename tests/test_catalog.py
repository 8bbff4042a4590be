"""The declarative catalogues in ``rules/`` and the documentation each check carries."""

from __future__ import annotations

import importlib
import re
import shutil

import pytest
import yaml
from conftest import REPO_ROOT, run_cli

from auditor import catalog as catalog_mod
from auditor.catalog import Catalog, CatalogError

RULES = REPO_ROOT / "rules"
CHECKS = yaml.safe_load((RULES / "checks.yaml").read_text(encoding="utf-8"))["checks"]
CHECK_IDS = [c["id"] for c in CHECKS]
SECTIONS = ("What it finds", "Why it matters", "Example", "Use instead")


def test_check_ids_and_names_are_unique():
    assert len(set(CHECK_IDS)) == len(CHECK_IDS)
    assert len({c["name"] for c in CHECKS}) == len(CHECKS)
    assert len({c["module"] for c in CHECKS}) == len(CHECKS)


@pytest.mark.parametrize("check", CHECKS, ids=CHECK_IDS)
def test_every_check_has_a_documented_module(check):
    mod = importlib.import_module(f"auditor.checks.{check['module']}")
    doc = mod.__doc__ or ""
    first = doc.strip().splitlines()[0]
    assert first.startswith(f"{check['id']} {check['name']}"), first
    headings = re.findall(r"^##\s+(.+?)\s*$", doc, re.M)
    for section in SECTIONS:
        assert section in headings, f"{check['id']}: no '## {section}' section"
    # every section has some text under it
    for section in SECTIONS:
        body = doc.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
        assert body.strip(), f"{check['id']}: '## {section}' is empty"
    assert "```" in doc.split("## Example", 1)[1].split("\n## ", 1)[0], "the example has no code block"


def test_every_check_module_is_in_the_catalogue():
    modules = {p.stem for p in (REPO_ROOT / "auditor" / "checks").glob("*.py") if p.stem != "__init__"}
    assert modules == {c["module"] for c in CHECKS}


def test_readme_table_lists_every_check():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\|\s*(LLM\d{3})\s*\|\s*([a-z0-9-]+)\s*\|", readme, re.M))
    assert rows == {c["id"]: c["name"] for c in CHECKS}


def test_shipped_catalogues_validate():
    cat = Catalog()
    assert sorted(cat.checks) == sorted(CHECK_IDS)
    assert cat.clients and cat.functions and cat.secret_patterns
    for meta in cat.checks.values():
        assert meta.severity in ("error", "warning", "note")
    assert cat.checks["LLM201"].category == "secret"
    assert cat.checks["LLM101"].category == "timeout"


def test_model_classification_examples():
    cat = Catalog()
    assert cat.classify_model("gpt-4o") == "floating"
    assert cat.classify_model("gpt-4o-2024-08-06") == "pinned"
    assert cat.classify_model("claude-3-5-sonnet-latest") == "floating"


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    dest = tmp_path / "rules"
    shutil.copytree(RULES, dest)
    monkeypatch.setattr(catalog_mod, "rules_dir", lambda: dest)
    return dest


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path, data):
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_copy_of_the_catalogue_loads(rules_copy):
    assert sorted(Catalog().checks) == sorted(CHECK_IDS)


def test_unknown_key_in_checks_yaml(rules_copy):
    data = _load(rules_copy / "checks.yaml")
    data["checks"][1]["colour"] = "red"
    _dump(rules_copy / "checks.yaml", data)
    with pytest.raises(CatalogError, match=r"checks\.yaml") as exc:
        Catalog()
    assert "colour" in str(exc.value)


def test_bad_category_in_checks_yaml(rules_copy):
    data = _load(rules_copy / "checks.yaml")
    data["checks"][0]["category"] = "vibes"
    _dump(rules_copy / "checks.yaml", data)
    with pytest.raises(CatalogError, match=r"checks\.yaml"):
        Catalog()


def test_unknown_key_in_providers_yaml(rules_copy):
    data = _load(rules_copy / "providers.yaml")
    data["providers"][0]["timeuot"] = 5
    _dump(rules_copy / "providers.yaml", data)
    with pytest.raises(CatalogError, match=r"providers\.yaml"):
        Catalog()


def test_unknown_key_in_secrets_yaml(rules_copy):
    data = _load(rules_copy / "secrets.yaml")
    data["patterns"][0]["regexp"] = data["patterns"][0]["regex"]
    _dump(rules_copy / "secrets.yaml", data)
    with pytest.raises(CatalogError, match=r"secrets\.yaml"):
        Catalog()


def test_yaml_syntax_error(rules_copy):
    (rules_copy / "checks.yaml").write_text("version: 1\nchecks: [\n  - id: LLM101\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"checks\.yaml"):
        Catalog()


def test_missing_catalogue_file(rules_copy):
    (rules_copy / "secrets.yaml").unlink()
    with pytest.raises(CatalogError, match=r"secrets\.yaml"):
        Catalog()


@pytest.mark.parametrize("rule", CHECK_IDS)
def test_rules_listing_matches_the_catalogue(tmp_path, rule):
    res = run_cli("rules", cwd=tmp_path)
    line = next(line for line in res.stdout.splitlines() if line.startswith(rule))
    meta = next(c for c in CHECKS if c["id"] == rule)
    assert line.split()[:4] == [rule, meta["name"], meta["category"], meta["severity"]]


@pytest.mark.parametrize("written, catalogued", [
    ("langchain_mistralai.chat_models.ChatMistralAI", "langchain_mistralai.ChatMistralAI"),
    ("google.genai.client.Client", "google.genai.Client"),
    ("anthropic.lib.bedrock.AnthropicBedrock", "anthropic.AnthropicBedrock"),
    ("langchain_community.llms.ollama.Ollama", "langchain_community.llms.Ollama"),
    ("azure.ai.inference.aio._patch.ChatCompletionsClient", "azure.ai.inference.aio.ChatCompletionsClient"),
    ("huggingface_hub.inference._client.InferenceClient", "huggingface_hub.InferenceClient"),
    ("litellm.main.completion", "litellm.completion"),
    ("vertexai.language_models._language_models.TextEmbeddingModel", "vertexai.language_models.TextEmbeddingModel"),
    # not under the catalogued module, but the same top-level package of one SDK family with one class of that name
    ("llama_index.legacy.llms.openai.OpenAI", "llama_index.llms.openai.OpenAI"),
])
def test_canonical_names_reach_the_catalogued_class(written, catalogued):
    assert Catalog().canonical(written) == catalogued


@pytest.mark.parametrize("written", [
    "google.cloud.storage.Client",  # `google` is shared by several SDKs: no guessing by name
    "litellm.Router.completion",  # a method of a class, not the module function
    "openai.resources.chat.completions.Completions",  # not catalogued at all
    "llama_index.core.llms.ChatMessage",
])
def test_canonical_leaves_other_names_alone(written):
    assert Catalog().canonical(written) == written


def test_generic_method_names_are_only_interesting_after_their_resource():
    cat = Catalog()
    assert "append" not in cat.interesting and "conversations.append" in cat.interesting
    assert "count" not in cat.interesting and "input_tokens.count" in cat.interesting
    assert "count_tokens" in cat.interesting  # bedrock's client.count_tokens is a single name
