"""The bare-stack floor for ``benchmarks/http_load.py`` (基准对照): a Flask app answering the same
URLs as gridgov's API reads in the load mix, each by hand with the driver (SQLAlchemy Core
``text()``, a connection pool, no ORM, no scoping machinery, no schemas): one query to check the
bearer token against the township, one for the answer, ``jsonify``. Run under gunicorn::

    DATABASE_URL=... gunicorn -w 4 -b 127.0.0.1:8101 benchmarks.load.floor_app:app
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os

from flask import Flask, abort, jsonify, request
from sqlalchemy import create_engine, text

from core.config import normalise_database_url

app = Flask(__name__)
engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]), pool_size=4)

TOKEN = text("SELECT k.tenant_id FROM core_api_token k JOIN core_tenant t ON t.id = k.tenant_id "
             "WHERE k.digest = :d AND t.slug = :slug AND k.revoked_at IS NULL")


def tenant_of(conn, slug: str) -> int:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401)
    tenant = conn.execute(TOKEN, {"d": hashlib.sha256(header[7:].encode()).hexdigest(), "slug": slug}).scalar()
    if tenant is None:
        abort(404)
    return tenant


def rows(result) -> list[dict]:
    return [dict(r._mapping) for r in result]


@app.get("/healthz")
def healthz():
    return jsonify(ok=True)


@app.get("/api/v1/t/<slug>/grids")
def grids(slug):
    with engine.connect() as conn:
        t = tenant_of(conn, slug)
        return jsonify(items=rows(conn.execute(text(
            "SELECT id, parent_id, name, level, code, path FROM core_grid WHERE tenant_id = :t ORDER BY path"), {"t": t})))


@app.get("/api/v1/t/<slug>/people")
def people(slug):
    with engine.connect() as conn:
        t = tenant_of(conn, slug)
        return jsonify(items=rows(conn.execute(text(
            "SELECT id, name, gender, grid_id, household_id FROM core_person WHERE tenant_id = :t "
            "AND name_initials LIKE :q ORDER BY id LIMIT 20"), {"t": t, "q": request.args.get("q", "") + "%"})))


@app.get("/api/v1/t/<slug>/people/<int:person_id>")
def person(slug, person_id):
    with engine.connect() as conn:
        t = tenant_of(conn, slug)
        row = conn.execute(text("SELECT id, name, gender, birth_date, id_number, mobile, grid_id, household_id, status "
                                "FROM core_person WHERE tenant_id = :t AND id = :id"), {"t": t, "id": person_id}).first()
        if row is None:
            abort(404)
        return jsonify({k: str(v) if isinstance(v, (dt.date, dt.datetime)) else v for k, v in row._mapping.items()})


@app.get("/api/v1/t/<slug>/people/stats")
def people_stats(slug):
    with engine.connect() as conn:
        t = tenant_of(conn, slug)
        return jsonify(dict(conn.execute(text(
            "SELECT key, sum(n) FROM core_grid_count WHERE tenant_id = :t GROUP BY key"), {"t": t}).all()))


@app.get("/api/v1/t/<slug>/incidents")
def incidents(slug):
    with engine.connect() as conn:
        t = tenant_of(conn, slug)
        return jsonify(items=[{**r, "reported_at": str(r["reported_at"])} for r in rows(conn.execute(text(
            "SELECT id, state, level, grid_id, category_id, reported_at FROM incidents_incident WHERE tenant_id = :t "
            "ORDER BY reported_at DESC LIMIT 20"), {"t": t}))])


@app.get("/api/v1/t/<slug>/incidents/numbers")
def incident_numbers(slug):
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=90)
    with engine.connect() as conn:
        t = tenant_of(conn, slug)
        return jsonify(dict(conn.execute(text(
            "SELECT state, count(*) FROM incidents_incident WHERE tenant_id = :t AND reported_at >= :since GROUP BY state"),
            {"t": t, "since": since}).all()))
