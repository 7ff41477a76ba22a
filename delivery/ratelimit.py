"""Even spacing of Bot API calls, with whole-bot pauses when Telegram asks for them."""

from __future__ import annotations

import asyncio


class Pacer:
    """Hands out send slots exactly ``1/rate`` seconds apart.

    A token bucket would allow a burst after a quiet spell, and Telegram counts calls over short
    windows, so a burst is what earns a 429. Slots are reserved on a fixed grid rather than
    measured from when the caller woke up, so timer lateness does not accumulate and the achieved
    rate stays at ``rate`` rather than drifting below it.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._next = 0.0
        self._pauses = 0

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    async def acquire(self) -> None:
        """Wait for the next free slot; a pause that begins meanwhile pushes the slot past it."""
        while True:
            now = self.now()
            slot = max(self._next, now)
            self._next = slot + self._interval
            pauses = self._pauses
            if slot > now:
                await asyncio.sleep(slot - now)
            if pauses == self._pauses:
                return

    def pause(self, seconds: float) -> None:
        """Telegram's flood control is per bot: nobody sends until ``seconds`` have passed."""
        self._next = max(self._next, self.now() + seconds)
        self._pauses += 1
