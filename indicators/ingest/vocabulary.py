"""Words of the exports (English, French, Spanish) used by ``map-template`` to suggest a
mapping: names of columns and the record-format code of common values.

Everything here is a suggestion written into a draft mapping file with a comment; nothing is
used when ingesting. Words are compared folded (lower case, no accents, ``_`` between words).
"""

from __future__ import annotations

__all__ = ["COLUMN_WORDS", "VALUE_WORDS", "suggest_code"]

COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "child_id": ("code enfant", "identifiant enfant", "id enfant", "numero enfant", "code mineur",
                 "id mineur", "code jeune", "codigo nino", "id nino", "id menor", "codigo menor",
                 "child code", "juvenile id", "pseudonyme", "identifiant"),
    "sex": ("sexe", "sexo", "genre", "gender"),
    "date_of_birth": ("date de naissance", "date naissance", "ne le", "nee le", "naissance",
                      "fecha de nacimiento", "fecha nacimiento", "dob", "birth date", "birthdate"),
    "arrest_id": ("numero pv", "n pv", "no pv", "pv", "proces verbal", "numero d arrestation",
                  "id arrestation", "numero interpellation", "numero de arresto", "arrest number",
                  "arrest no"),
    "arrest_date": ("date de l arrestation", "date arrestation", "date d interpellation",
                    "date interpellation", "fecha de arresto", "fecha arresto",
                    "fecha de detencion", "arrest date", "date of arrest"),
    "offence_category": ("infraction", "nature de l infraction", "infraction principale", "delit",
                         "motif", "qualification", "delito", "tipo de delito", "offence",
                         "offense", "crime", "charge"),
    "age_years": ("age", "edad", "age a l arrestation", "age au moment des faits",
                  "age at arrest", "ans"),
    "area": ("region", "zone", "district", "province", "departement", "commune", "localite",
             "departamento", "municipio"),
    "episode_id": ("numero d ecrou", "n ecrou", "numero ecrou", "ecrou", "numero d entree",
                   "numero de registro", "booking number", "admission number"),
    "facility_id": ("etablissement", "code etablissement", "centre", "code centre",
                    "lieu de detention", "centro", "establecimiento", "institution"),
    "admission_date": ("date d entree", "date entree", "date d ecrou", "date d admission",
                       "fecha de ingreso", "fecha ingreso", "admission date", "date admitted"),
    "release_date": ("date de sortie", "date sortie", "date de liberation", "fecha de salida",
                     "fecha de egreso", "release date"),
    "end_reason": ("motif de sortie", "motif sortie", "raison de la sortie", "type de sortie",
                   "motivo de salida", "motivo de egreso", "reason for release", "end reason"),
    "sentence_date": ("date de condamnation", "date de la condamnation", "condamne le",
                      "fecha de condena", "fecha de sentencia", "sentence date"),
    "wholly_separated_from_adults": ("separe des adultes", "separation des adultes",
                                     "quartier des mineurs", "quartier mineurs",
                                     "separado de adultos", "separated from adults"),
    "received_aftercare": ("suivi post liberation", "suivi apres la sortie", "accompagnement",
                           "seguimiento", "aftercare", "post release support"),
    "disposition_id": ("numero de jugement", "numero de decision", "numero de dossier",
                       "numero d affaire", "numero de expediente", "numero de sentencia",
                       "case number", "decision number", "dossier", "affaire"),
    "decision_date": ("date de la decision", "date decision", "date du jugement",
                      "date jugement", "fecha de decision", "fecha de la resolucion",
                      "decision date", "judgment date"),
    "decision": ("decision", "mesure", "peine", "resultat", "issue de l affaire", "fallo",
                 "resolucion", "medida", "outcome", "sanction"),
    "offence_date": ("date des faits", "date de l infraction", "date faits",
                     "fecha de los hechos", "fecha del delito", "offence date"),
    "visit_date": ("date de visite", "date visite", "date du parloir", "fecha de visita"),
    "direction": ("type de visite", "sens", "tipo de visita"),
    "facility_type": ("type d etablissement", "type", "categorie", "tipo de establecimiento"),
    "complaints_mechanism": ("mecanisme de plainte", "plaintes", "mecanismo de quejas",
                             "complaints"),
    "inspection_date": ("date d inspection", "date de l inspection", "fecha de inspeccion"),
    "independent": ("independant", "independante", "independiente", "externe"),
    "year": ("annee", "ano", "an"),
    "age": ("age", "edad", "ans", "age revolu"),
    "population": ("effectif", "effectifs", "poblacion", "habitants", "total", "count"),
}
"""Record-format column -> export column names seen in ministries' exports (folded)."""

