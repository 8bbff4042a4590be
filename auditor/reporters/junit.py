"""``--format junit``: JUnit XML for CI test-report viewers.

One test case per finding (a failure whose type is the rule id), per suppressed finding (skipped,
with the reason) and per file not scanned (an error). A run with none of these holds one passing
case, so the report is never empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditor import __version__

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(s: str) -> str:
    """Characters XML 1.0 cannot hold (control characters in a path or message) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", s)


def _case(parent, classname: str, name: str) -> ET.Element:
    return ET.SubElement(parent, "testcase", classname=_x(classname), name=_x(name), time="0")


def _classname(path: str) -> str:
    return "llm-audit." + path


def render(report, **_opts) -> str:
    from auditor.catalog import catalog

    names = {cid: c.name for cid, c in catalog().checks.items()}
    suites = ET.Element("testsuites", name="llm-audit")
    suite = ET.SubElement(suites, "testsuite", name="llm-audit")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="llm-audit.version", value=__version__)
    ET.SubElement(props, "property", name="files_scanned", value=str(report.files_scanned))
    ET.SubElement(props, "property", name="model_calls", value=str(len(report.calls)))
    for f in report.findings:
        case = _case(suite, _classname(f.path), f"{f.rule_id} {names.get(f.rule_id, '')} at {f.path}:{f.line}:{f.column}")
        fail = ET.SubElement(case, "failure", message=_x(f.message), type=f.rule_id)
        text = f"{f.severity}: {f.path}:{f.line}:{f.column}: {f.rule_id} {f.message}"
        if f.fix_location is not None:
            text += f"\nfix at {f.fix_location.path}:{f.fix_location.line}"
        fail.text = _x(text)
    for f in report.suppressed:
        case = _case(suite, _classname(f.path), f"{f.rule_id} {names.get(f.rule_id, '')} at {f.path}:{f.line}:{f.column}")
        ET.SubElement(case, "skipped", message=_x(f"suppressed inline{': ' + f.suppressed if f.suppressed else ''}"))
    for e in report.errors:
        case = _case(suite, _classname(e.path), f"scan {e.path}")
        ET.SubElement(case, "error", message=_x(e.message), type="file-not-scanned").text = _x(f"{e.path}: {e.message}")
    if not (report.findings or report.suppressed or report.errors):
        _case(suite, "llm-audit", "no findings")
    tests = len(suite.findall("testcase"))
    counts = {"tests": tests, "failures": len(report.findings), "errors": len(report.errors),
              "skipped": len(report.suppressed)}
    for el in (suites, suite):
        for k, v in counts.items():
            if el is suites and k == "skipped":
                continue
            el.set(k, str(v))
        el.set("time", f"{report.seconds:.3f}")
    if hasattr(ET, "indent"):  # Python 3.9+
        ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
