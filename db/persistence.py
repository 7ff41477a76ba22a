"""Storage for python-telegram-bot's persistence: conversation states and per-user data, as JSON."""

from __future__ import annotations

import json
from typing import Any

from db.database import Database


async def load_conversations(db: Database, conversation: str) -> dict[tuple[int | str, ...], Any]:
    rows = await db.fetch_all(
        "SELECT state_key, state FROM conversation_states WHERE conversation = ?", (conversation,)
    )
    return {tuple(json.loads(row[0])): json.loads(row[1]) for row in rows}


async def save_conversation(
    db: Database, conversation: str, key: tuple[int | str, ...], state: object | None
) -> None:
    encoded_key = json.dumps(list(key))
    if state is None:
        await db.execute(
            "DELETE FROM conversation_states WHERE conversation = ? AND state_key = ?",
            (conversation, encoded_key),
        )
        return
    await db.execute(
        "INSERT INTO conversation_states (conversation, state_key, state) VALUES (?, ?, ?)"
        " ON CONFLICT(conversation, state_key) DO UPDATE SET state = excluded.state",
        (conversation, encoded_key, json.dumps(state)),
    )


async def end_conversations_but(db: Database, conversation: str,
                                key: tuple[int | str, ...]) -> None:
    await db.execute(
        "DELETE FROM conversation_states WHERE state_key = ? AND conversation != ?",
        (json.dumps(list(key)), conversation),
    )


async def load_data(db: Database, scope: str) -> dict[int, dict[Any, Any]]:
    rows = await db.fetch_all("SELECT owner_id, data FROM persisted_data WHERE scope = ?", (scope,))
    return {row[0]: json.loads(row[1]) for row in rows}


async def save_data(db: Database, scope: str, owner_id: int, data: dict[Any, Any]) -> None:
    if not data:
        await drop_data(db, scope, owner_id)
        return
    await db.execute(
        "INSERT INTO persisted_data (scope, owner_id, data) VALUES (?, ?, ?)"
        " ON CONFLICT(scope, owner_id) DO UPDATE SET data = excluded.data",
        (scope, owner_id, json.dumps(data)),
    )


async def drop_data(db: Database, scope: str, owner_id: int) -> None:
    await db.execute(
        "DELETE FROM persisted_data WHERE scope = ? AND owner_id = ?", (scope, owner_id)
    )


async def drop_conversations_of(db: Database, user_id: int) -> None:
    """Erasing a member also erases any half-finished conversation keyed by their id."""
    await db.execute(
        "DELETE FROM conversation_states WHERE EXISTS ("
        " SELECT 1 FROM json_each(state_key) WHERE json_each.value = ?)",
        (user_id,),
    )
