"""The Bot API methods that send, edit and delete messages, answer button presses and serve
files: what the bot shows people, stored so tests can read it back.
"""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from tests.fakes.telegram_checks import RequestChecks, _image_size
from tests.fakes.telegram_html import ParsedText
from tests.fakes.telegram_schema import ApiError, FilePart, bad_request
from tests.fakes.telegram_state import _Chat, _inline_markup
from tests.fakes.telegram_users import AnsweredCallback, BotMessage, UploadedFile

MAX_CALLBACK_ANSWER_LENGTH = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class MessageMethods(RequestChecks):
    """sendMessage, sendDocument, sendPhoto, sendChatAction, the edits, deleteMessage,
    answerCallbackQuery and getFile."""

    async def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p["chat_id"])
        parsed = self._parse_text(
            p.get("text"), p.get("parse_mode"), p.get("entities"), caption=False
        )
        markup = p.get("reply_markup")
        self._check_reply_markup(markup)
        reply_to = self._check_reply_to(chat, p)
        self._take_send_slot(chat)
        msg = BotMessage(
            chat_id=chat.id,
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            kind="text",
            text=parsed.text,
            html=p.get("text"),
            parse_mode=p.get("parse_mode"),
            entities=parsed.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            timestamp=time.time(),
        )
        return self._store_sent(chat, msg)

    async def _send_file(self, p: dict[str, Any], field_name: str, kind: str) -> dict[str, Any]:
        chat = self._target_chat(p["chat_id"])
        source = self._resolve_upload(p[field_name], kind)
        caption = p.get("caption")
        parsed = self._parse_text(
            caption, p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        markup = p.get("reply_markup")
        self._check_reply_markup(markup)
        reply_to = self._check_reply_to(chat, p)
        self._take_send_slot(chat)
        message_id = chat.allocate_message_id()
        stored = self._store_file(source, kind, chat.id, message_id)
        msg = BotMessage(
            chat_id=chat.id,
            message_id=message_id,
            date=int(time.time()),
            kind=kind,
            caption=parsed.text,
            html=caption,
            parse_mode=p.get("parse_mode"),
            entities=parsed.entities,
            reply_markup=markup,
            file=stored,
            reply_to_message_id=reply_to,
            timestamp=time.time(),
        )
        return self._store_sent(chat, msg)

    async def _m_sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(p, "document", "document")

    async def _m_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(p, "photo", "photo")

    async def _m_sendChatAction(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p["chat_id"])
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat.id, p["action"], time.time()))
        return True

    async def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._edit_words(p, "text", "entities", {"text"})

    async def _m_editMessageCaption(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._edit_words(p, "caption", "caption_entities", {"document", "photo"})

    def _edit_words(self, p: dict[str, Any], field: str, entities: str, kinds: set[str],
                    ) -> dict[str, Any]:
        """A message's text or a file's caption, edited as Telegram checks either."""
        chat, msg = self._editable(p)
        if msg.kind not in kinds:
            raise bad_request(f"there is no {field} in the message to edit")
        parsed = self._parse_text(
            p.get(field), p.get("parse_mode"), p.get(entities), caption=field == "caption"
        )
        self._check_reply_markup(p.get("reply_markup"))
        # Like Telegram: omitting reply_markup removes the inline keyboard.
        return self._apply_edit(
            chat,
            msg,
            markup=p.get("reply_markup"),
            parsed=parsed,
            source=p.get(field),
            parse_mode=p.get("parse_mode"),
        )

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, msg = self._editable(p)
        self._check_reply_markup(p.get("reply_markup"))
        return self._apply_edit(chat, msg, markup=p.get("reply_markup"))

    async def _m_deleteMessage(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p["chat_id"], for_send=False)
        msg = chat.messages.get(int(p["message_id"]))
        if msg is None or msg.deleted:
            raise bad_request("message to delete not found")
        msg.deleted = True
        if msg.from_bot:
            chat.events.append(msg.snapshot("deleted", time.time()))
        self._notify()
        return True

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        query = self._callbacks.get(p["callback_query_id"])
        if query is None or query.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        self.answered_callbacks.append(
            AnsweredCallback(
                callback_query_id=query.id,
                user_id=query.user_id,
                chat_id=query.chat_id,
                message_id=query.message_id,
                data=query.data,
                text=text,
                show_alert=bool(p.get("show_alert", False)),
                url=p.get("url"),
                cache_time=p.get("cache_time"),
                timestamp=time.time(),
            )
        )
        return True

    async def _m_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(p["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _store_sent(self, chat: _Chat, msg: BotMessage) -> dict[str, Any]:
        chat.messages[msg.message_id] = msg
        snapshot = msg.snapshot("sent", msg.timestamp)
        chat.events.append(snapshot)
        self.sent_messages.append(snapshot)
        self._delivered[chat.id] += 1
        self._notify()
        return self._message_to_api(msg)

    def _editable(self, params: dict[str, Any]) -> tuple[_Chat, BotMessage]:
        if params.get("inline_message_id"):
            raise ApiError(400, "fake: editing inline messages is not implemented")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self._target_chat(params["chat_id"])
        msg = chat.messages.get(int(params["message_id"]))
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        return chat, msg

    def _apply_edit(
        self,
        chat: _Chat,
        msg: BotMessage,
        *,
        markup: dict[str, Any] | None,
        parsed: ParsedText | None = None,
        source: str | None = None,
        parse_mode: str | None = None,
    ) -> dict[str, Any]:
        """Edit a stored message, keeping its history; identical content is a 400 like Telegram."""
        markup = _inline_markup(markup)
        same_markup = markup == _inline_markup(msg.reply_markup)
        if parsed is None:
            same_content = True
        elif msg.kind == "text":
            same_content = (parsed.text, parsed.entities) == (msg.text, msg.entities)
        else:
            same_content = (parsed.text, parsed.entities) == (msg.caption or "", msg.entities)
        if same_markup and same_content:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        now = time.time()
        msg.history.append(msg.snapshot("edited" if msg.edit_date else "sent", now))
        msg.reply_markup = markup
        if parsed is not None:
            if msg.kind == "text":
                msg.text = parsed.text
            else:
                msg.caption = parsed.text
            msg.entities = parsed.entities
            msg.html = source
            msg.parse_mode = parse_mode
        msg.edit_date = int(now)
        chat.events.append(msg.snapshot("edited", now))
        self._notify()
        return self._message_to_api(msg)

    def _store_file(
        self, source: FilePart | UploadedFile, kind: str, chat_id: int, message_id: int
    ) -> UploadedFile:
        if isinstance(source, UploadedFile):
            return source
        self._file_counter += 1
        n = self._file_counter
        filename = source.filename
        mime = source.content_type
        if filename and (not mime or mime == "application/octet-stream"):
            mime = mimetypes.guess_type(filename)[0] or mime
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        folder = "photos" if kind == "photo" else "documents"
        width, height = (0, 0)
        if kind == "photo":
            width, height = _image_size(source.data) or (1, 1)
        stored = UploadedFile(
            file_id=f"{'AgAC' if kind == 'photo' else 'BQAC'}fake{n:08d}",
            file_unique_id=f"AQADfake{n:08d}",
            kind=kind,
            filename=filename if kind == "document" else None,
            mime_type=mime if kind == "document" else "image/jpeg",
            data=source.data,
            file_path=f"{folder}/file_{n}{suffix}",
            chat_id=chat_id,
            message_id=message_id,
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored
