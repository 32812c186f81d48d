"""The catalog: titles of the district's union catalog, and each school's copies of them."""
