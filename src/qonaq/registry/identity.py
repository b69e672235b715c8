"""The search and deduplication keys of a member: keyed digests of the document, the IIN and
the phone, and the name case-folded."""

from qonaq.db.crypto import Keyring


def document_digest(keyring: Keyring, document_key: str) -> str:
    """The digest of a document's normalised key (`PersonCreate.document_key()`)."""
    return keyring.digest("document", document_key)


def iin_digest(keyring: Keyring, iin: str) -> str:
    """The digest of an IIN."""
    return keyring.digest("iin", iin.strip())


def phone_number_key(phone: str) -> str:
    """A phone as digits only; a Kazakh or Russian 8 prefix is the same number as +7."""
    digits = "".join(c for c in phone if c.isdigit())
    return "7" + digits[1:] if len(digits) == 11 and digits.startswith("8") else digits


def phone_digest(keyring: Keyring, phone: str) -> str:
    """The digest of a phone number however it was typed (not unique: a family shares one)."""
    return keyring.digest("phone", phone_number_key(phone))


def folded_name(full_name: str) -> str:
    """A name as a search compares it: case-folded, spaces collapsed, ё as е."""
    return " ".join(full_name.casefold().replace("ё", "е").split())
