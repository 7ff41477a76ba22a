"""python-telegram-bot persistence in the bot's own SQLite database instead of pickle files.

Only conversation states and ``user_data`` are persisted: that is what a member's half-finished
conversation needs to survive a restart. Everything else lives in proper tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from db import persistence as store
from db.database import Database

UserData = dict[Any, Any]


class SQLitePersistence(BasePersistence[UserData, UserData, UserData]):
    def __init__(self, db: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._db = db
        self._stored: set[int] = set()  # the users who have a row of data
        self._asking: set[tuple[str, ConversationKey]] = set()
        self._writing = asyncio.Lock()

    async def get_user_data(self) -> dict[int, UserData]:
        data = await store.load_data(self._db, "user")
        self._stored = set(data)
        return data

    async def get_chat_data(self) -> dict[int, UserData]:
        return {}

    async def get_bot_data(self) -> UserData:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return await store.load_conversations(self._db, name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """PTB's periodic write of the state it holds in memory, skipped while a handler is
        asking its next question: that state is then older than the step :meth:`save_step`
        wrote, and the handler's return brings PTB's copy up to date before its next write."""
        async with self._writing:
            if (name, key) not in self._asking:
                await store.save_conversation(self._db, name, key, new_state)

    @contextlib.asynccontextmanager
    async def asking(self, conversation: str, key: ConversationKey, state: object,
                     user_id: int, user_data: UserData) -> AsyncIterator[None]:
        """Saves a conversation's next step, and the user's data, in one transaction before the
        question is sent (see :mod:`handlers.steps`); PTB's older copy of the step is not
        written back over it until the question is out. Any other conversation of the person's
        is ended in the same write (:mod:`handlers.leaving` ended it in memory): after a restart
        it could otherwise take the answer first."""
        async with self._writing:
            async with self._db.transaction():
                await self._save_user_data(user_id, user_data)
                await store.save_conversation(self._db, conversation, key, state)
                await store.end_conversations_but(self._db, conversation, key)
            self._asking.add((conversation, key))
        try:
            yield
        finally:
            self._asking.discard((conversation, key))

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        """PTB hands over every user an update came from; most have no data and never had any,
        and writing nothing for them was a database write for each member's every message."""
        if data or user_id in self._stored:
            await self._save_user_data(user_id, data)

    async def _save_user_data(self, user_id: int, data: UserData) -> None:
        await store.save_data(self._db, "user", user_id, copy.deepcopy(data))
        if data:
            self._stored.add(user_id)
        else:
            self._stored.discard(user_id)

    async def update_chat_data(self, chat_id: int, data: UserData) -> None:
        return None

    async def update_bot_data(self, data: UserData) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await store.drop_data(self._db, "user", user_id)
        self._stored.discard(user_id)
        await store.drop_conversations_of(self._db, user_id)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: UserData) -> None:
        return None

    async def refresh_bot_data(self, bot_data: UserData) -> None:
        return None

    async def flush(self) -> None:
        return None
