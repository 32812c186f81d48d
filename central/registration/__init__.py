"""Patron registration: adding and editing patrons, blocks, PINs and cards, as the librarian does it."""
