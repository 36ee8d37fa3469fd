"""The weekly report as JSON: the report dict as it is, indented, keys in the contract's order.

This is the contract for scripts and the API (DESIGN.md, "JSON shape"), so it adds nothing and
reorders nothing: insertion order of the dict is the documented key order.
"""

from __future__ import annotations

import json

from calendar_slack.report.model import Report


def to_json(report: Report) -> str:
    """`report` as indented JSON text (UTF-8 characters kept), ending with a newline."""
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
