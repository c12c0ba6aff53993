"""A GitHub Actions job's matrix, expanded as GitHub does (`strategy.matrix` lists, `include`, `exclude`), and
`${{ matrix.x }}` references filled in from one combination."""

from __future__ import annotations

import re

from viworks_lint.parsers.yamlnode import YNode, text_of

_MATRIX_VALUE = re.compile(r"\$\{\{\s*matrix\.([\w.-]+?)\s*(?:\|\|\s*'([^']*)'\s*)?\}\}")
_MAX_COMBOS = 64


def job_matrix(job: YNode) -> list[dict[str, str]]:
    """The matrix combinations a job runs with, as GitHub expands `strategy.matrix`: the product of its lists,
    then each `include` entry (added as a combination of its own when it matches none); `[{}]` without a
    matrix. Values a workflow computes (`${{ fromJSON(...) }}`) stay unknown."""
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if strategy is not None else None
    if matrix is None or not hasattr(matrix, "items"):
        return [{}]
    combos: list[dict[str, str]] = [{}]
    lists: dict[str, list[dict[str, str]]] = {"include": [], "exclude": []}
    for key, node in matrix.items():
        if key in lists:
            for el in node.elements() if hasattr(node, "elements") else []:
                if hasattr(el, "items"):
                    lists[key].append({k: t for k, v in el.items() if (t := text_of(v)) is not None})
        elif hasattr(node, "elements"):
            # a list of scalars, or of objects read as `matrix.<key>.<field>` (`{ image: pos, package: pos }`)
            values = [_entry(key, el) for el in node.elements()]
            values = [v for v in values if v]
            if values:
                combos = [{**c, **v} for c in combos for v in values][:_MAX_COMBOS]
    # `exclude` drops the combinations of the lists it matches on every key it names, before `include`
    combos = [c for c in combos if not any(all(c.get(k) == v for k, v in ex.items()) for ex in lists["exclude"])]
    includes = lists["include"]
    if includes:
        original = combos if combos != [{}] else []
        result = [dict(c) for c in original]
        for inc in includes:
            hit = False
            for combo, orig in zip(result[: len(original)], original, strict=True):
                if all(orig.get(k, v) == v for k, v in inc.items()):  # it overwrites no value of the matrix's own
                    combo.update(inc)
                    hit = True
            if not hit:
                result.append(dict(inc))
        combos = result
    return combos[:_MAX_COMBOS] or [{}]


def _entry(key: str, el: YNode) -> dict[str, str]:
    """One value of a matrix list: `{key: text}`, or `{key.field: text}` for each field of an object."""
    if el.is_map:
        return {f"{key}.{k}": t for k, v in el.items() if (t := text_of(v)) is not None}
    text = text_of(el)
    return {key: text} if text is not None else {}


def fill_matrix(value: str, matrix: dict[str, str]) -> str:
    """`${{ matrix.target }}` (and `${{ matrix.context || '.' }}`) filled in from one combination; left as
    written when the combination has no such key and no default."""

    def one(m: re.Match[str]) -> str:
        got = matrix.get(m.group(1))
        if got is not None:
            return got
        return m.group(2) if m.group(2) is not None else m.group(0)

    return _MATRIX_VALUE.sub(one, value)
