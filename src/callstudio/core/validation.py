"""Text checks shared by every service, so the API and the UI refuse the same input."""

import unicodedata

from .errors import Invalid


def clean_text(value, *, field: str, max_length: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise Invalid("Must be a string.", field=field)
    if "\x00" in value:
        raise Invalid("Must not contain NUL bytes.", field=field)
    value = value.strip()
    if required and not value:
        raise Invalid("This field is required.", field=field)
    if len(value) > max_length:
        raise Invalid(f"At most {max_length} characters.", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in value):
        raise Invalid("Must not contain control characters.", field=field)
    return value


def clean_name(value, *, field: str = "name", max_length: int = 100) -> str:
    value = clean_text(value, field=field, max_length=max_length)
    if "\n" in value or "\r" in value:
        raise Invalid("Must be a single line.", field=field)
    return value
