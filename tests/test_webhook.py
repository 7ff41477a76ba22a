"""``linkedup run --webhook``: Telegram posts updates to the bot, with the secret token."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram
from tests.flows import join
from tests.harness import FakeClock, free_port, make_config, running_bot


async def test_updates_arrive_by_webhook(tmp_path: Path, tg: FakeTelegram) -> None:
    port = free_port()
    config = make_config(tmp_path, tg, telegram={
        "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
        "webhook_secret": "s3cret-Token_value",
        "webhook_listen": "127.0.0.1",
        "webhook_port": port,
    })
    async with running_bot(config, FakeClock()):
        assert tg.webhook_url == f"http://127.0.0.1:{port}/telegram/hook"
        [call] = tg.calls("setWebhook")
        assert call["secret_token"] == "s3cret-Token_value"
        user = tg.user()
        await join(user)
        assert not tg.calls("getUpdates")
