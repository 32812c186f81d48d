"""Catalog import from MARC 21 and MARCXML: reading, the fields of a record, and writing the catalog."""
