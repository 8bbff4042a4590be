"""docs/rules/ is generated from the check docstrings: the committed pages must be up to date."""

from __future__ import annotations

import importlib.util

from conftest import REPO_ROOT

from auditor.catalog import catalog
from auditor.reporters import sarif


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", REPO_ROOT / "scripts" / "gen_rule_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_committed_rule_pages_match_the_docstrings():
    pages = _generator().render_all()
    folder = REPO_ROOT / "docs" / "rules"
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    assert set(pages) == set(committed), "run scripts/gen_rule_docs.py"
    stale = [name for name, text in pages.items() if committed[name] != text]
    assert not stale, f"out of date (run scripts/gen_rule_docs.py): {stale}"


def test_one_page_per_rule_and_an_index_linking_them():
    ids = sorted(catalog().checks)
    folder = REPO_ROOT / "docs" / "rules"
    index = (folder / "README.md").read_text(encoding="utf-8")
    for rid in ids:
        page = (folder / f"{rid}.md").read_text(encoding="utf-8")
        assert page.splitlines()[2].startswith(f"# {rid} ")
        for section in ("## What it finds", "## Why it matters", "## Example"):
            assert section in page
        assert f"]({rid}.md)" in index


def test_readme_links_the_rules_index():
    assert "docs/rules/README.md" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_sarif_help_uri_points_at_the_rule_page():
    meta = catalog().checks["LLM101"]
    rule = sarif._rule(meta, "doc")
    assert rule["helpUri"] == f"{sarif.INFORMATION_URI}/blob/main/docs/rules/LLM101.md"
    assert (REPO_ROOT / "docs" / "rules" / "LLM101.md").is_file()
