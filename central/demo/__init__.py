"""The demo district: two schools seeded by `central seed-demo`, and the sample patrons and items it
prints for trying a kiosk."""
