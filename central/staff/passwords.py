"""Staff passwords: Argon2id hashes (argon2-cffi), the length rule, and generated demo passwords."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from central.messages import Refused

MIN_LENGTH = 10
MAX_LENGTH = 200  # Argon2 takes any length; this only stops a pasted novel
# argon2-cffi's defaults are RFC 9106's low-memory profile (Argon2id, t=3, 64 MiB, p=4).
_HASHER = PasswordHasher()
_DUMMY: list[str] = []


def set_cost(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Use other Argon2id parameters for new hashes (tests use cheap ones; hashes keep their own)."""
    global _HASHER
    _HASHER = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY.clear()


def _dummy_hash() -> str:
    # A hash of nothing anyone types: checked when the username is unknown, so that a wrong username
    # takes as long as a wrong password and the timing does not tell which usernames exist.
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


class PasswordRefused(Refused):
    """A new password that does not meet the rule; the message says why in words."""


def check_new_password(password: str, username: str = "") -> str:
    """Return ``password`` if it may be used, else raise PasswordRefused saying why."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused("The password must be at least {count} characters long.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise PasswordRefused("The password must be at most {count} characters long.", count=MAX_LENGTH)
    if username and password.strip().lower() == username.strip().lower():
        raise PasswordRefused("The password must not be the username.")
    return password


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` to store (salted, parameters inside the hash)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches the stored hash; an unknown account (None) is checked against a dummy."""
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at the next sign-in)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def generate_password() -> str:
    """A random password for a demo or a reset (about 75 bits), easy to read out: no 0/O or 1/l."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    groups = ["".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(3)]
    return "-".join(groups)
