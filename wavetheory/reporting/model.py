"""The report's view of a ``claims.json`` dict: claims, their rows and checks, every number labelled in words.

Reads schema 3 (``docs`` SCHEMA: claims with ``rows``, checks with ``quantity``, ``relation``,
``interval``, ``controls`` and ``revision``) and the older files without ``schema``, whose claims hold
their ``checks`` directly: there each claim is read as one row. Internal keys (a check's ``numbers``
dict, such as ``c14_rnn_operating_point``) are never shown: every number the report prints is a
check's decided value, its threshold, its interval or its per-seed values, each under the check's
quantity in words; the raw numbers stay in ``claims.json``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STATUSES", "RULE", "Check", "Row", "Claim", "Run", "fmt", "read_run"]

STATUSES = ("proved", "verified", "reproduced", "refined", "refuted", "open")
RULE = {  # one line per status; the full rule, row by row, is the docs page "How a status is decided"
    "proved": "every stated check passed, a symbolic check of general scope among them, none with trained networks",
    "verified": "every stated check passed, numerically or by a proof up to a bound",
    "reproduced": "every stated check passed, one of them with trained networks",
    "refined": "the claim as worded failed somewhere, and a corrected statement (a refined check) passed in its place",
    "refuted": "a failed stated check that nothing rescues, or every stated check of a row failed",
    "open": "no data to decide (a run that crashed, a precondition not met, too few seeds), with the reason",
}
KIND_WORDS = {"stated": "the claim as written", "refined": "a corrected statement", "limit": "where it stops holding",
              "control": "where the effect must be absent"}
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+$")  # snake_case keys: never shown as labels


def fmt(value: Any) -> str:
    """A number as the report prints it: 4 significant digits, integers whole, null as 'n/a'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}" if value != int(value) or abs(value) >= 1e6 else str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    if isinstance(value, dict):  # several measured quantities: each under its name in words
        return ", ".join(f"{_words(k)} {fmt(v)}" for k, v in value.items())
    return str(value)


def _words(text: str) -> str:
    """A label fit to read: an identifier-like key becomes words (``eig_match_mean`` -> ``eig match mean``)."""
    text = str(text).strip()
    return text.replace("_", " ") if _IDENTIFIER.match(text) else text


@dataclass(frozen=True)
class Check:
    statement: str  # what the check asserts (its name, when the name is a sentence, not a key), or ""
    label: str  # the measured quantity (or the check's name in words)
    kind: str
    road: str
    passed: bool
    value: Any
    threshold: Any
    relation: str  # "" where the file does not say
    interval: list | None
    values: list | None  # per seed
    detail: str
    scope: str
    justification: str
    replaces: str  # the label of the stated check it replaces, or ""
    controls: list[dict]  # {"label", "median", "interval"}
    revisions: list[dict]  # each {"old", "new", "reason", ...}: a threshold or kind changed after data was seen
    universal: bool  # one counterexample refutes (no seed may fail)
    name: str  # the key in claims.json, used only to link checks to one another

    @property
    def mark(self) -> str:
        return "PASS" if self.passed else "FAIL"

    @property
    def bar(self) -> str:
        """The threshold as the checks table shows it: '<= 0.05', or '0.05' where the relation is not recorded."""
        if self.threshold is None:
            return ""
        return f"{self.relation} {fmt(self.threshold)}" if self.relation else fmt(self.threshold)

    @property
    def requirement(self) -> str:
        """'needs <= 0.05' where the relation is known, 'threshold 0.05' otherwise, '' without a threshold."""
        if self.threshold is None:
            return ""
        return f"needs {self.relation} {fmt(self.threshold)}" if self.relation else f"threshold {fmt(self.threshold)}"


@dataclass(frozen=True)
class Row:
    id: str
    wording: str
    status: str
    verdict: str
    reason: str
    revised: bool
    cites: list[str]
    checks: list[Check]

    def counts(self) -> str:
        """'stated 3/3, limit 1/2': passed over run, per kind."""
        parts = []
        for kind in ("stated", "refined", "limit", "control"):
            ks = [c for c in self.checks if c.kind == kind]
            if ks:
                parts.append(f"{kind} {sum(c.passed for c in ks)}/{len(ks)}")
        return ", ".join(parts) or "no check ran"


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    source: str
    status: str
    scope: str  # the verdict's scope text, without the status word
    summary: str
    decided: dict | None  # {"label", "value", "requirement", "passed", "interval", "inferred"}
    rows: list[Row]
    figures: list[str] = field(default_factory=list)  # file names

    @property
    def row_statuses(self) -> str:
        """'3 rows: 2 reproduced, 1 refuted' (one row: its status is the claim's)."""
        if len(self.rows) <= 1:
            return "1"
        counts = {s: sum(r.status == s for r in self.rows) for s in STATUSES}
        return f"{len(self.rows)}: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)


@dataclass(frozen=True)
class Run:
    schema: int | None
    meta: dict
    claims: list[Claim]

    def status_counts(self) -> str:
        counts = {s: sum(c.status == s for c in self.claims) for s in STATUSES}
        return ", ".join(f"{n} {s}" for s, n in counts.items() if n)


def _scope_text(scope: Any) -> str:
    return scope.get("text", "") if isinstance(scope, dict) else str(scope or "")


def _statement(name: str) -> str:
    return "" if _IDENTIFIER.match(str(name).strip()) else str(name)


def _refer(name: str, labels: dict[str, str]) -> str:
    """How one check names another (a control, the stated check a refined one replaces): by its statement."""
    return _statement(name) or labels.get(name, _words(name))


