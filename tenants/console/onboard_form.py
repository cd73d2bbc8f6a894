"""The county console's onboarding form (开通乡镇表单) ↔ a township manifest.

The form is a flat view of :class:`tenants.manifest.ManifestSchema`; onboarding itself is
:func:`tenants.onboarding.onboard_township`, so the form obeys exactly the manifest's rules. Its
errors (nested, e.g. ``admin.username`` or ``modules.hello.greeting``) are mapped back onto the
form's fields.
"""
from __future__ import annotations

import re
from typing import Any

FIELDS = ("name", "slug", "region_code", "grid_level_names", "grids",
          "admin.username", "admin.display_name", "admin.mobile", "admin.password", "modules")
_SPLIT = re.compile(r"[\n,，、/|]+")


def parse_grid_outline(text: str) -> list[dict[str, Any]]:
    """An indented outline (two spaces, a tab or a full-width space per level) to a grid tree::

        东门社区
          第一网格
          第二网格
        西门村
    """
    roots: list[dict[str, Any]] = []
    stack: list[tuple[int, dict[str, Any]]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        expanded = line.replace("\t", "  ").replace("\u3000", "  ")
        indent = len(expanded) - len(expanded.lstrip(" "))
        name = expanded.strip().lstrip("-*·• ").strip()
        if not name:
            continue
        node: dict[str, Any] = {"name": name, "children": []}
        while stack and stack[-1][0] >= indent:
            stack.pop()
        (stack[-1][1]["children"] if stack else roots).append(node)
        stack.append((indent, node))
    return roots


def manifest_from_form(form, county_slug: str) -> dict[str, Any]:
    """The manifest the form describes. Blank admin fields mean "no first admin"; a blank
    password with a username means "generate one and show it once"."""
    data: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "slug": form.get("slug", "").strip(),
        "county": county_slug,
        "grids": parse_grid_outline(form.get("grids", "")),
        "modules": {m: {} for m in form.getlist("modules")},
    }
    if form.get("region_code", "").strip():
        data["region_code"] = form["region_code"].strip()
    levels = [p.strip() for p in _SPLIT.split(form.get("grid_level_names", "")) if p.strip()]
    if levels:
        data["grid_level_names"] = levels
    admin = {k: form.get(f"admin.{k}", "").strip() for k in ("username", "display_name", "mobile", "password")}
    if any(admin.values()):
        data["admin"] = {"username": admin["username"], "display_name": admin["display_name"],
                         "mobile": admin["mobile"] or None, "password": form.get("admin.password") or None}
    return data


def _flatten(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            out.extend(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, (list, tuple)):
        for value in errors:
            out.extend(_flatten(value, prefix))
    else:
        out.append((prefix, str(errors)))
    return out


def errors_by_field(errors: dict[str, Any] | None) -> dict[str, list[str]]:
    """Manifest errors by form field; what no field owns goes under ``_form``. A message about a
    part of a field (``modules.hello.greeting``) names that part."""
    from core.console.forms import translate_message

    by_field: dict[str, list[str]] = {}
    for path, message in _flatten(errors or {}):
        owner = next((f for f in sorted(FIELDS, key=len, reverse=True) if path == f or path.startswith(f + ".")), None)
        if owner is None and path.startswith("admin"):
            owner = "admin.username"
        rest = path[len(owner) + 1:] if owner and path != owner else ""
        text = translate_message(message)
        by_field.setdefault(owner or "_form", []).append(f"{rest}: {text}" if rest else text)
    return by_field
