"""The central server's SIP2 server (ACS): self-checks the school already owns can use the central server.

``central sip2-server`` runs :class:`~central.sip2.server.Sip2Server`; logins are made with
``central create-sip2-login``; the demo calls :func:`~central.sip2.logins.ensure_demo_login`.
"""
