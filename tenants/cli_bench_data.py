"""``gridgov bench-data``: benchmark data at scale (:mod:`tenants.bench_data`)."""
from __future__ import annotations

import click


def register_bench_data_command(cli: click.Group) -> None:
    @cli.command("bench-data")
    @click.option("--scale", type=click.Choice(["township", "county", "prefecture"]), required=True,
                  help="township: 1,000 grids, 100,000 residents; county: 20 townships; prefecture: 8 counties.")
    @click.option("--factor", type=click.FloatRange(0.001, 1.0), default=1.0, show_default=True,
                  help="Shrink grids, residents and module data by this factor.")
    @click.option("--prefix", default="sc", show_default=True, help="Slug prefix of the generated counties.")
    def bench_data(scale, factor, prefix):
        """Generate benchmark data at scale with module data, in bulk (resumable per township)."""
        from tenants.bench_data import build_scale

        build_scale(scale, factor, prefix, report=click.echo)
