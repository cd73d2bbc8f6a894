"""The grid (网格): a per-township tree of 1 to 6 levels with unified codes, the party
organisations built on it (支部建在网格上) and the people who look after each grid (网格职责).

``init_app(app)`` registers the grid API (``/api/v1/t/<tenant>/grids``, ``/party-orgs``) and the
grid pages (``/t/<tenant>/grids/``).
"""
from __future__ import annotations


def init_app(app) -> None:
    from core.grid.api import bp as api_bp
    from core.grid.views import bp as pages_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    from core.grid.place import grid_place

    app.add_template_filter(grid_place)  # {{ grid | grid_place }}: 查冲村 › 一组
