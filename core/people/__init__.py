"""Households and residents (户籍与居民): registers, search, statistics, spreadsheet import and
export, and personal-data protection (PIPL: masking, audited reads, export and anonymising).

:func:`init_app` registers the people pages and API; :mod:`core.people.hooks` answers core hooks.
"""
from __future__ import annotations

from core.people import counts as _counts  # noqa: F401  (registers the count listeners)
from core.people.models import DEFAULT_TAGS, Household, Person, PersonStatus, PersonTag, Tag

__all__ = ["DEFAULT_TAGS", "Household", "Person", "PersonStatus", "PersonTag", "Tag", "init_app"]


def init_app(app) -> None:
    """Register the people API and pages (called once from :func:`core.app.create_app`)."""
    from core.people import api, files, forms, pages

    app.register_blueprint(api.bp)
    app.register_blueprint(forms.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(pages.bp)
    app.add_template_filter(pages.tag_name)
