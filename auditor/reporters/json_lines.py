"""``--format json-lines``: one JSON object per finding, one per line (the json format's findings)."""

from __future__ import annotations

import json

from auditor.reporters.json_format import finding_dict


def render(report, **_opts) -> str:
    return "".join(json.dumps(finding_dict(f), ensure_ascii=False) + "\n" for f in report.findings)
