"""The services the handlers call, built once per run by :mod:`bot.runtime`."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Config
from bot.schedule import DueWork
from db.database import Database
from db.timeutil import Clock
from members.directory import MemberDirectory


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    members: MemberDirectory
    due_work: list[DueWork] = field(default_factory=list)
