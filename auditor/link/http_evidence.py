"""Raw HTTP whose URL names no model host or path: the other evidence a reviewer uses.

``requests.post(self.inference_endpoint, json={"inputs": docs})`` or ``httpx.post(f"{base_url}/generate",
json=payload)`` go to a self-hosted or configured model server that no host list can know. What makes
them model calls is everything around the URL: the names the URL comes from (``rerank_url``,
``LLM_ENDPOINT``, an ``..._API_BASE`` environment variable), a path ending such as ``/generate``, the
JSON payload (``model`` with ``messages``/``prompt``/``inputs``, sampling keys), a model header.
One strong sign (a payload with ``model`` and the prompt) is enough; otherwise two model-specific
signs, or one with a generic one (an ``endpoint``/``base_url`` name, a Bearer API key), so that
webhooks, REST APIs and chat-app posts stay out. The vocabulary lives in ``rules/providers.yaml``
(``endpoints.evidence``). Calls found this way are marked unresolved: the evidence is circumstantial.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from auditor.link.values import StrV

if TYPE_CHECKING:
    from auditor.link import Project

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# payload keys that say "model request" on their own; others (messages: messaging APIs; temperature:
# sensor APIs; top_k: search APIs) only together with a second one
_DISTINCTIVE_KEYS = frozenset({"prompt", "prompts", "input_ids", "sampling_params", "max_new_tokens",
                               "max_tokens", "num_predict", "n_predict", "model-id", "model_id"})


def _words(name: str) -> set:
    return {w.lower() for w in _WORD.findall(name)}


def model_evidence(project: Project, path: str, sid: str, url_ir: tuple, texts: list, kwargs: dict,
                   payload_keys: set | None) -> tuple[list, str] | None:
    """(the signs that make this request a model call, its kind), or None when they do not add up."""
    ev = project.cat.http_evidence
    if not ev:
        return None
    names = _names(project, path, sid, url_ir, 0, set())
    low_names = [n.lower() for n in names]
    words = set().union(*(_words(n) for n in names)) if names else set()
    low_texts = [t.lower() for t in texts]
    veto = [w.lower() for w in ev.get("veto_words", ())]
    if any(v in n for v in veto for n in low_names + low_texts):
        return None
    if any(_on_path(t, p) for t in low_texts for p in project.cat.non_model_paths):
        return None
    keys = {k.lstrip("?") for k in payload_keys} if payload_keys else set()
    signs: list = []
    generic: list = []
    strong = any(k in keys and any(x in keys for x in others) for k, others in ev.get("strong_payload", {}).items())
    if strong:
        signs.append("payload " + ", ".join(sorted(k for k in keys if k in ev.get("payload_keys", ()))))
    hit_words = sorted(words & set(ev.get("name_words", ())))
    if hit_words:
        signs.append(f"URL named {'/'.join(hit_words)}")
    paths = [p for p in ev.get("paths", ()) if any(_on_path(t, p.lower()) for t in low_texts)]
    if paths:
        signs.append(f"path {paths[0]}")
    model_keys = keys & set(ev.get("payload_keys", ()))
    if not strong and (len(model_keys) >= 2 or model_keys & _DISTINCTIVE_KEYS):
        signs.append("payload " + ", ".join(sorted(model_keys)))
    headers = _headers(project, kwargs)
    if any("model" in h for h in headers):
        signs.append("model header")
    if any(g in n for g in ev.get("generic_names", ()) for n in low_names):
        generic.append("configured endpoint")
    if _api_key_header(project, headers, ev.get("key_words", ())):
        generic.append("API key header")
    if not (strong or len(signs) >= 2 or (signs and generic)):
        return None
    every = " ".join(low_texts + sorted(words) + sorted(keys))
    by_path = next((k for k, marks in project.cat.endpoint_kinds.items()
                    if any(m.lower() in t for m in marks for t in low_texts)), None)
    if by_path:
        kind = by_path
    elif "rerank" in every:
        kind = "other"
    elif "embed" in every:
        kind = "embedding"
    elif "messages" in keys or "/chat" in every:
        kind = "chat"
    else:
        kind = "completion"
    return signs + generic, kind


def _on_path(text: str, p: str) -> bool:
    path = text.split("?", 1)[0].rstrip("/")
    return path.endswith(p.rstrip("$")) if p.endswith("$") else (path.endswith(p) or f"{p}/" in path + "/")


def _names(project: Project, path: str, sid: str, ir: tuple, depth: int, seen: set) -> list:
    """The names a URL value is read from: variables, attributes, environment variable names, followed
    through local and ``self`` assignments and one level of callers."""
    if depth > 4 or not isinstance(ir, tuple) or not ir or (path, sid, ir) in seen:
        return []
    seen.add((path, sid, ir))
    tag = ir[0]
    out: list = []
    if tag == "n":
        out.append(ir[1])
        f = project.facts(path)
        owner = project.binding_scope(path, sid, ir[1])
        if f is not None and owner is not None:
            sc = f.scopes[owner]
            for b in sc.bind.get(ir[1], ())[:6]:
                if b[0] == "param" and b[1] >= 0:
                    for cpath, csid, _func, args, kwargs, _flow in project.call_sites(path, owner, depth)[:6]:
                        arg = next((x for k, x in kwargs if k == ir[1]), None)
                        pos = b[1] - (1 if sc.cls else 0)
                        if arg is None and 0 <= pos < len(args):
                            arg = args[pos]
                        if arg is not None:
                            out += _names(project, cpath, csid, arg, depth + 1, seen)
                elif b[0] not in ("param", "ann", "imp", "def", "class"):
                    out += _names(project, path, owner, b, depth + 1, seen)
    elif tag == "a":
        out.append(ir[2])
        f = project.facts(path)
        sc = f.scopes.get(sid) if f else None
        if sc is not None and sc.cls and sc.params and ir[1] == ("n", sc.params[0]):
            for vir, msid in f.scopes[sc.cls].self_attrs.get(ir[2], ())[:6]:
                out += _names(project, path, msid, vir, depth + 1, seen)
        else:
            out += _names(project, path, sid, ir[1], depth + 1, seen)
    elif tag == "f":  # f"{base}/datastores/{doc_id}/text": the base names the service, the rest are ids
        part = next((p for p in ir[1] if isinstance(p, tuple)), None)
        if part is not None:
            out += _names(project, path, sid, part, depth + 1, seen)
    elif tag in ("alt", "l"):
        for x in ir[1]:
            out += _names(project, path, sid, x, depth + 1, seen)
    elif tag == "c":  # os.getenv("LLM_ENDPOINT"), cfg.get("inference_url"), url.rstrip("/")
        for x in ir[2][:2]:
            if x[0] == "k" and isinstance(x[1], str) and len(x[1]) < 64 and "/" not in x[1]:
                out.append(x[1])
            elif x[0] in ("n", "a"):
                out += _names(project, path, sid, x, depth + 1, seen)
        if ir[1][0] == "a":
            out += _names(project, path, sid, ir[1][1], depth + 1, seen)
    elif tag == "sub":  # os.environ["LLM_ENDPOINT"], settings["rerank_url"]
        key = ir[2]
        if key[0] == "k" and isinstance(key[1], str):
            out.append(key[1])
        out += _names(project, path, sid, ir[1], depth + 1, seen)
    elif tag in ("cond", "at"):
        out += _names(project, path, ir[1] if tag == "at" else sid, ir[-1], depth + 1, seen)
    return out


def _headers(project: Project, kwargs: dict) -> dict:
    if "headers" not in kwargs:
        return {}
    x, (p, s) = kwargs["headers"]
    keys = project.dict_keys(p, s, x, 0) or {}
    return {k.lower(): v for k, v in keys.items()}


def _api_key_header(project: Project, headers: dict, key_words) -> bool:
    """``Authorization: Bearer <api key>`` (the value read from a name such as ``api_key``) or ``api-key``."""
    if any(h in ("api-key", "x-api-key") for h in headers):
        return True
    if "authorization" not in headers:
        return False
    vi, (p, s) = headers["authorization"]
    text = " ".join(v.text for v in project.resolve(p, s, vi) if isinstance(v, StrV)).lower()
    if not text.startswith("bearer"):
        return False
    names = _names(project, p, s, vi, 2, set())
    return any(w in n.lower() for n in names for w in key_words)
