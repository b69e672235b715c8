"""Errors a user can cause with a bad input file: every bad row, by number and column."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an input file (row 1 is the first data row after the header);
    row 0 is the header of a CSV file, a key of a TOML file, or with column '-' the whole file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row > 0 else []
        if self.column != "-":
            where.append(f"column {self.column!r}" if self.row > 0 else repr(self.column))
        return ", ".join(where) + ": " + self.message if where else self.message


class InputFileError(ValueError):
    """An input file that cannot be used; carries every problem found, not just the first."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        count = "" if len(errors) == 1 else f"{len(errors)} problems: "
        super().__init__(f"{source}: {count}{shown}{more}")


class DomainError(ValueError):
    """An action the rules refuse; raised by services, shown by the web in one place.

    The message is a catalog msgid with %(name)s parameters, so pages show it in the
    reader's language; str() gives the English words for the API and the command line.
    """

    status = 422

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)

    def words(self, language: str) -> str:
        """The message in `language`; parameter words the catalog knows (a status) too."""
        from qonaq.i18n import gettext

        text = gettext(language, self.template)
        if not self.params:
            return text
        return text % {
            k: gettext(language, v) if isinstance(v, str) and v else v
            for k, v in self.params.items()
        }


class Invalid(DomainError):
    """The request breaks a rule of the domain (e.g. an override without a reason)."""


class NotFound(DomainError):
    """A household, settlement, hub, placement or plan that does not exist."""

    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows this action (already placed, full)."""

    status = 409


class Forbidden(DomainError):
    """The actor may not act on this object (e.g. a host of another settlement)."""

    status = 403
