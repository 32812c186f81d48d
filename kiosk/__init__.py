"""The kiosk: the Flask app on the kiosk PC, its patron session, outbox (journal, sender, offline policy) and backends."""

__version__ = "0.1.0"
