"""Network meetings and board meetings: scheduling, answers, reminders, calendar files.

Plain async Python over the database and the delivery engine; the Telegram side is in
``handlers/meetings.py``, ``handlers/meeting_admin.py`` and ``handlers/meeting_notes.py``.
"""
