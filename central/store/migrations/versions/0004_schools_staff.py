"""Schools in a district, staff accounts, the audit log, and the fields the importers fill.

Revision ID: 0004_schools_staff
Revises: 0006_sync_order (written on 0003; put after the sync migration when main brought it)
Create Date: 2025-11-27

Written by hand. A library that already has data becomes the district's first school ("main"):
every item, patron, hold, fine and station is given to it, and its settings, loan policies and
closed days become the district's defaults, so circulation behaves exactly as before. An empty
database gets no school (`central create-school` or `central seed-demo` adds them).

Changing a column (NOT NULL, a new foreign key, a wider type) makes SQLite rebuild the table
(Alembic batch mode); central.store.migrate turns SQLite's foreign keys off around it and checks
them before the commit. PostgreSQL runs the same steps as plain ALTER TABLE statements, in place.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_schools_staff"
down_revision = "0006_sync_order"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)
DISTRICT_ROWS = sa.text("school_id IS NULL")
SCHOOL_OWNED = ("items", "patrons", "holds", "fines", "kiosks")
ROLES = "'librarian', 'technician', 'read_only', 'district_admin'"


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _school_fk(table: str) -> str:
    return f"fk_{table}_school_id_schools"


def upgrade() -> None:
    """Add schools, staff, audit, ISBN/subject and payment tables; give every record a school."""
    _create_new_tables()
    school_id = _first_school()
    for table in SCHOOL_OWNED:
        op.add_column(table, sa.Column("school_id", sa.Integer(), nullable=True))
        if school_id is not None:
            op.execute(sa.text(f"UPDATE {table} SET school_id = :s").bindparams(s=school_id))
    _titles()
    _items()
    _patrons()
    for table in ("holds", "fines"):
        with op.batch_alter_table(table) as batch:
            if table == "fines":
                batch.add_column(sa.Column("note", sa.String(200), nullable=True))
                batch.add_column(sa.Column("paid_cents", sa.Integer(), nullable=False, server_default="0"))
            batch.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(_school_fk(table), "schools", ["school_id"], ["id"])
        op.create_index(f"ix_{table}_school_id", table, ["school_id"])
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="kiosk"))
        batch.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("token_hash", existing_type=sa.String(64), nullable=True)
        batch.create_foreign_key(_school_fk("kiosks"), "schools", ["school_id"], ["id"])
    op.create_index("ix_kiosks_school_id", "kiosks", ["school_id"])
    _settings_and_policies()


def _create_new_tables() -> None:
    op.create_table(
        "schools", _id(),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("institution", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("id", name="pk_schools"),
        sa.UniqueConstraint("code", name="uq_schools_code"),
    )
    op.create_table(
        "staff_accounts", _id(),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_signins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ_DATETIME, nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("last_signin_at", TZ_DATETIME, nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("password_changed_at", TZ_DATETIME, nullable=True),
        sa.CheckConstraint(f"role IN ({ROLES})", name="ck_staff_accounts_role"),
        sa.CheckConstraint("role = 'district_admin' OR school_id IS NOT NULL",
                           name="ck_staff_accounts_school_for_role"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_staff_accounts_school_id_schools"),
        sa.PrimaryKeyConstraint("id", name="pk_staff_accounts"),
        sa.UniqueConstraint("username", name="uq_staff_accounts_username"),
    )
    op.create_index("ix_staff_accounts_school_id", "staff_accounts", ["school_id"])
    op.create_table(
        "signin_throttles",
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ_DATETIME, nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", TZ_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("address", name="pk_signin_throttles"),
    )
    op.create_table(
        "audit_log", _id(),
        sa.Column("at", TZ_DATETIME, nullable=False),
        sa.Column("staff_account_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target_type", sa.String(30), nullable=True),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("form_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_audit_log_school_id_schools"),
        sa.ForeignKeyConstraint(["staff_account_id"], ["staff_accounts.id"],
                                name="fk_audit_log_staff_account_id_staff_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.UniqueConstraint("form_id", name="uq_audit_log_form_id"),
    )
    for column in ("at", "staff_account_id", "school_id", "action"):
        op.create_index(f"ix_audit_log_{column}", "audit_log", [column])
    op.create_table(
        "title_isbns", _id(),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("isbn", sa.String(13), nullable=False),
        sa.Column("qualifier", sa.String(80), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], name="fk_title_isbns_title_id_titles"),
        sa.PrimaryKeyConstraint("id", name="pk_title_isbns"),
        sa.UniqueConstraint("title_id", "isbn", name="uq_title_isbns_title_id"),
    )
    op.create_index("ix_title_isbns_title_id", "title_isbns", ["title_id"])
    op.create_index("ix_title_isbns_isbn", "title_isbns", ["isbn"])
    op.create_table(
        "title_subjects", _id(),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], name="fk_title_subjects_title_id_titles"),
        sa.PrimaryKeyConstraint("id", name="pk_title_subjects"),
    )
    op.create_index("ix_title_subjects_title_id", "title_subjects", ["title_id"])
    op.create_table(
        "school_closed_days",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_school_closed_days_school_id_schools"),
        sa.PrimaryKeyConstraint("school_id", "day", name="pk_school_closed_days"),
    )
    op.create_table(
        "fine_payments", _id(),
        sa.Column("fine_id", sa.Integer(), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("staff_account_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", TZ_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["fine_id"], ["fines.id"], name="fk_fine_payments_fine_id_fines"),
        sa.ForeignKeyConstraint(["patron_id"], ["patrons.id"], name="fk_fine_payments_patron_id_patrons"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"], name="fk_fine_payments_school_id_schools"),
        sa.ForeignKeyConstraint(["staff_account_id"], ["staff_accounts.id"],
                                name="fk_fine_payments_staff_account_id_staff_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_fine_payments"),
    )
    for column in ("fine_id", "patron_id", "school_id"):
        op.create_index(f"ix_fine_payments_{column}", "fine_payments", [column])


def _first_school() -> int | None:
    """The school an existing library's records go to, or None for an empty database."""
    bind = op.get_bind()
    counts = [bind.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in (*SCHOOL_OWNED, "library_settings")]
    if not any(counts):
        return None
    name = bind.execute(sa.text("SELECT library_name FROM library_settings ORDER BY id LIMIT 1")).scalar()
    bind.execute(sa.text("INSERT INTO schools (code, name, institution, active) VALUES ('main', :n, :i, :a)"),
                 {"n": name or "School Library", "i": _institution(bind), "a": True})
    return bind.execute(sa.text("SELECT id FROM schools WHERE code = 'main'")).scalar()


