"""Staff: accounts and their passwords, roles and what each may do, sign-in with throttling, the audit log."""
