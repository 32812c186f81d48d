"""The kiosk API at /api/v1: its blueprint and routes, request validation and the OpenAPI document."""