def _institution(bind) -> int:
    # The institution number is digits 2-5 of a 14-digit library barcode: take the library's own.
    for table, digit in (("items", "3"), ("patrons", "2")):
        for (code,) in bind.execute(sa.text(f"SELECT barcode FROM {table} ORDER BY id LIMIT 20")):
            if len(code) == 14 and code.isdigit() and code[0] == digit:
                return int(code[1:5])
    return 1


def _titles() -> None:
    for column in (sa.Column("publisher", sa.String(200)), sa.Column("publication_year", sa.Integer()),
                   sa.Column("edition", sa.String(100)), sa.Column("import_source", sa.String(40)),
                   sa.Column("external_id", sa.String(100))):
        op.add_column("titles", column)
    op.create_index("uq_titles_import_source", "titles", ["import_source", "external_id"], unique=True)
    # Every title's one ISBN so far becomes its first ISBN in the list of all of them.
    op.execute("INSERT INTO title_isbns (title_id, isbn, position) SELECT id, isbn, 0 FROM titles "
               "WHERE isbn IS NOT NULL AND isbn <> ''")


def _items() -> None:
    with op.batch_alter_table("items") as batch:
        for column in (sa.Column("status_reason", sa.String(200)), sa.Column("status_date", sa.Date()),
                       sa.Column("price_cents", sa.Integer()), sa.Column("acquired_on", sa.Date()),
                       sa.Column("import_source", sa.String(40))):
            batch.add_column(column)
        batch.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(_school_fk("items"), "schools", ["school_id"], ["id"])
    op.create_index("ix_items_school_id", "items", ["school_id"])


def _patrons() -> None:
    with op.batch_alter_table("patrons") as batch:
        for column in (sa.Column("student_id", sa.String(40)), sa.Column("blocked_on", sa.Date()),
                       sa.Column("import_source", sa.String(40)), sa.Column("external_id", sa.String(100)),
                       sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())):
            batch.add_column(column)
        # OneRoster grades are words like "KG", "PK" or "Other"; two characters were too few.
        batch.alter_column("grade", existing_type=sa.String(2), type_=sa.String(10), existing_nullable=True)
        batch.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(_school_fk("patrons"), "schools", ["school_id"], ["id"])
    op.create_index("ix_patrons_school_id", "patrons", ["school_id"])
    op.create_index("uq_patrons_student_id", "patrons", ["school_id", "student_id"], unique=True)
    op.create_index("uq_patrons_import_source", "patrons", ["import_source", "external_id"], unique=True)


