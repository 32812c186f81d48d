"""One catalog search for the staff pages and the kiosk's Find a book: SQLite FTS5 or PostgreSQL full text."""
