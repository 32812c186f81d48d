"""Staff sign-in: sessions, throttling per account and per address with growing lockouts, CSRF, the secret key."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from central.app import create_app
from central.staff import signin
from central.store.models import Patron, SigninThrottle, StaffAccount
from central.web.setup import secret_key
from tests.central.staff import PASSWORD, StaffClient, add_staff, text_of
from tests.central.conftest import SQLITE_ONLY


def _account(database, username: str) -> StaffAccount:
    with database.reader() as session:
        return session.scalar(sa.select(StaffAccount).where(StaffAccount.username == username))


@SQLITE_ONLY
def test_a_librarian_signs_in_and_out_and_the_session_cookie_is_guarded(app, database, clock, library):
    """GIVEN a librarian WHEN she signs in with the form THEN she reaches her school's home page and the cookie
    is HttpOnly and SameSite=Lax (not Secure over plain HTTP); WHEN she signs out THEN the page asks again."""
    add_staff(database, clock, "ann", "librarian", library.school_id)
    client = StaffClient(app)
    response = client.sign_in("Ann ")  # usernames are not case-sensitive, spaces are trimmed
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Signed in as ann (Librarian)" in text_of(client.get("/"))
    assert client.post("/signout").status_code == 302
    assert 'name="password"' in client.get("/").get_data(as_text=True)
    assert client.get("/catalog").status_code == 302  # the pages send her back to the sign-in form


@SQLITE_ONLY
def test_over_https_the_session_cookie_is_secure(app, database, clock, library):
    """GIVEN the server reached over HTTPS WHEN a librarian signs in THEN the session cookie is marked Secure."""
    add_staff(database, clock, "ann", "librarian", library.school_id)
    client = StaffClient(app)
    client.client.get("/", base_url="https://library.example")
    page = client.client.get("/", base_url="https://library.example").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.client.post("/signin", base_url="https://library.example",
                                  headers={"Referer": "https://library.example/"},
                                  data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_is_refused_in_words_and_five_lock_the_account_for_growing_times(app, database, clock,
                                                                                        library):
    """GIVEN a librarian WHEN 5 wrong passwords are typed THEN the account locks for 1 minute and even the right
    password is refused until then; after it, 5 more wrong lock for 2 minutes; the right one then clears it."""
    add_staff(database, clock, "ann", "librarian", library.school_id)
    client = StaffClient(app)
    wrong = client.post("/signin", {"username": "ann", "password": "not it at all"}, page="/")
    assert wrong.status_code == 401 and "The username or password is not right." in text_of(wrong)
    for _ in range(4):
        client.post("/signin", {"username": "ann", "password": "not it at all"}, page="/")
    locked = client.post("/signin", {"username": "ann", "password": PASSWORD}, page="/")
    assert locked.status_code == 401 and "Too many wrong passwords for this account" in text_of(locked)
    assert _account(database, "ann").locked_until == clock.now() + timedelta(minutes=1)
    clock.advance(minutes=1, seconds=1)
    for _ in range(5):
        client.post("/signin", {"username": "ann", "password": "still not it"}, page="/")
    assert _account(database, "ann").locked_until == clock.now() + timedelta(minutes=2)
    clock.advance(minutes=2, seconds=1)
    assert client.sign_in("ann").status_code == 302
    account = _account(database, "ann")
    assert (account.failed_signins, account.lockouts, account.locked_until) == (0, 0, None)


def test_twenty_wrong_sign_ins_from_one_address_lock_that_address_whatever_the_usernames(app, database, clock,
                                                                                         library):
    """GIVEN one computer trying 20 different usernames WHEN the 20th fails THEN that address is locked for
    5 minutes, even for a right password of a real account, while another address may still sign in."""
    add_staff(database, clock, "ann", "librarian", library.school_id)
    client = StaffClient(app)
    for n in range(20):
        client.post("/signin", {"username": f"guess{n}", "password": "password123"}, page="/")
    refused = client.post("/signin", {"username": "ann", "password": PASSWORD}, page="/")
    assert refused.status_code == 401 and "Too many wrong sign-ins from this computer" in text_of(refused)
    other = StaffClient(app, address="10.0.0.7")
    assert other.sign_in("ann").status_code == 302
    with database.reader() as session:
        place = session.get(SigninThrottle, "127.0.0.1")
        assert place.lockouts == 1 and place.locked_until == clock.now() + timedelta(minutes=5)


def test_lock_lengths_double_and_stop_at_a_day():
    """GIVEN a base lock WHEN locks follow one another THEN each lasts twice the last, at most 24 hours."""
    assert [signin.lock_length(timedelta(minutes=1), n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert signin.lock_length(timedelta(minutes=5), 30) == timedelta(hours=24)


@SQLITE_ONLY
def test_a_disabled_account_or_a_changed_password_ends_the_session(app, database, clock, library):
    """GIVEN a signed-in librarian WHEN her password is changed elsewhere THEN her open session ends; WHEN her
    account is turned off THEN the right password is refused with words."""
    add_staff(database, clock, "ann", "librarian", library.school_id)
    client = StaffClient(app)
    client.sign_in("ann")
    with database.writer() as session, session.begin():
        account = session.scalar(sa.select(StaffAccount).where(StaffAccount.username == "ann"))
        account.password_changed_at = clock.now() + timedelta(seconds=5)
    assert client.get("/catalog").status_code == 302
    with database.writer() as session, session.begin():
        session.scalar(sa.select(StaffAccount).where(StaffAccount.username == "ann")).disabled = True
    refused = client.sign_in("ann")
    assert refused.status_code == 401 and "This account is turned off" in text_of(refused)


@SQLITE_ONLY
def test_a_form_posted_without_its_csrf_token_is_refused_with_400_and_changes_nothing(staff, database, library):
    """GIVEN a signed-in librarian WHEN she posts the block form without its token, or with a forged one
    THEN a 400 page says the form expired and nothing was changed; the kiosk API needs no token."""
    with database.reader() as session:
        maria = session.scalar(sa.select(Patron).where(Patron.barcode == library.maria))
    for token in (None, "forged-token"):
        data = {"reason": "forged"} if token is None else {"reason": "forged", "csrf_token": token}
        response = staff["librarian"].post(f"/patrons/{maria.id}/block", data, token=False)
        assert response.status_code == 400
        assert "This form has expired or did not come from this page" in text_of(response)
        assert "nothing was changed" in text_of(response)
    with database.reader() as session:
        assert session.get(Patron, maria.id).block_reason is None
    api = staff["librarian"].client.post("/api/v1/patrons/identify", json={"barcode": library.maria},
                                         headers={"Authorization": "Bearer token-one"})
    assert api.status_code == 200


@SQLITE_ONLY
def test_the_secret_key_is_generated_once_into_the_instance_folder_or_taken_from_the_environment(
        tmp_path, monkeypatch, database):
    """GIVEN no CENTRAL_SECRET_KEY WHEN two apps start on one instance folder THEN they share one generated key,
    in a file only its owner can read; GIVEN the variable THEN it is used instead."""
    monkeypatch.delenv("CENTRAL_SECRET_KEY", raising=False)
    apps = [create_app({"DATABASE_URL": database.url, "INSTANCE_FOLDER": str(tmp_path)}, database=database)
            for _ in range(2)]
    assert apps[0].secret_key == apps[1].secret_key and len(apps[0].secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("CENTRAL_SECRET_KEY", "from-the-environment")
    assert secret_key(tmp_path) == "from-the-environment"


@SQLITE_ONLY
def test_a_sign_in_link_never_sends_anyone_to_another_site(app, database, clock, library):
    """GIVEN a sign-in form whose 'next' names another site WHEN signing in THEN the librarian lands at home."""
    add_staff(database, clock, "ann", "librarian", library.school_id)
    client = StaffClient(app)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/signin", {"username": "ann", "password": PASSWORD, "next": target}, page="/")
        assert response.headers["Location"] == "/"
    response = client.post("/signin", {"username": "ann", "password": PASSWORD, "next": "/desk"}, page="/")
    assert response.headers["Location"] == "/desk"