def _settings_and_policies() -> None:
    # The existing settings row and policies have school_id NULL: they become the district's defaults.
    with op.batch_alter_table("library_settings") as batch:
        batch.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        for name, default in (("loan_history_days", "0"), ("default_replacement_cents", "2000"),
                              ("processing_fee_cents", "0")):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))
        batch.create_foreign_key("fk_library_settings_school_id_schools", "schools", ["school_id"], ["id"])
        batch.create_unique_constraint("uq_library_settings_school_id", ["school_id"])
    with op.batch_alter_table("loan_policies") as batch:
        batch.drop_constraint("uq_loan_policies_patron_type", type_="unique")
        batch.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_loan_policies_school_id_schools", "schools", ["school_id"], ["id"])
        batch.create_unique_constraint("uq_loan_policies_school_id", ["school_id", "patron_type", "item_type"])
    op.create_index("ix_loan_policies_school_id", "loan_policies", ["school_id"])
    op.create_index("uq_loan_policies_district", "loan_policies", ["patron_type", "item_type"], unique=True,
                    sqlite_where=DISTRICT_ROWS, postgresql_where=DISTRICT_ROWS)


def downgrade() -> None:
    """Back to one library: schools, staff, audit, ISBN lists, subjects and payments are dropped.

    A school's own settings and loan policies go (the district's stay as the library's); stations
    without a token get an unusable one, since 0003 requires a token for every station.
    """
    op.drop_index("uq_loan_policies_district", "loan_policies")
    op.drop_index("ix_loan_policies_school_id", "loan_policies")
    op.execute("DELETE FROM loan_policies WHERE school_id IS NOT NULL")
    with op.batch_alter_table("loan_policies") as batch:
        batch.drop_constraint("uq_loan_policies_school_id", type_="unique")
        batch.drop_constraint("fk_loan_policies_school_id_schools", type_="foreignkey")
        batch.drop_column("school_id")
        batch.create_unique_constraint("uq_loan_policies_patron_type", ["patron_type", "item_type"])
    op.execute("DELETE FROM library_settings WHERE school_id IS NOT NULL")
    with op.batch_alter_table("library_settings") as batch:
        batch.drop_constraint("uq_library_settings_school_id", type_="unique")
        batch.drop_constraint("fk_library_settings_school_id_schools", type_="foreignkey")
        for name in ("school_id", "loan_history_days", "default_replacement_cents", "processing_fee_cents"):
            batch.drop_column(name)
    op.execute("UPDATE kiosks SET token_hash = substr('no-token:' || id, 1, 64) WHERE token_hash IS NULL")
    op.execute("UPDATE patrons SET grade = substr(grade, 1, 2) WHERE grade IS NOT NULL")
    op.drop_index("uq_patrons_import_source", "patrons")
    op.drop_index("uq_patrons_student_id", "patrons")
    op.drop_index("uq_titles_import_source", "titles")
    extra = {"items": ("status_reason", "status_date", "price_cents", "acquired_on", "import_source"),
             "patrons": ("student_id", "blocked_on", "import_source", "external_id", "active"),
             "fines": ("note", "paid_cents"), "kiosks": ("kind",), "holds": ()}
    for table in SCHOOL_OWNED:
        op.drop_index(f"ix_{table}_school_id", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(_school_fk(table), type_="foreignkey")
            for name in ("school_id", *extra[table]):
                batch.drop_column(name)
            if table == "kiosks":
                batch.alter_column("token_hash", existing_type=sa.String(64), nullable=False)
            if table == "patrons":
                batch.alter_column("grade", existing_type=sa.String(10), type_=sa.String(2), existing_nullable=True)
    with op.batch_alter_table("titles") as batch:
        for name in ("publisher", "publication_year", "edition", "import_source", "external_id"):
            batch.drop_column(name)
    for table in ("fine_payments", "school_closed_days", "title_subjects", "title_isbns", "audit_log",
                  "signin_throttles", "staff_accounts", "schools"):
        op.drop_table(table)
