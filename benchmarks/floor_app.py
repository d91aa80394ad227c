"""The bare floor: a minimal ASGI app doing one raw SQLite insert per request, with the same
durability settings as the real app (WAL, synchronous=FULL, BEGIN IMMEDIATE)."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid

DB_PATH = os.environ["FLOOR_DB"]
_connection = sqlite3.connect(DB_PATH, isolation_level=None, check_same_thread=False)
_connection.execute("PRAGMA journal_mode = WAL")
_connection.execute("PRAGMA synchronous = FULL")
_connection.execute("CREATE TABLE IF NOT EXISTS entry (id TEXT PRIMARY KEY, body TEXT NOT NULL)")


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    data = json.loads(body)
    _connection.execute("BEGIN IMMEDIATE")
    _connection.execute("INSERT INTO entry (id, body) VALUES (?, ?)", (data.get("id") or str(uuid.uuid4()), body))
    _connection.execute("COMMIT")
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"created"}'})
