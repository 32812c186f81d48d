"""Tests of SIP2 both ways: the kiosk's SIP2 backend and staff command, the central SIP2 server, interop."""
