"""``gridgov demo --scale``: data at scale with module data (:mod:`tenants.bench_data`);
``gridgov bench-data --scale`` is the same command under the name the benchmarks first used."""
from __future__ import annotations

import click

from flask_babel import gettext as _

SCALES = ["township", "county", "prefecture"]


def scale_options(command):
    """The options of a build at scale, shared by ``demo --scale`` and ``bench-data``."""
    for option in reversed([
        click.option("--factor", type=click.FloatRange(0.001, 1.0), default=1.0, show_default=True,
                     help="Shrink grids, residents and module data by this factor."),
        click.option("--prefix", default="sc", show_default=True, help="Slug prefix of the generated counties."),
        click.option("--residents", type=click.IntRange(1, 1_000_000), default=None,
                     help="Residents per township (default: the scale's, times --factor)."),
    ]):
        command = option(command)
    return command


def run_scale(scale: str, factor: float, prefix: str, residents: int | None) -> None:
    from tenants.bench_data import build_scale

    build_scale(scale, factor, prefix, report=click.echo, residents=residents)


def register_bench_data_command(cli: click.Group) -> None:
    @cli.command("bench-data")
    @click.option("--scale", type=click.Choice(SCALES), required=True,
                  help="township: 1,000 grids, 100,000 residents; county: 20 townships; prefecture: 8 counties.")
    @scale_options
    def bench_data(scale, factor, prefix, residents):
        """The same as ``gridgov demo --scale`` (data at scale with module data, resumable)."""
        run_scale(scale, factor, prefix, residents)
