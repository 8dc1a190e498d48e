#!/usr/bin/env python3
"""Small psycopg2 helper for run.sh (no psql needed).

  bench_db.py recreate        drop and create $DJANGO_BENCH_DB_NAME
  bench_db.py drop            drop $DJANGO_BENCH_DB_NAME
  bench_db.py note-columns    tenant schemas whose shop_item has the AddField column
  bench_db.py server-version  PostgreSQL server_version
"""
import os
import sys
from contextlib import closing
from urllib.parse import unquote, urlsplit

import psycopg2
from psycopg2 import sql


def connect(dbname=None):
    url = urlsplit(os.environ["DJANGO_BENCH_DATABASE_URL"])
    conn = psycopg2.connect(
        dbname=dbname or url.path.lstrip("/") or "postgres",
        user=unquote(url.username or ""),
        password=unquote(url.password or ""),
        host=url.hostname or "",
        port=url.port or 5432,
    )
    conn.autocommit = True
    return conn


def main(cmd):
    name = os.environ.get("DJANGO_BENCH_DB_NAME", "ipai_django_bench")
    # Connections are used without `with conn:`, which opens a transaction in psycopg2 2.9
    # even in autocommit mode (DROP/CREATE DATABASE cannot run inside one).
    if cmd in ("recreate", "drop"):
        with closing(connect()) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            if cmd == "recreate":
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    elif cmd == "note-columns":
        with closing(connect(name)) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM information_schema.columns"
                        " WHERE table_name = 'shop_item' AND column_name = 'note'")
            print(cur.fetchone()[0])
    elif cmd == "server-version":
        with closing(connect()) as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version")
            print(cur.fetchone()[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
