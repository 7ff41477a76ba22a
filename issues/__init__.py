"""Issues and challenges members raise for the boards: plain async Python, no Telegram.

The officer carries what organisations see on the ground to the boards she sits on; this package
keeps each issue, the organisations behind it, its life from submitted to closed, the timers on
it, the board reports and what is kept for how long.
"""
