from sqlalchemy import event
from sqlalchemy.engine import Engine
from flask import has_request_context, request

def test_find_writes(app, town, admin, api_as, add_person):
    from tests.core.people.conftest import new_id
    grid_id = town.grids["东一网格"]
    p = add_person(town, "读", grid_id, id_number=new_id())
    pid = p if isinstance(p, int) else p.id
    api = api_as(admin)
    seen = []
    @event.listens_for(Engine, "before_cursor_execute")
    def spy(conn, cursor, statement, params, context, executemany):
        if has_request_context() and request.method == "GET" and statement.split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append((request.path, statement[:150]))
    api.get(f"/t/{town.slug}/people/{pid}")
    api.get(f"/api/v1/t/{town.slug}/people/{pid}")
    event.remove(Engine, "before_cursor_execute", spy)
    print("\n".join(map(str, seen)))
    assert False
