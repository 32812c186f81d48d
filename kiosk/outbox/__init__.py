"""The outbox: the journal of circulation events, the one sender, the backend monitor, the offline policy and caches."""