def _check(raw: dict, labels: dict[str, str]) -> Check:
    controls = []
    for ctl in raw.get("controls") or []:
        diff = ctl.get("difference") or {}
        controls.append({"label": _refer(ctl.get("name", ""), labels),
                         "median": diff.get("median"), "interval": diff.get("interval")})
    replaces = raw.get("replaces") or ""
    statement = _statement(raw["name"])
    return Check(statement="" if statement == labels[raw["name"]] else statement, label=labels[raw["name"]],
                 kind=raw.get("kind", ""), road=raw.get("road", ""),
                 passed=bool(raw.get("passed")), value=raw.get("value"), threshold=raw.get("threshold"),
                 relation=raw.get("relation") or "", interval=raw.get("interval"),
                 values=raw.get("values", raw.get("per_seed")), detail=raw.get("detail") or "",
                 scope=_scope_text(raw.get("scope")), justification=raw.get("justification") or "",
                 replaces=_refer(replaces, labels) if replaces else "", controls=controls,
                 revisions=list(raw.get("revisions") or ([raw["revision"]] if raw.get("revision") else [])),
                 universal=bool(raw.get("universal")), name=raw["name"])


def _label(raw: dict) -> str:
    return _words(raw.get("quantity") or raw["name"])


def _inferred_decider(status: str, checks: list[dict], claim_id: str = "") -> dict | None:
    """For files without ``decided_by``: the check the status rule turned on (see ``RULE``).

    refuted: the first failed stated or control check that no passing refined check replaces; refined:
    the first passing refined check; proved: the claim's own general proof, else the first passing stated
    check of general scope; otherwise the first stated check.
    """
    replaced = {c.get("replaces") for c in checks if c.get("kind") == "refined" and c.get("passed")}
    pick = None
    if status == "refuted":
        pick = next((c for c in checks if c.get("kind") in ("stated", "control") and not c.get("passed")
                     and c["name"] not in replaced), None)
    elif status == "refined":
        pick = next((c for c in checks if c.get("kind") == "refined" and c.get("passed")), None)
    elif status == "proved":  # the claim's own proof first (proofs/c2_... for C2), then any general one
        general = [c for c in checks if c.get("kind") == "stated" and c.get("passed")
                   and isinstance(c.get("scope"), dict) and c["scope"].get("general")]
        own = [c for c in general if f"/{claim_id.lower()}_" in c["name"]]
        pick = (own or general or [None])[0]
    if pick is None and status != "open":
        pick = next((c for c in checks if c.get("kind") == "stated"), None)
    return pick


def _decided(raw: dict, checks: list[dict], labels: dict[str, str]) -> dict | None:
    by_name = {c["name"]: c for c in checks}
    given = raw.get("decided_by")
    if given:
        check = by_name.get(given.get("check", ""), {})
        rel = given.get("relation") or check.get("relation") or ""
        thr = given.get("threshold", check.get("threshold"))
        name = given.get("check", "")
        statement = _statement(name)
        label = labels.get(name, _words(name))
        return {"label": label if not statement or statement == label else f"{statement}; {label}",
                "value": fmt(given.get("value")),
                "requirement": ("needs " + f"{rel} {fmt(thr)}".strip()) if thr is not None else "",
                "passed": check.get("passed"), "interval": given.get("interval", check.get("interval")), "inferred": False}
    pick = _inferred_decider(raw.get("status", ""), checks, raw.get("id", ""))
    if pick is None:
        return None
    c = _check(pick, labels)
    # an older file's value is not always the decided quantity (trained checks held a pass fraction): its
    # detail's first clause, formatted by the claim from the measured values, says what was measured
    value = c.detail.split(";")[0].strip() if c.detail else fmt(c.value)
    return {"label": c.label, "value": value, "requirement": "" if c.detail else c.requirement, "passed": c.passed,
            "interval": None, "inferred": True}


def _claim(raw: dict) -> Claim:
    status = raw.get("status", "open")
    rows_raw = raw.get("rows")
    if rows_raw is None:  # an older file: the claim is its one row
        rows_raw = [{"id": raw["id"], "wording": raw.get("title", ""), "status": status, "verdict": raw.get("verdict", status),
                     "checks": raw.get("checks", [])}]
    checks = [c for r in rows_raw for c in r.get("checks", [])]
    labels = {c["name"]: _label(c) for c in checks}
    rows = [Row(id=r.get("id", raw["id"]), wording=r.get("wording", ""), status=r.get("status", status),
                verdict=r.get("verdict", ""), reason=r.get("reason") or "", revised=bool(r.get("revised")),
                cites=list(r.get("cites") or []), checks=[_check(c, labels) for c in r.get("checks", [])])
            for r in rows_raw]
    verdict = raw.get("verdict", status)
    scope = raw.get("scope") if isinstance(raw.get("scope"), str) else ""
    if not scope and verdict.startswith(status) and verdict != status:
        scope = verdict[len(status):].strip().removeprefix("(").removesuffix(")")
    figures = [str(f).replace("\\", "/").rsplit("/", 1)[-1] for f in raw.get("figures") or []]
    return Claim(id=raw["id"], title=raw.get("title", ""), source=raw.get("source", ""), status=status, scope=scope,
                 summary=raw.get("summary") or "", decided=_decided(raw, checks, labels), rows=rows, figures=figures)


def read_run(claims: dict) -> Run:
    """The report's view of a claims.json dict (schema 3, or an older file read one row per claim)."""
    if not isinstance(claims, dict) or not isinstance(claims.get("claims"), list):
        raise TypeError("claims: expected the claims.json dict, {'meta': ..., 'claims': [...]}")
    return Run(schema=claims.get("schema"), meta=dict(claims.get("meta") or {}), claims=[_claim(c) for c in claims["claims"]])
