"""``gridgov bench-data``: benchmark data at scale (:mod:`tenants.bench_data`)."""
from __future__ import annotations

import click

from core.i18n import N_


def register_bench_data_command(cli: click.Group) -> None:
    @cli.command("bench-data", help=N_("批量生成大规模的基准测试数据，含模块数据（可按乡镇续跑）。"))
    @click.option("--scale", type=click.Choice(["township", "county", "prefecture"]), required=True,
                  help=N_("township：1,000 个网格、100,000 名居民；county：20 个乡镇；prefecture：8 个县。"))
    @click.option("--factor", type=click.FloatRange(0.001, 1.0), default=1.0, show_default=True,
                  help=N_("网格、居民和模块数据按此倍数缩小。"))
    @click.option("--prefix", default="sc", show_default=True, help=N_("生成的县的标识前缀。"))
    def bench_data(scale, factor, prefix):
        """Generate benchmark data at scale with module data, in bulk (resumable per township)."""
        from tenants.bench_data import build_scale

        build_scale(scale, factor, prefix, report=click.echo)
