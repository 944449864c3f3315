"""Backward-compatibility rules for event schemas (DESIGN.md §2: v1 only gains optional fields).

A new schema is compatible with an old one when every consumer written against the old schema
still reads every event produced against the new one: no property removed, no property's type
changed or narrowed, no new required property, no enum value removed.
"""

from __future__ import annotations

from typing import Any


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(root["$defs"][ref.removeprefix("#/$defs/")], root)
    return schema


def _shape(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """A comparable description of a property's accepted values (type, format, enum, items)."""
    s = _resolve(schema, root)
    if "anyOf" in s:
        return ("anyOf", tuple(sorted(repr(_shape(x, root)) for x in s["anyOf"])))
    out: dict[str, Any] = {k: s[k] for k in ("type", "format", "const") if k in s}
    if "enum" in s:
        out["enum"] = tuple(sorted(map(str, s["enum"])))
    if "items" in s:
        out["items"] = _shape(s["items"], root)
    if "properties" in s:
        out["properties"] = {k: _shape(v, root) for k, v in s["properties"].items()}
    return out


def _enum_values(shape: Any) -> set[str]:
    if isinstance(shape, dict) and "enum" in shape:
        return set(shape["enum"])
    return set()


def _compare_object(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    old_props = old.get("properties", {})
    new_props = new.get("properties", {})
    for name, old_shape in old_props.items():
        where = f"{path}.{name}" if path else name
        if name not in new_props:
            problems.append(f"property '{where}' was removed")
            continue
        new_shape = new_props[name]
        if isinstance(old_shape, dict) and "properties" in old_shape:
            if not isinstance(new_shape, dict) or "properties" not in new_shape:
                problems.append(f"property '{where}' is no longer an object")
            else:
                problems.extend(_compare_object(old_shape, new_shape, where))
            continue
        old_enum, new_enum = _enum_values(old_shape), _enum_values(new_shape)
        if old_enum and new_enum:
            if missing := old_enum - new_enum:
                problems.append(f"enum values {sorted(missing)} removed from '{where}'")
            continue
        if old_shape != new_shape:
            problems.append(f"property '{where}' changed type: {old_shape!r} -> {new_shape!r}")
    return problems


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every reason why `new` breaks consumers of `old` (empty when compatible)."""
    old_top = {"properties": {k: _shape(v, old) for k, v in old.get("properties", {}).items()}}
    new_top = {"properties": {k: _shape(v, new) for k, v in new.get("properties", {}).items()}}
    problems = _compare_object(old_top, new_top, "")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    for name in sorted(added_required):
        problems.append(f"property '{name}' became required")
    return problems
