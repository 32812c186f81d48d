"""Patron import from CSV exports and OneRoster rosters: reading, mapping columns, checking rows, writing."""
