"""The kiosk: the Flask app on the kiosk PC, its patron session, journal, sync worker and backends."""

__version__ = "0.1.0"
