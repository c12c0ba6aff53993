"""Compose's merge rules for a base file and its overrides: mappings merge key by key, some service lists
add entries or replace them by target, and list-form mappings (``environment``, ``labels``) merge as mappings."""

from __future__ import annotations

from viworks_lint.parsers.yamlnode import YNode

_CONCAT = {"ports", "expose", "external_links", "dns", "dns_search", "dns_opt", "tmpfs", "cap_add", "cap_drop"}
_MAPPISH = {"environment", "labels", "extra_hosts", "sysctls", "annotations", "args"}
_BY_TARGET = {"volumes", "devices", "secrets", "configs"}


def as_map(node: YNode, sep: str = "=") -> YNode:
    """Normalise a list-form mapping (environment, labels) to a mapping node."""
    if not node.is_list:
        return node
    out = YNode({}, node.loc)
    for el in node.elements():
        text = el.text() or ""
        name, has, val = text.partition(sep)
        key = name if sep == "=" else name.strip()  # compose keeps `KEY ` of `- KEY = v` as the name
        out.value[key] = YNode(val if has else None, el.loc, raw=el.raw, listed=True)
        out.keys[key] = el.loc
    return out


def _target_of(el: YNode) -> str:
    if el.is_map:
        tgt = el.get("target") or el.get("source")
        return (tgt.text() or "") if tgt else ""
    text = el.text() or ""
    parts = text.split(":")
    return parts[1] if len(parts) >= 2 else parts[0]


def merge_nodes(base: YNode, over: YNode, path: tuple[str, ...]) -> YNode:
    key = path[-1] if path else ""
    in_service = len(path) >= 3 and path[0] == "services"
    if in_service and len(path) == 3 and key in _MAPPISH:
        base, over = as_map(base), as_map(over)
    if base.is_map and over.is_map:
        out = YNode(dict(base.value), over.loc, dict(base.keys))
        for k, v in over.items():
            out.value[k] = merge_nodes(base.value[k], v, (*path, k)) if k in base.value else v
            out.keys[k] = over.key_loc(k)
        return out
    if base.is_list and over.is_list and in_service and len(path) == 3:
        if key in _CONCAT:
            seen = {str(e.plain()) for e in base.elements()}
            return YNode(base.elements() + [e for e in over.elements() if str(e.plain()) not in seen], over.loc)
        if key in _BY_TARGET:
            by: dict[str, YNode] = {_target_of(e): e for e in base.elements()}
            for e in over.elements():
                by[_target_of(e)] = e
            return YNode(list(by.values()), over.loc)
    return over
