"""llm-audit: static production-readiness auditor for code that calls language models."""

__version__ = "0.1.0"
