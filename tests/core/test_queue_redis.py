"""The production queue on Redis (GRIDGOV_QUEUE_URL=redis://...): two apps stand for two hosts on one
queue; a job started on one is run by the other's consumer and read back on the first; job states
expire in Redis; a schedule's tick is claimed by one host only."""
from __future__ import annotations

import time
import uuid

import pytest
from huey import RedisExpireHuey, SqliteHuey

from core import jobs
from core.db import db
from core.queue import huey_of, running_consumer
from core.schedules import fire

REDIS = "redis://127.0.0.1:6379/0"


def work_on_another_host(run):
    return {"tenant": run.job.tenant_id}


@pytest.fixture
def hosts(app):
    """Two apps on the same database and the same Redis queue (a name of this test's own)."""
    from core import create_app

    name = f"gridgov-test-{uuid.uuid4().hex[:8]}"
    made = [create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "INSTANCE_PATH": app.instance_path, "SECRET_KEY": "test-secret",
                        "GRIDGOV_QUEUE_URL": REDIS, "GRIDGOV_QUEUE_NAME": name}) for _ in range(2)]
    yield made
    huey_of(made[0]).storage.flush_all()
    for other in made:
        with other.app_context():
            db.engine.dispose()


def test_the_queue_is_redis_when_configured_and_sqlite_by_default(app, hosts):
    assert isinstance(huey_of(app), SqliteHuey) and huey_of(app).storage.filename.endswith("queue.db")
    assert isinstance(huey_of(hosts[0]), RedisExpireHuey)


def test_a_queue_url_of_another_kind_is_refused_at_start(app):
    from core import create_app
    from core.config import ConfigError

    with pytest.raises(ConfigError, match="GRIDGOV_QUEUE_URL"):
        create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "INSTANCE_PATH": app.instance_path, "GRIDGOV_QUEUE_URL": "amqp://127.0.0.1/"})


def test_a_job_started_on_one_host_is_run_by_another_hosts_consumer(db_session, create_tenant, create_user, hosts):
    web, worker = hosts
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    with web.app_context():
        job = jobs.start("probe", work_on_another_host, tenant=town, user=user)
    with running_consumer(worker, workers=1):
        deadline = time.monotonic() + 60
        with web.app_context():
            while time.monotonic() < deadline and not jobs.get(job.id, town.id).finished:
                time.sleep(0.05)
            done = jobs.get(job.id, town.id)
            assert done.status == jobs.SUCCEEDED and jobs.result(done) == {"tenant": town.id}
            storage = huey_of(web).storage
            key = storage.result_key(f"gridgov.job.{town.id}.{job.id}")
            assert 0 < storage.conn.ttl(key) <= jobs.KEEP_FOR  # Redis forgets it after a day


def test_a_tick_is_claimed_by_one_host_only(db_session, create_tenant, hosts):
    import datetime as dt

    create_tenant(modules=["civic_notes"])
    tick = dt.datetime(2026, 5, 4, 15, 30)  # 23:30 in Beijing
    answers = []
    for host in hosts:
        with host.app_context():
            answers.append(fire("civic_notes.nightly_notes", now=tick))
    assert len([a for a in answers if a]) == 1
