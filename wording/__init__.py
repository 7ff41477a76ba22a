"""Every sentence the bot says, kept here so wording is reviewed in one place.

Texts are Telegram HTML. Anything a person typed goes through :func:`html.escape` before it is
put into one of these strings.
"""
