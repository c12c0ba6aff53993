"""Rule metadata and registry. Rule modules live in ``viworks_lint.rules``; each defines one
``Rule`` with its docs beside its check, and registers it with :func:`register`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from viworks_lint.findings import Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix
from viworks_lint.location import Location

if TYPE_CHECKING:
    from viworks_lint.project import Project

HARDENING = "hardening"  # tag of rules about safety rather than breakage: gated by deployment scope
DOCS_URL = "https://github.com/viworks/viworks-lint/blob/main/docs/rules.md"


@dataclass(frozen=True)
class RuleDocs:
    what: str
    why: str
    example: str
    fix: str
    # how the automatic fix works and why it is safe or not ("" when the rule has none)
    fix_safety: str = ""


Check = Callable[["Project"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    level: Level
    summary: str
    docs: RuleDocs
    check: Check
    tags: tuple[str, ...] = ()
    default_enabled: bool = True
    # rules tagged "security": how bad the risk is, as a CVSS-like score (GitHub code scanning shows
    # 9.0+ critical, 7.0+ high, 4.0+ medium, below low)
    security_severity: float | None = None
    fixable: tuple[Applicability, ...] = ()  # the kinds of fix its findings may carry

    @property
    def fix_label(self) -> str:
        """``safe``, ``unsafe``, ``safe or unsafe`` or ``""``."""
        return " or ".join(a.value for a in Applicability if a in self.fixable)

    @property
    def fix_safety_heading(self) -> str:
        """``Fix safety (safe: applied by --fix)`` and the like, for ``--explain``."""
        how = {
            "safe": "safe: applied by --fix",
            "unsafe": "unsafe: applied by --fix --unsafe-fixes",
            "safe or unsafe": "safe or unsafe: see below",
        }.get(self.fix_label, "none")
        return f"Fix safety ({how})"

    @property
    def fix_safety_text(self) -> str:
        """The "Fix safety" section of the docs."""
        if not self.fixable:
            return "No automatic fix: the change needs a decision only the project's authors can make."
        return self.docs.fix_safety or f"Fixable ({self.fix_label})."

    @property
    def hardening(self) -> bool:
        """A hardening rule (tag ``hardening``): it reports only on what ships, see ``scope.py``."""
        return HARDENING in self.tags

    @property
    def help_uri(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}-{self.name}"

    def finding(
        self,
        message: str,
        location: Location,
        *,
        key: str = "",
        related: tuple[Related, ...] = (),
        extra: dict[str, str] | None = None,
        fix: Fix | None = None,
        level: Level | None = None,
    ) -> Finding:
        """Shorthand used by checks: ``yield RULE.finding("msg", loc, key=...)``. ``level`` overrides the rule's
        own level for this finding (a note where the defect is only likely); config levels still win."""
        return Finding(
            self.id, message, location, related=related, key=key, extra=dict(extra or {}), fix=fix, level=level
        )


_REGISTRY: dict[str, Rule] = {}


HARDENING_SCOPE = (
    "As a hardening rule it stays silent on files that do not ship (scope `dev`, `test`, `ci`, `toolchain`, "
    "`aux`: see the README's deployment scope), and on a shipped image that runs no binary built from this "
    "repository's crates it is only a note."
)


def register(rule: Rule) -> Rule:
    if rule.id in _REGISTRY:
        raise ValueError(f"duplicate rule id {rule.id}")
    if rule.hardening and HARDENING_SCOPE not in rule.docs.what:
        rule = replace(rule, docs=replace(rule.docs, what=f"{rule.docs.what} {HARDENING_SCOPE}"))
    _REGISTRY[rule.id] = rule
    return rule


def all_rules() -> list[Rule]:
    import viworks_lint.rules  # noqa: F401  (imports every rule module)

    return sorted(_REGISTRY.values(), key=lambda r: r.id)


def get_rule(ident: str) -> Rule | None:
    """Look a rule up by id (``VW101``) or name (``cargo-target-missing``)."""
    ident_l = ident.strip().lower()
    for r in all_rules():
        if r.id.lower() == ident_l or r.name == ident_l:
            return r
    return None
