"""The central server: the library's system of record (REST API, home page, seed data, CLI)."""
