"""Delta sync: what kiosks download to decide offline (patrons, items, loan rules and the calendar)."""
