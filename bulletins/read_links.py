"""Counted links for the bulletin's headlines: one tap counts the read and opens the article.

A Telegram link button cannot report its tap, so with a public web address the headline links
to ``{public_url}/r/<token>``, which records the read and redirects. The token names the
bulletin, the article and the member, signed with HMAC so that nobody can count reads for
someone else or forge a redirect; nothing is stored per link, so ``/forget`` has nothing to
find (a read through an old link of a forgotten member counts without a person).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass

_IDS = struct.Struct(">III")
_MAC_BYTES = 12


@dataclass(frozen=True)
class ReadTarget:
    bulletin_id: int
    article_id: int
    member_id: int | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class ReadLinks:
    public_url: str
    key: bytes

    @classmethod
    def derived(cls, public_url: str, secret: str) -> ReadLinks:
        """A key of its own from a configured secret, so the secret itself never signs."""
        key = hashlib.sha256(b"linkedup read links\x1f" + secret.encode()).digest()
        return cls(public_url.rstrip("/"), key)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def token(self, target: ReadTarget) -> str:
        payload = _IDS.pack(target.bulletin_id, target.article_id, target.member_id or 0)
        return _b64(payload + self._mac(payload))

    def url(self, target: ReadTarget) -> str:
        return f"{self.public_url}/r/{self.token(target)}"

    def target(self, token: str) -> ReadTarget | None:
        """What a token points at, or None for anything forged, cut short or malformed."""
        try:
            raw = _unb64(token)
        except (ValueError, TypeError):
            return None
        if len(raw) != _IDS.size + _MAC_BYTES:
            return None
        payload, mac = raw[: _IDS.size], raw[_IDS.size:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        bulletin_id, article_id, member_id = _IDS.unpack(payload)
        return ReadTarget(bulletin_id, article_id, member_id or None)
