"""What the kiosk and the central server both speak: identifiers, the circulation wire vocabulary, SIP2."""
