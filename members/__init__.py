"""Members: registration, followed themes, consent, and their rights over their data."""
