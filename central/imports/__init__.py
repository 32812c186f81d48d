"""Bringing a school's catalog and students in (MARC, patron CSV, OneRoster) and taking them out again."""
