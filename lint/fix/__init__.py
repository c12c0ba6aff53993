"""``--fix``, ``--unsafe-fixes`` and ``--diff``: the fixes rules attach to findings (``viworks_lint.fixes``)
applied by one fixer per file format, keeping everything they do not touch byte for byte."""

from viworks_lint.fix.plan import FileChange, Plan, plan_fixes, unified_diff, write_plan

__all__ = ["FileChange", "Plan", "plan_fixes", "unified_diff", "write_plan"]
