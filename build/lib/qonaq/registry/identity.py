"""The deduplication keys of a member: keyed digests of the document and the IIN."""

from qonaq.db.crypto import Keyring


def document_digest(keyring: Keyring, document_key: str) -> str:
    """The digest of a document's normalised key (`PersonCreate.document_key()`)."""
    return keyring.digest("document", document_key)


def iin_digest(keyring: Keyring, iin: str) -> str:
    """The digest of an IIN."""
    return keyring.digest("iin", iin.strip())
