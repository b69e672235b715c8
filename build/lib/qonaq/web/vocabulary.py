"""Words the pages translate from data (roles, statuses, kinds), marked for the catalogs."""

from qonaq.i18n import N_

ROLE_WORDS = (N_("admin"), N_("coordinator"), N_("registrar"), N_("host"), N_("volunteer"))
STATUS_WORDS = (
    N_("pending"), N_("placed"), N_("arrived"), N_("no_show"), N_("withdrawn"),
    N_("reserved"), N_("cancelled"),
)  # fmt: skip
KIND_WORDS = (N_("republic_city"), N_("regional_centre"), N_("town"), N_("village"))
SOURCE_WORDS = (N_("estimate"), N_("declared"))
DOCUMENT_WORDS = {
    "passport": N_("passport"),
    "id_card": N_("identity card"),
    "birth_certificate": N_("birth certificate"),
    "residence_permit": N_("residence permit"),
    "other": N_("other document"),
}
