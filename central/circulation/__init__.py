"""Circulation, the library's domain: loan rules, checkout/checkin/renew, the event store, patrons, PIN lockout, the school calendar."""
