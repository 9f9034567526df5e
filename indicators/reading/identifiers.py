"""Column names that identify a person: records must be pseudonymous.

A column whose name looks like a direct identifier (name, address, phone, e-mail, passport,
national id, ...) is an error and its values are never read. See "Pseudonymous records" in the
user documentation (``docs/records.md#pseudonymous``).
"""

from __future__ import annotations

import re

__all__ = ["is_direct_identifier"]

_IDENTIFIER_RE = re.compile(
    r"""^(?:
        (?:first|last|given|family|middle|full|maiden|fore|sur|child|person|father|mother|
           parent|guardian|birth)?_?names?
      | surname | forename | initials
      | .*(?:address|street|postcode|zip_code|phone|telephone|mobile|e_?mail|passport).*
      | (?:national|personal|citizen|civil)_?(?:id|number|no|identity|identifier|code)(?:_.*)?
      | nid | nin | ssn | social_security(?:_.*)? | id_?card(?:_.*)? | identity_card(?:_.*)?
      | birth_certificate(?:_.*)? | tax_?(?:id|number)
    )$""",
    re.VERBOSE,
)


def is_direct_identifier(column: str) -> bool:
    """Whether a column name looks like a direct identifier of a person (name, phone, ...).

    Records must be pseudonymous (``docs/records.md#pseudonymous``): such columns are refused.

    Examples
    --------
    >>> is_direct_identifier("First Name"), is_direct_identifier("facility_id")
    (True, False)
    """
    norm = re.sub(r"[^a-z0-9]+", "_", str(column).strip().lower()).strip("_")
    return bool(_IDENTIFIER_RE.match(norm))
