"""Error pages of the staff web, in the staff member's language: a refused form says why in words."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from central.web.i18n import t

PAGES = {
    400: ("This form could not be used", "The page sent something the server could not read. Go back and try again."),
    401: ("Please sign in", "Your sign-in has ended. Sign in again and repeat what you were doing."),
    403: ("Not allowed", "Your account may not do this, or the record belongs to another school. Nothing was changed."),
    404: ("Not found", "There is nothing at this address. It may have been removed, or the link is mistyped."),
    405: ("Not allowed", "This address cannot be used this way. Nothing was changed."),
}


def attach(bp: Blueprint) -> None:
    """Use these pages for errors raised on the staff pages (the API keeps its JSON errors).

    They are the staff blueprint's own handlers, so they apply to its routes (and their CSRF checks)
    and never to /api/v1, whose app-wide handler stays in charge there.
    """
    @bp.errorhandler(CSRFError)
    def _forged(_error: CSRFError):
        # Flask-WTF refuses a POST without its token before the view runs: the data is as it was.
        return _page(400, "This form has expired or did not come from this page",
                     "For your safety nothing was changed. Go back, reload the page and send the form again."), 400

    for code in PAGES:
        bp.register_error_handler(code, _error)


def _error(error: HTTPException):
    title, text = PAGES.get(error.code, PAGES[400])
    return _page(error.code, title, text), error.code


def _page(code: int, title: str, text: str):
    return render_template("central/error.html", code=code, title=t(title), text=t(text))
