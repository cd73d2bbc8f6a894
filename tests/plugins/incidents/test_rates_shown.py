"""Numbers explain themselves: a rate shows what it is made of, and nothing counted shows "—"."""
from __future__ import annotations

from tests.plugins.incidents.conftest import base


def test_a_township_with_no_reports_shows_a_dash_not_zero(town, api_as):
    staff = api_as(town.staff)
    page = staff.get(f"/t/{town.tenant.slug}/incidents/numbers").get_data(as_text=True)
    assert 'title="0/0">—' in page and "0.0%" not in page
    home = staff.get(f"/t/{town.tenant.slug}/").get_data(as_text=True)
    closure = home.split('data-key="incidents.closure_rate"')[1].split("</section>")[0]
    assert "—" in closure and "0.0" not in closure


def test_a_rate_shows_its_numerator_and_denominator(town, report, api_as):
    worker, staff = api_as(town.worker1), api_as(town.staff)
    done = report()["id"]
    for action in ("accept", "start", "resolve", "close"):
        assert worker.post(f"{base(town)}/{done}/{action}", json={}).status_code == 200
    report()
    page = staff.get(f"/t/{town.tenant.slug}/incidents/numbers").get_data(as_text=True)
    assert "50.0%" in page and "1/2" in page
    home = staff.get(f"/t/{town.tenant.slug}/").get_data(as_text=True)
    closure = home.split('data-key="incidents.closure_rate"')[1].split("</section>")[0]
    assert "50" in closure and "1/2" in closure


def test_the_hello_demo_card_is_not_shipped_to_real_townships():
    """The 问候 (hello) example module lives with the tests only: gridgov's own distribution
    registers the five modules and the tenancy layer, so no real township's home shows its card."""
    import configparser
    from pathlib import Path

    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parents[3] / "setup.cfg")
    shipped = {line.split("=")[0].strip() for line in cfg["options.entry_points"]["gridgov.plugins"].splitlines()
               if line.strip()}
    assert shipped == {"incidents", "five_star", "tenants", "points_bank", "mediation", "volunteer"}
