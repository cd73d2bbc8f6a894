"""County templates (县级模板): configuration a county publishes and its townships adopt.

A module declares what is templatable through the ``register_template_kinds`` hook
(:class:`core.specs.TemplateKind`). The county keeps one template per kind: an editable draft
and its published versions, which never change once published (publishing makes a new version).
A township adopts the county's current version: the kind's ``apply`` copies the items into the
township's own rows (copy-on-adopt), and the adoption keeps the link (template, version) and the
township's local overrides. Locked fields cannot be overridden. When the county publishes a newer
version the township is told, sees the diff, and updates on request, its overrides kept.

A township reads its county's rows through one path only,
:func:`core.tenancy.read_county_templates`; everything else stays inside one tenant.
"""
