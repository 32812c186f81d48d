"""Which column of a patron CSV holds which field: guessed from the header names SIS and library exports use.

The guesses cover Follett Destiny's patron export ("District ID", "Barcode", "Patron Type",
"Homeroom"), PowerSchool's ("Student_Number", "First_Name", "Grade_Level", "LastFirst", "Home_Room")
and Infinite Campus's ("studentNumber", "firstName", "grade", "homeroomTeacher"), with common Spanish
headers. The librarian confirms or changes them on the mapping page, or with ``--map COLUMN=FIELD``.
"""
from __future__ import annotations

import re

from central.imports.report import ImportStopped
from central.imports.wording import Listed, S

# The fields a patron row can give, with the names the mapping page shows.
FIELD_NAMES = {
    "student_id": "Student ID", "first_name": "First name", "last_name": "Last name",
    "last_first": "Full name (Last, First)", "grade": "Grade", "homeroom": "Homeroom", "patron_type": "Patron type",
    "barcode": "Library card barcode", "card_uid": "Card UID (NFC/RFID)", "language": "Language",
    "school": "School", "expires_on": "Card expires on",
}
FIELDS = tuple(FIELD_NAMES)
_SYNONYMS = {
    "student_id": ("studentid", "studentnumber", "studentno", "stunum", "districtid", "localid", "sisid",
                   "studentidnumber", "idnumber", "numeroestudiante", "idestudiante", "personid", "id"),
    "first_name": ("firstname", "first", "givenname", "fname", "nombre", "preferredfirstname"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname", "apellido", "apellidos"),
    "last_first": ("lastfirst", "fullname", "name", "studentname", "patronname", "nombrecompleto"),
    "grade": ("grade", "gradelevel", "grd", "currentgrade", "grado", "curgrade"),
    "homeroom": ("homeroom", "homeroomteacher", "homeroomname", "hr", "advisory", "aula", "homeroomnumber"),
    "patron_type": ("patrontype", "usertype", "type", "role", "tipo", "accesslevel"),
    "barcode": ("barcode", "librarybarcode", "patronbarcode", "cardnumber", "librarycard", "librarycardnumber",
                "codigodebarras"),
    "card_uid": ("carduid", "uid", "rfid", "nfc", "rfiduid", "badgeuid", "badge"),
    "language": ("language", "homelanguage", "preferredlanguage", "lang", "languagepreference", "idioma"),
    "school": ("school", "schoolcode", "schoolid", "schoolnumber", "site", "sitecode", "schoolname", "building", "sitename", "escuela"),
    "expires_on": ("expires", "expiration", "expirationdate", "cardexpiration", "expireson", "vence"),
}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Field -> column index, for the columns whose header names a field (first match wins)."""
    mapping: dict[str, int] = {}
    for field, names in _SYNONYMS.items():
        for position, name in enumerate(header):
            if _key(name) in names and position not in mapping.values():
                mapping[field] = position
                break
    if "first_name" in mapping and "last_name" in mapping:
        mapping.pop("last_first", None)  # "Name" beside First and Last is a display name
    return mapping


def parse_map(options: list[str], header: list[str], guessed: dict[str, int] | None = None) -> dict[str, int]:
    """``--map COLUMN=FIELD`` options on top of the guesses; ImportStopped naming an unknown column or field.

    ``FIELD`` may be ``-`` to ignore a column the guess took.
    """
    mapping = dict(guessed or {})
    by_name = {_key(h): i for i, h in enumerate(header)}
    for option in options:
        column, _, field = option.partition("=")
        column, field = column.strip(), field.strip().lower()
        if _key(column) not in by_name:
            raise ImportStopped(S("There is no column '{column}' in the file (its columns: {columns}).",
                                  column=column, columns=", ".join(header)))
        position = by_name[_key(column)]
        mapping = {f: p for f, p in mapping.items() if p != position}
        if field in ("-", "", "ignore"):
            continue
        if field not in FIELD_NAMES:
            raise ImportStopped(S("'{field}' is not a patron field; the fields are: {fields}.", field=field,
                                  fields=", ".join(FIELDS)))
        mapping[field] = position
    return mapping


def missing_fields(mapping: dict[str, int]) -> list[str]:
    """The fields a patron import cannot do without, that ``mapping`` has no column for."""
    missing = []
    if "student_id" not in mapping and "barcode" not in mapping:
        missing.append("student_id")
    if "last_first" not in mapping:
        missing += [f for f in ("first_name", "last_name") if f not in mapping]
    return missing


def check_mapping(mapping: dict[str, int], header: list[str]) -> None:
    """ImportStopped naming the missing columns, when a required field has no column."""
    missing = missing_fields(mapping)
    if missing:
        raise ImportStopped(S("The file has no column for {fields} (its columns: {columns}). Choose the columns on "
                              "the mapping step, or name them with --map COLUMN=FIELD.",
                              fields=Listed(S(FIELD_NAMES[f]) for f in missing), columns=", ".join(header)))
