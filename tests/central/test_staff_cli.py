"""`central create-school`, `create-staff` and `set-password`: passwords asked for, never on the command line."""
from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from central.cli import main
from central.staff.passwords import verify_password
from central.store.db import Database
from central.store.models import AuditEntry, Kiosk, School, StaffAccount

PASSWORD = "correct horse battery"


def _cli(tmp_path):
    runner = CliRunner()
    url = ["--database-url", f"sqlite:///{tmp_path / 'staff.db'}"]
    assert runner.invoke(main, [*url, "init-db"]).exit_code == 0
    return lambda *args, input=None: runner.invoke(main, [*url, *args], input=input)


def _db(tmp_path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'staff.db'}")


def test_a_school_and_a_librarian_are_added_from_the_command_line(tmp_path):
    """GIVEN an empty district WHEN a school is created and a librarian added with the password typed twice
    THEN the school has its desk, the account has an Argon2id hash of that password, and both are audited."""
    cli = _cli(tmp_path)
    none_yet = cli("create-staff", "maria", "--role", "librarian", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert none_yet.exit_code == 1 and "create-school" in none_yet.output
    school = cli("create-school", "lincoln", "Lincoln Elementary", "--institution", "1234")
    assert school.exit_code == 0 and "desk-lincoln" in school.output
    added = cli("create-staff", "Maria", "--role", "librarian", "--name", "Ms. Rivera",
                input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert "Staff account 'maria' added: librarian, Lincoln Elementary." in added.output
    assert PASSWORD not in added.output
    db = _db(tmp_path)
    with db.reader() as session:
        account = session.scalar(sa.select(StaffAccount))
        assert (account.username, account.display_name, account.role) == ("maria", "Ms. Rivera", "librarian")
        assert account.school_id == session.scalar(sa.select(School.id)) and verify_password(account.password_hash,
                                                                                             PASSWORD)
        assert session.get(Kiosk, "desk-lincoln").kind == "desk"
        actions = [(e.action, e.actor) for e in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == [("school.create", "cli"), ("staff.create", "cli")]
        assert all(PASSWORD not in repr(e.details) + e.summary for e in session.scalars(sa.select(AuditEntry)))
    db.dispose()


def test_bad_staff_accounts_are_refused_in_words_and_nothing_is_added(tmp_path):
    """GIVEN a district with two schools WHEN a librarian has no --school, a password is short or mistyped,
    the role is unknown or the username taken THEN each says why and no account is added."""
    cli = _cli(tmp_path)
    cli("create-school", "lincoln", "Lincoln Elementary", "--institution", "1234")
    cli("create-school", "hill", "Hill Middle", "--institution", "1235")
    which = cli("create-staff", "ann", "--role", "librarian", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert which.exit_code == 1 and "say which with --school" in which.output
    short = cli("create-staff", "ann", "--role", "technician", "--school", "hill", input="short\nshort\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    role = cli("create-staff", "ann", "--role", "boss", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert role.exit_code == 2 and "boss" in role.output
    name = cli("create-staff", "a b", "--role", "read_only", "--school", "hill")
    assert name.exit_code == 1 and "letters, digits" in name.output
    assert cli("create-staff", "boss", "--role", "district_admin", input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    again = cli("create-staff", "BOSS", "--role", "district_admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.exit_code == 1 and "already a staff account called 'boss'" in again.output
    db = _db(tmp_path)
    with db.reader() as session:
        assert session.scalars(sa.select(StaffAccount.username)).all() == ["boss"]
    db.dispose()


def test_set_password_replaces_the_hash_and_lifts_a_lock(tmp_path):
    """GIVEN a locked-out account WHEN set-password is run with a new password THEN only the new one
    matches, the lock and the wrong-password count are cleared, and an unknown username is refused."""
    cli = _cli(tmp_path)
    cli("create-school", "lincoln", "Lincoln Elementary", "--institution", "1234")
    cli("create-staff", "maria", "--role", "librarian", input=f"{PASSWORD}\n{PASSWORD}\n")
    db = _db(tmp_path)
    with db.writer() as session, session.begin():
        account = session.scalar(sa.select(StaffAccount))
        account.failed_signins, account.lockouts = 3, 2
    changed = cli("set-password", "maria", input="a much newer secret\na much newer secret\n")
    assert changed.exit_code == 0 and "New password set for 'maria'" in changed.output
    with db.reader() as session:
        account = session.scalar(sa.select(StaffAccount))
        assert verify_password(account.password_hash, "a much newer secret")
        assert not verify_password(account.password_hash, PASSWORD)
        assert (account.failed_signins, account.lockouts, account.locked_until) == (0, 0, None)
    unknown = cli("set-password", "nobody", input="a much newer secret\na much newer secret\n")
    assert unknown.exit_code == 1 and "no staff account called 'nobody'" in unknown.output
    db.dispose()


def test_seed_demo_can_keep_the_demo_sign_ins_in_a_private_file(tmp_path):
    """GIVEN an empty database WHEN seed-demo runs with --sign-ins-to THEN the printed sign-ins are in the file,
    one "username password" a line, readable by its owner only, and each one signs in."""
    cli = _cli(tmp_path)
    target = tmp_path / "demo-staff.txt"
    seeded = cli("seed-demo", "--sign-ins-to", str(target))
    assert seeded.exit_code == 0, seeded.output
    lines = dict(line.split() for line in target.read_text(encoding="utf-8").splitlines())
    assert set(lines) == {"librarian", "technician", "roosevelt", "district"}
    assert all(f"Staff sign-in: {name} / {password} " in seeded.output for name, password in lines.items())
    assert target.stat().st_mode & 0o077 == 0
    db = _db(tmp_path)
    with db.reader() as session:
        hashes = dict(session.execute(sa.select(StaffAccount.username, StaffAccount.password_hash)).all())
    assert all(verify_password(hashes[name], password) for name, password in lines.items())
    db.dispose()
