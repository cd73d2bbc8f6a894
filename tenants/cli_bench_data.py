"""``gridgov demo --scale``: data at scale with module data (:mod:`tenants.bench_data`);
``gridgov bench-data --scale`` is the same command under the name the benchmarks first used."""
from __future__ import annotations

import click

from core.i18n import N_

SCALES = ["township", "county", "prefecture"]


def scale_options(command):
    """The options of a build at scale, shared by ``demo --scale`` and ``bench-data``."""
    for option in reversed([
        click.option("--factor", type=click.FloatRange(0.001, 1.0), default=1.0, show_default=True,
                     help=N_("网格、居民和模块数据按此倍数缩小。")),
        click.option("--prefix", default="sc", show_default=True, help=N_("生成的县的标识前缀。")),
        click.option("--residents", type=click.IntRange(1, 1_000_000), default=None,
                     help=N_("每个乡镇的居民数（默认按规模，再乘以 --factor）。")),
    ]):
        command = option(command)
    return command


def run_scale(scale: str, factor: float, prefix: str, residents: int | None) -> None:
    from tenants.bench_data import build_scale

    build_scale(scale, factor, prefix, report=click.echo, residents=residents)


def register_bench_data_command(cli: click.Group) -> None:
    @cli.command("bench-data", help=N_(
        "与 gridgov demo --scale 相同：批量生成大规模数据，含模块数据（可按乡镇续跑）。"))
    @click.option("--scale", type=click.Choice(SCALES), required=True,
                  help=N_("township：1,000 个网格、100,000 名居民；county：20 个乡镇；prefecture：8 个县。"))
    @scale_options
    def bench_data(scale, factor, prefix, residents):
        """The same as ``gridgov demo --scale`` (data at scale with module data, resumable)."""
        run_scale(scale, factor, prefix, residents)
