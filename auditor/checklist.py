"""The production-readiness checklist and its 0-100 score (items and weights: rules/checklist.yaml).

Every item is pass / partial / fail / n/a with the evidence (file:line) behind it and one line on
what to do. Call-level items come from the findings of the checks on every model call (an inline
suppression is an accepted risk and does not count against the item); project-level items come
from signals/ (code, dependency files, CI). The formula is documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.catalog import load_validated
from auditor.signals import Evidence, Signals

POINTS = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
MAX_EVIDENCE = 5


@dataclass
class Item:
    id: str
    title: str
    status: str  # pass | partial | fail | n/a
    weight: float
    evidence: list = field(default_factory=list)  # [Evidence]
    advice: str = ""


@dataclass
class Section:
    id: str
    title: str
    weight: float
    items: list
    score: float | None = None


@dataclass
class Score:
    overall: float | None
    grade: str
    sections: list


def _calls_item(meta: dict, report, flagged_rules: set) -> Item:
    calls = report.calls
    kinds = {"LLM103": ("chat", "completion")}  # token caps concern generation calls only
    relevant = [c for c in calls if all(c.kind in kinds.get(r, (c.kind,)) for r in meta["rules"])]
    if not relevant:
        return Item(meta["id"], meta["title"], "n/a", meta["weight"], advice="no model calls of this kind")
    bad = {(f.path, f.line) for f in report.findings if f.rule_id in flagged_rules}
    flagged = [c for c in relevant if (c.path, c.line) in bad]
    ev = [Evidence(c.path, c.line, f"{'/'.join(sorted(flagged_rules))} on this call") for c in flagged[:MAX_EVIDENCE]]
    if not flagged:
        return Item(meta["id"], meta["title"], "pass", meta["weight"],
                    [Evidence(relevant[0].path, relevant[0].line, f"all {len(relevant)} calls pass")])
    status = "fail" if len(flagged) == len(relevant) else "partial"
    return Item(meta["id"], meta["title"], status, meta["weight"], ev,
                f"{len(flagged)} of {len(relevant)} calls: see {', '.join(sorted(flagged_rules))}")


def _findings_item(meta: dict, report) -> Item:
    rules = set(meta["rules"])
    found = [f for f in report.findings if f.rule_id in rules]
    if not report.calls and not meta.get("always"):
        return Item(meta["id"], meta["title"], "n/a", meta["weight"], advice="no model calls")
    if not found:
        return Item(meta["id"], meta["title"], "pass", meta["weight"])
    return Item(meta["id"], meta["title"], "fail", meta["weight"],
                [Evidence(f.path, f.line, f.rule_id) for f in found[:MAX_EVIDENCE]],
                f"{len(found)} finding{'s' if len(found) != 1 else ''}: see {', '.join(sorted(rules))}")


def _signal_item(meta: dict, signals: Signals, report) -> Item:
    name = meta["signal"]
    if not report.calls:
        return Item(meta["id"], meta["title"], "n/a", meta["weight"], advice="no model calls")
    used = signals.code.get(name, [])
    declared = signals.declared.get(name, [])
    if used:
        return Item(meta["id"], meta["title"], "pass", meta["weight"], used[:MAX_EVIDENCE])
    if declared:
        return Item(meta["id"], meta["title"], "partial", meta["weight"], declared[:MAX_EVIDENCE],
                    "declared as a dependency but never used in the code")
    return Item(meta["id"], meta["title"], "fail", meta["weight"], [], ADVICE.get(name, ""))


ADVICE = {
    "tracing": "trace every model call with its model, latency, tokens and cost (OpenTelemetry GenAI, Langfuse, "
               "LangSmith, OpenLLMetry, Logfire, Phoenix, MLflow tracing)",
    "usage": "read token usage from responses and record it per feature",
    "caching": "cache repeated prompts or responses (provider prompt caching, a response cache)",
    "rate-limit": "put a limiter, semaphore or queue in front of model calls so bursts queue instead of 429",
}


def evaluate(report, signals: Signals, resolved: list, enabled: set | None = None) -> Score:
    """``enabled``: the rule ids this run checked; items resting on rules it did not run are n/a."""
    meta = load_validated("checklist.yaml", "checklist.schema.json")
    sections = []
    for sec in meta["sections"]:
        items = []
        for it in sec["items"]:
            kind = it["kind"]
            if enabled is not None and it.get("rules") and not set(it["rules"]) & enabled:
                items.append(Item(it["id"], it["title"], "n/a", it["weight"], advice="its checks were not selected"))
            elif kind == "calls":
                items.append(_calls_item(it, report, set(it["rules"])))
            elif kind == "findings":
                items.append(_findings_item(it, report))
            elif kind == "signal":
                items.append(_signal_item(it, signals, report))
            else:
                items.append(SPECIAL[kind](it, report, signals, resolved))
        sections.append(Section(sec["id"], sec["title"], sec["weight"], items))
    for s in sections:
        scored = [i for i in s.items if i.status in POINTS]
        if scored:
            s.score = round(100 * sum(POINTS[i.status] * i.weight for i in scored) / sum(i.weight for i in scored), 1)
    counted = [s for s in sections if s.score is not None]
    overall = round(sum(s.score * s.weight for s in counted) / sum(s.weight for s in counted), 1) if counted else None
    grade = "-"
    if overall is not None:
        grade = next(g for floor, g in meta["grades"] if overall >= floor)
    return Score(overall, grade, sections)


# ----- items that need more than a rule or a signal --------------------------------------------
def _models_from_config(it, report, signals, resolved) -> Item:
    if not report.calls:
        return Item(it["id"], it["title"], "n/a", it["weight"])
    literal = [c for c in report.calls if c.model]
    if not literal:
        return Item(it["id"], it["title"], "pass", it["weight"])
    status = "fail" if len(literal) == len(report.calls) else "partial"
    return Item(it["id"], it["title"], status, it["weight"],
                [Evidence(c.path, c.line, f"model '{c.model}' written in the call") for c in literal[:MAX_EVIDENCE]],
                "read model ids from configuration so a model change is a config change, reviewed and evaluated")


def _endpoints_from_config(it, report, signals, resolved) -> Item:
    http = [c for c in resolved if c.provider == "http"]
    if not report.calls:
        return Item(it["id"], it["title"], "n/a", it["weight"])
    hard = [c for c in http if c.url and "{}" not in c.url]
    if not hard:
        return Item(it["id"], it["title"], "pass", it["weight"])
    return Item(it["id"], it["title"], "partial", it["weight"],
                [Evidence(c.path, c.line, f"endpoint written in the code: {c.url[:60]}") for c in hard[:MAX_EVIDENCE]],
                "take base URLs and endpoints from configuration (hosted vs self-hosted is a deployment decision)")


def _streaming(it, report, signals, resolved) -> Item:
    gen = [c for c in resolved if c.kind in ("chat", "completion")]
    if not gen:
        return Item(it["id"], it["title"], "n/a", it["weight"])
    def streams(c) -> bool:
        if "stream" in c.api.rsplit(".", 1)[-1].lower():
            return True  # messages.stream, generate_content_stream, astream, converse_stream
        given = c.call_kwargs.get("stream")
        return given is not None and given[0] not in (("k", False), ("k", None))

    streamed = [c for c in gen if streams(c)]
    if streamed:
        return Item(it["id"], it["title"], "pass", it["weight"],
                    [Evidence(c.path, c.line, "streamed") for c in streamed[:MAX_EVIDENCE]])
    return Item(it["id"], it["title"], "partial", it["weight"], [],
                "stream user-facing generations so the first tokens arrive in a second, not after the whole answer")


def _routing(it, report, signals, resolved) -> Item:
    if not report.calls:
        return Item(it["id"], it["title"], "n/a", it["weight"])
    routers = [c for c in resolved if any(getattr(k, "cls", "") == "litellm.Router" for k in c.clients)]
    models = {c.model for c in report.calls if c.model}
    if routers or len(models) > 1:
        ev = [Evidence(c.path, c.line, "router") for c in routers[:2]] or [
            Evidence(c.path, c.line, f"model {c.model}") for c in report.calls if c.model][:MAX_EVIDENCE]
        return Item(it["id"], it["title"], "pass", it["weight"], ev)
    return Item(it["id"], it["title"], "partial", it["weight"], [],
                "route easy requests to a smaller, cheaper model (a router, or a model per task in configuration)")


def _eval_gate(it, report, signals, resolved) -> Item:
    if not report.calls:
        return Item(it["id"], it["title"], "n/a", it["weight"])
    if signals.eval_in_ci:
        return Item(it["id"], it["title"], "pass", it["weight"], signals.eval_in_ci[:MAX_EVIDENCE])
    partial = signals.declared.get("eval", []) + [Evidence(d, 1, "eval folder") for d in signals.eval_dirs]
    if partial:
        return Item(it["id"], it["title"], "partial", it["weight"], partial[:MAX_EVIDENCE],
                    "evals exist but CI does not run them: run them on every prompt or model change")
    where = f" (CI files: {', '.join(signals.ci_files[:3])})" if signals.ci_files else " (no CI configuration found)"
    return Item(it["id"], it["title"], "fail", it["weight"], [],
                "add an eval suite (promptfoo, deepeval, ragas, pytest evals) and run it in CI" + where)


def _handles_429(it, report, signals, resolved) -> Item:
    if not report.calls:
        return Item(it["id"], it["title"], "n/a", it["weight"])
    explicit = signals.code.get("handles-429", [])
    if explicit:
        return Item(it["id"], it["title"], "pass", it["weight"], explicit[:MAX_EVIDENCE])
    unretried = {(f.path, f.line) for f in report.findings if f.rule_id == "LLM102"}
    if not unretried:
        return Item(it["id"], it["title"], "partial", it["weight"], [],
                    "only the SDKs' built-in retries handle 429s: handle RateLimitError (back off, shed, queue)")
    return Item(it["id"], it["title"], "fail", it["weight"],
                [Evidence(p, line, "nothing retries this call") for p, line in sorted(unretried)[:MAX_EVIDENCE]],
                "handle 429s: retry with backoff honouring retry-after, and shed load when the quota is spent")


SPECIAL = {
    "models-from-config": _models_from_config,
    "endpoints-from-config": _endpoints_from_config,
    "streaming": _streaming,
    "routing": _routing,
    "eval-gate": _eval_gate,
    "handles-429": _handles_429,
}


def score_dict(score: Score) -> dict:
    return {
        "overall": score.overall,
        "grade": score.grade,
        "sections": [
            {"id": s.id, "title": s.title, "weight": s.weight, "score": s.score,
             "items": [{"id": i.id, "title": i.title, "status": i.status, "weight": i.weight,
                        "evidence": [{"path": e.path, "line": e.line, "what": e.what} for e in i.evidence],
                        "advice": i.advice} for i in s.items]}
            for s in score.sections
        ],
    }
