"""The demo library: a realistic sample school seeded by `central seed-demo`, and the sample patrons and items it prints."""
