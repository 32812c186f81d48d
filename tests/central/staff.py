"""Staff accounts for the tests and a browser-like client: it signs in with the form, and posts forms with
the CSRF token and form id the page gave it, as a real browser would."""
from __future__ import annotations

import re
from html import unescape

from central.staff.accounts import create_account
from central.store.models import School

PASSWORD = "correct horse battery"
ROLES = ("librarian", "technician", "read_only", "district_admin")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


def add_staff(database, clock, username: str, role: str, school_id: int | None, language: str = "en") -> None:
    """Create a staff account with PASSWORD."""
    with database.writer() as session, session.begin():
        school = session.get(School, school_id) if school_id else None
        create_account(session, username, PASSWORD, role, school=school if role != "district_admin" else None,
                       now=clock.now(), language=language)


class StaffClient:
    """A test client that keeps its cookies, reads the CSRF token and form id from each page it opens."""

    def __init__(self, app, address: str = "127.0.0.1"):
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.token = None
        self.form_id = None

    def get(self, path: str, **kwargs):
        """GET a page and remember its CSRF token and form id."""
        response = self.client.get(path, **kwargs)
        self._remember(response)
        return response

    def _remember(self, response) -> None:
        if response.mimetype == "text/html":
            text = response.get_data(as_text=True)
            token, form_id = _TOKEN.search(text), _FORM_ID.search(text)
            self.token = token.group(1) if token else self.token
            self.form_id = form_id.group(1) if form_id else self.form_id

    def post(self, path: str, data: dict | None = None, *, page: str | None = None, token: bool = True,
             form_id: str | None = None, follow: bool = False):
        """POST a form as the page ``page`` (opened first when given) would send it."""
        if page:
            self.get(page)
        body = dict(data or {})
        if token and "csrf_token" not in body:
            body["csrf_token"] = self.token
        if "form_id" not in body and (form_id or self.form_id):
            body["form_id"] = form_id or self.form_id
        response = self.client.post(path, data=body, follow_redirects=follow)
        self._remember(response)
        return response

    def sign_in(self, username: str, password: str = PASSWORD):
        """Sign in through the form on the home page."""
        self.get("/")
        return self.post("/signin", {"username": username, "password": password})


def text_of(response) -> str:
    """The page's text with tags removed and entities decoded (what a person reads)."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))
