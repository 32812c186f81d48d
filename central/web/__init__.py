"""The central server's web pages for people: the home page now, the staff pages beside it."""
