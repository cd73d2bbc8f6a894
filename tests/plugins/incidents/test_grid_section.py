"""The grid page carries the incidents section (open incidents, list, printable QR code) through
the grid_sections hook, only where the module is on and the user may report."""
from __future__ import annotations


def test_hook_grid_sections(create_tenant, create_grid, create_user, api_as):
    town = create_tenant(modules=["incidents"])
    root = create_grid(town, "东门社区")
    child = create_grid(town, "第一网格", root)
    child_id, child_token = child.id, child.public_token
    other_id = create_grid(town, "西门社区").id
    worker = create_user(roles=[(town, "grid_worker", root)])
    plain = create_tenant()
    plain_grid_id = create_grid(plain, "北门社区").id
    admin = create_user(roles=[(plain, "township_admin")])

    client = api_as(worker)
    html = client.get(f"/t/{town.slug}/grids/{child_id}").get_data(as_text=True)
    assert 'data-section="事件流转"' in html
    assert f"/t/{town.slug}/incidents/grids/{child_token}/qr" in html
    assert f"/t/{town.slug}/incidents/?grid_id={child_id}" in html
    # the printable QR page the link leads to works for this user
    assert client.get(f"/t/{town.slug}/incidents/grids/{child_token}/qr").status_code == 200
    # the worker cannot open a grid outside their subtree at all
    assert client.get(f"/t/{town.slug}/grids/{other_id}").status_code == 404
    # a township without the module shows no such section
    html = api_as(admin).get(f"/t/{plain.slug}/grids/{plain_grid_id}").get_data(as_text=True)
    assert "东门社区" not in html and 'data-section="事件流转"' not in html and "北门社区" in html


def test_incident_list_filters_by_grid_subtree(create_tenant, create_grid, create_user, api_as):
    town = create_tenant(modules=["incidents"])
    root = create_grid(town, "东门社区")
    root_id = root.id
    worker = create_user(roles=[(town, "grid_worker", root)])
    client = api_as(worker)
    assert client.get(f"/t/{town.slug}/incidents/?grid_id={root_id}").status_code == 200
    assert client.get(f"/t/{town.slug}/incidents/?grid_id=abc").status_code == 422
