"""A throw-away PostgreSQL database per test, on the server ``KHO_TEST_DATABASE_URL`` names."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from sqlalchemy.engine import make_url


def postgres_database(server_url: str) -> Iterator[str]:
    import psycopg

    url = make_url(server_url)
    name = f"kho_test_{secrets.token_hex(6)}"
    admin = url.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
