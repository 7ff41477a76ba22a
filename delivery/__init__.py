"""The one delivery engine: everything sent to many members goes through its ledger."""
