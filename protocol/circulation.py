"""The circulation vocabulary both sides share: event types, refusal codes and their sentences.

Refusal sentences are written for a seven-year-old standing at the kiosk, in every language the
kiosk offers. The central server sends the code and the sentence in the language asked for; the
kiosk can always re-word a code itself in the language on screen.
"""
from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "es")
EVENT_TYPES = ("checkout", "checkin", "renew")

# code -> {language: sentence}
REFUSALS: dict[str, dict[str, str]] = {
    "patron_unknown": {
        "en": "We could not find that library card. Please ask a librarian.",
        "es": "No encontramos esa tarjeta de la biblioteca. Pide ayuda a un bibliotecario.",
    },
    "pin_required": {
        "en": "Please type your PIN.",
        "es": "Escribe tu PIN, por favor.",
    },
    "pin_incorrect": {
        "en": "That PIN is not right. Please try again.",
        "es": "Ese PIN no es correcto. Inténtalo otra vez.",
    },
    "pin_locked": {
        "en": "Too many wrong tries. Please ask a librarian for help.",
        "es": "Demasiados intentos. Pide ayuda a un bibliotecario.",
    },
    "card_expired": {
        "en": "Your library card has expired. Please see a librarian.",
        "es": "Tu tarjeta de la biblioteca ya venció. Habla con un bibliotecario.",
    },
    "patron_blocked": {
        "en": "You can't borrow books right now. Please see a librarian.",
        "es": "Ahora no puedes llevarte libros. Habla con un bibliotecario.",
    },
    "fines_over_limit": {
        "en": "You owe the library money, so you can't borrow right now. Please see a librarian.",
        "es": "Debes dinero a la biblioteca y ahora no puedes llevarte libros. Habla con un bibliotecario.",
    },
    "item_unknown": {
        "en": "We don't know this book. Please give it to a librarian.",
        "es": "No conocemos este libro. Dáselo a un bibliotecario.",
    },
    "item_reference": {
        "en": "This book has to stay in the library.",
        "es": "Este libro tiene que quedarse en la biblioteca.",
    },
    "item_on_loan": {
        "en": "Someone else has this book checked out. Please give it to a librarian.",
        "es": "Otra persona tiene este libro prestado. Dáselo a un bibliotecario.",
    },
    "item_on_hold": {
        "en": "This book is saved for someone else. Please give it to a librarian.",
        "es": "Este libro está apartado para otra persona. Dáselo a un bibliotecario.",
    },
    "item_give_to_librarian": {  # a copy marked lost, missing or withdrawn turned up at a checkout
        "en": "Please give this book to the librarian. It can't be checked out here, and the library will be glad "
              "to see it.",
        "es": "Dale este libro al bibliotecario, por favor. No se puede sacar aquí, y la biblioteca se alegrará de "
              "verlo.",
    },
    "too_many_items": {
        "en": "You already have as many books as you can borrow. Return one to take another.",
        "es": "Ya tienes todos los libros que puedes llevarte. Devuelve uno para llevar otro.",
    },
    "no_renewals_left": {
        "en": "This book can't be renewed again. Please return it.",
        "es": "Este libro ya no se puede renovar. Devuélvelo, por favor.",
    },
    "not_on_loan_to_patron": {
        "en": "You don't have this book checked out.",
        "es": "No tienes este libro prestado.",
    },
    "item_not_on_loan": {
        "en": "This book was not checked out.",
        "es": "Este libro no estaba prestado.",
    },
    "system_refused": {
        "en": "The library computer said no to this. Please ask a librarian.",
        "es": "La computadora de la biblioteca no lo permitió. Pide ayuda a un bibliotecario.",
    },
    "item_on_hold_renewal": {
        "en": "Someone is waiting for this book, so it can't be renewed. Please return it.",
        "es": "Alguien está esperando este libro y no se puede renovar. Devuélvelo, por favor.",
    },
}


def refusal_message(code: str, language: str = "en") -> str:
    """Return the child-friendly sentence for a refusal code in ``language`` (English if missing)."""
    sentences = REFUSALS.get(code)
    if sentences is None:
        return REFUSALS["item_unknown"]["en"] if language == "en" else "Pide ayuda a un bibliotecario."
    return sentences.get(language) or sentences["en"]


@dataclass(frozen=True)
class Refusal:
    """A business 'no' from circulation: a stable code and a sentence for the screen."""

    code: str
    message: str

    @classmethod
    def of(cls, code: str, language: str = "en") -> "Refusal":
        """Build the refusal for ``code`` with its sentence in ``language``."""
        if code not in REFUSALS:
            raise KeyError(f"unknown refusal code {code!r}")
        return cls(code, refusal_message(code, language))

    def to_json(self) -> dict[str, str]:
        """The wire form: ``{"code": ..., "message": ...}``."""
        return {"code": self.code, "message": self.message}
