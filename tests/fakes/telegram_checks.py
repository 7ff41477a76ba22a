"""The checks the fake Telegram makes of a request before acting on it, as Telegram does: the
target chat exists and may be written to, flood limits (per chat, per bot) leave room, the text
parses and fits, the keyboard is well formed, the message replied to exists, an upload is a
real file of allowed size.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.telegram_html import HtmlParseError, ParsedText, parse_html, trim_text, utf16_len
from tests.fakes.telegram_schema import ApiError, FilePart, bad_request
from tests.fakes.telegram_state import TelegramState, _Chat, _TokenBucket
from tests.fakes.telegram_users import UploadedFile

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
_BUTTON_NON_ACTION_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})


class RequestChecks(TelegramState):
    """Validation shared by the Bot API methods; each raises the ``ApiError`` Telegram would."""

    def _target_chat(self, chat_ref: int | str, *, for_send: bool = True) -> _Chat:
        chat: _Chat | None = None
        if isinstance(chat_ref, str):
            if re.fullmatch(r"-?[0-9]+", chat_ref):
                chat_ref = int(chat_ref)
            else:
                name = chat_ref.removeprefix("@").lower()
                for candidate in self._chats.values():
                    if candidate.type != "private" and (candidate.username or "").lower() == name:
                        chat = candidate
                if chat is None:
                    raise bad_request("chat not found")
        if chat is None:
            assert isinstance(chat_ref, int)
            chat = self._chats.get(chat_ref)
        if chat is None:
            assert isinstance(chat_ref, int)
            if self.auto_create_chats and chat_ref != 0:
                if chat_ref > 0:
                    self.user(chat_ref, first_name=f"User{chat_ref}")
                else:
                    self.group(chat_ref, f"Group {chat_ref}")
                chat = self._chats[chat_ref]
            elif chat_ref > 0 and for_send:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            else:
                raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private" and chat.id in self._blocked and for_send:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _take_send_slot(self, chat: _Chat) -> None:
        """Apply forced 429s and flood limits; consumes tokens only if the send proceeds."""
        now = self._clock()
        self._note_early_send(chat.id, now)
        if self._forced_retry_after:
            entry = self._forced_retry_after[0]
            entry[1] -= 1
            if entry[1] <= 0:
                self._forced_retry_after.pop(0)
            self._bot_quiet_until = max(self._bot_quiet_until, now + entry[0])
            raise _too_many_requests(entry[0])
        limits = self.rate_limits
        if not limits.enabled:
            return
        if self._global_bucket is None:
            self._global_bucket = _TokenBucket(limits.global_rate, limits.global_burst, now)
        bucket = self._chat_buckets.get(chat.id)
        if bucket is None:
            is_group = chat.type != "private"
            rate = (
                limits.group_rate
                if is_group and limits.group_rate is not None
                else limits.chat_rate
            )
            burst = (
                limits.group_burst
                if is_group and limits.group_burst is not None
                else limits.chat_burst
            )
            bucket = self._chat_buckets[chat.id] = _TokenBucket(rate, burst, now)
        buckets = (self._global_bucket, bucket)
        for b in buckets:
            b.refill(now)
        wait = max(b.wait_time() for b in buckets)
        if wait > 0:
            retry_after = max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
            if self._global_bucket.wait_time() >= bucket.wait_time():
                self._bot_quiet_until = max(self._bot_quiet_until, now + retry_after)
            else:
                self._chat_quiet_until[chat.id] = now + retry_after
            raise _too_many_requests(retry_after)
        for b in buckets:
            b.tokens -= 1

    def _note_early_send(self, chat_id: int, now: float) -> None:
        """A send before a 429's retry_after has passed is what gets a bot banned for longer."""
        quiet_until = max(self._bot_quiet_until, self._chat_quiet_until.get(chat_id, -math.inf))
        if now < quiet_until:
            self.ignored_retry_after.append((chat_id, quiet_until - now))

    def _parse_text(
        self,
        source: str | None,
        parse_mode: str | None,
        entities: list[dict[str, Any]] | None,
        *,
        caption: bool,
    ) -> ParsedText:
        """Apply parse_mode/entities, trim, and enforce Telegram's length limits."""
        source = source or ""
        mode = (parse_mode or "").strip()
        if entities is not None:
            total = utf16_len(source)
            for entity in entities:
                if entity["offset"] < 0 or entity["offset"] + entity["length"] > total:
                    raise bad_request("can't parse entities: entity is out of the text bounds")
            parsed = ParsedText(source, list(entities))
        elif not mode:
            parsed = ParsedText(source, [])
        elif mode.lower() == "html":
            try:
                parsed = parse_html(source)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode.lower() in {"markdown", "markdownv2"}:
            raise ApiError(400, f"fake: parse_mode {mode} not implemented")
        else:
            raise bad_request("unsupported parse_mode")
        parsed = trim_text(parsed)
        length = utf16_len(parsed.text)
        if caption:
            if length > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
        elif length == 0:
            raise bad_request("message text is empty")
        elif length > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return parsed

    def _check_reply_markup(self, markup: dict[str, Any] | None) -> None:
        if markup is None:
            return
        if "inline_keyboard" in markup:
            self._check_inline_keyboard(markup["inline_keyboard"])
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not any(rows):
                raise bad_request("keyboard must be non-empty")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text")
                    if not text:
                        raise bad_request("keyboard button text must be non-empty")

    def _check_inline_keyboard(self, rows: list[list[dict[str, Any]]]) -> None:
        button_fields = [f["name"] for f in self.spec.type_fields("InlineKeyboardButton")]
        action_fields = [f for f in button_fields if f not in _BUTTON_NON_ACTION_FIELDS]
        for r, row in enumerate(rows):
            for c, button in enumerate(row):
                where = f"inline keyboard button [{r}][{c}]"
                if not button.get("text"):
                    raise bad_request(f"{where}: text must be non-empty")
                actions = [f for f in action_fields if button.get(f) is not None]
                if not actions:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                if len(actions) > 1:
                    raise bad_request(
                        f"{where} must have exactly one of callback_data/url/...; got "
                        + ", ".join(actions)
                    )
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not _valid_button_url(url):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )

    def _check_reply_to(self, chat: _Chat, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        message_id: int | None = None
        allow_without = bool(params.get("allow_sending_without_reply"))
        if reply:
            if reply.get("chat_id") not in (None, chat.id):
                return None
            message_id = int(reply["message_id"])
            allow_without = allow_without or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = int(params["reply_to_message_id"])
        if message_id is None:
            return None
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            if allow_without:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _resolve_upload(self, value: FilePart | str, kind: str) -> FilePart | UploadedFile:
        if isinstance(value, FilePart):
            if not value.data:
                raise bad_request("file must be non-empty")
            limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES
            if len(value.data) > limit:
                raise bad_request("file is too big")
            if kind == "photo" and _image_size(value.data) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            return value
        existing = self._files.get(value)
        if existing is not None:
            return existing
        if value.startswith(("http://", "https://")):
            raise ApiError(400, "fake: sending files by URL is not implemented")
        raise bad_request("wrong file identifier/HTTP URL specified")


def _too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def _valid_button_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"}:
        return bool(parts.hostname) and " " not in url
    return parts.scheme == "tg" and bool(parts.netloc or parts.path)


_JPEG_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD})


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width/height of PNG/GIF/JPEG/WebP bytes; None if not a recognisable image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 1, 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in _JPEG_SOF_MARKERS:
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
        return 1, 1
    return None
