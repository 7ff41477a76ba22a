"""The monthly waiting-list census: organisations' figures per service type, and their trends.

:func:`census.trends.trends` is the read API for pages outside the bot (the public web page):
plain records with the three-organisation rule already applied.
"""