VALUE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "sex": {
        "M": ("masculin", "m", "homme", "garcon", "male", "man", "boy", "masculino", "hombre",
              "varon", "h"),
        "F": ("feminin", "f", "femme", "fille", "female", "woman", "girl", "femenino", "mujer"),
        "U": ("inconnu", "non renseigne", "nr", "nd", "indetermine", "unknown", "u",
              "desconocido", "sin dato", "?"),
    },
    "offence_category": {  # ICCS sections; the more specific words first
        "04": ("vol avec violence", "vol qualifie", "vol a main armee", "braquage", "racket",
               "extorsion", "robo con violencia", "robbery"),
        "01": ("homicide", "meurtre", "assassinat", "homicidio", "asesinato", "murder"),
        "03": ("viol", "agression sexuelle", "sexuel", "violacion", "abuso sexual", "sexual"),
        "02": ("coups", "blessures", "violences", "agression", "menaces", "rixe", "lesiones",
               "assault"),
        "06": ("stupefiant", "drogue", "cannabis", "droga", "estupefaciente", "drug"),
        "07": ("escroquerie", "fraude", "corruption", "faux", "abus de confiance", "estafa",
               "fraud"),
        "09": ("port d arme", "arme", "armas", "weapon"),
        "10": ("environnement", "braconnage", "ambiental", "environment"),
        "status": ("fugue", "absenteisme", "couvre feu", "fuga del hogar", "ausentismo",
                   "truancy", "runaway", "curfew"),
        "05": ("vol", "cambriolage", "recel", "degradation", "vandalisme", "hurto", "robo",
               "danos", "theft", "burglary", "vandalism"),
        "08": ("outrage", "rebellion", "trouble", "ordre public", "desordre", "resistencia",
               "public order"),
    },
    "decision": {
        "diversion": ("deju", "mediation", "rappel a la loi", "mesure alternative", "diversion",
                      "remision", "mediacion", "conciliacion"),
        "non_custodial_sentence": ("sursis", "travail d interet general", "tig",
                                   "liberte surveillee", "amende", "admonestation",
                                   "avertissement", "mise a l epreuve", "libertad vigilada",
                                   "servicio comunitario", "probation", "community"),
        "custodial_sentence": ("emprisonnement", "prison ferme", "ferme", "placement en centre",
                               "detention", "internamiento", "privacion de libertad", "custod"),
        "acquittal": ("relaxe", "acquitte", "acquittement", "absolucion", "absuelto", "acquit"),
        "dismissal": ("classement", "classe sans suite", "non lieu", "sobreseimiento",
                      "archivo", "dismiss"),
    },
    "end_reason": {
        "transfer": ("transfert", "transfere", "traslado", "transfer"),
        "death": ("deces", "decede", "mort", "fallecimiento", "death"),
        "escape": ("evasion", "evade", "fuga", "escape"),
        "release": ("liberation", "libere", "sortie", "fin de peine", "mainlevee", "libertad",
                    "egreso", "release"),
    },
    "facility_type": {
        "police": ("commissariat", "police", "gendarmerie", "garde a vue", "comisaria"),
        "pretrial": ("maison d arret", "detention provisoire", "prevention", "preventiva",
                     "pretrial", "remand"),
        "juvenile_institution": ("centre educatif", "mineurs", "epm", "reeducation", "menores",
                                 "juvenil", "juvenile"),
        "adult_prison": ("maison centrale", "centre penitentiaire", "prison", "carcel",
                         "penitenciario"),
        "closed_welfare": ("foyer", "centre social", "proteccion", "welfare"),
    },
    "direction": {
        "received": ("visite", "parloir", "visita", "received"),
        "home_leave": ("permission", "sortie", "permiso", "home leave"),
    },
    "bool": {
        "true": ("oui", "o", "vrai", "si", "yes", "y", "x", "1"),
        "false": ("non", "n", "faux", "no", "0"),
    },
}
"""Record-format column (or ``bool``) -> code -> folded words that suggest it."""


def suggest_code(column: str, kind: str, folded: str, codes: tuple[str, ...]) -> str | None:
    """The record-format code a value suggests (already a code; a known word), or None."""
    if kind == "bool":
        table = VALUE_WORDS["bool"]
        return next((c for c, words in table.items() if folded in words), None)
    table = VALUE_WORDS.get(column)
    if folded in {c.lower() for c in codes}:
        return next(c for c in codes if c.lower() == folded)
    if folded.isdigit() and folded.zfill(2) in codes:
        return folded.zfill(2)
    if not table:
        return None
    padded = f" {folded.replace('_', ' ')} "
    for code, words in table.items():
        if folded in words or any(len(w) > 2 and f" {w} " in padded for w in words):
            return code
    for code, words in table.items():  # a word starting a longer one (condamne -> condamnation)
        if any(len(w) > 3 and f" {w}" in padded for w in words):
            return code
    return None
