"""Tests of the central server's SIP2 server (the ACS), with SIP2 clients this project did not write."""
