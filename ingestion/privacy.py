"""Keyed pseudonymisation of pupils and the rules for what is never stored.

What is never stored (152-ФЗ; DOMAIN §8): surname, name, patronymic, full name, document series
and number, СНИЛС, birth date, address, phone, e-mail. Readers declare such columns as
``personal``: their values are read into memory only to compute the pupil key, and no output,
log line or quarantine record carries them. Columns a reader does not declare are never read
into an output at all (outputs are projections of declared fields).

The pupil key. A pupil must get one key across the sources of one academic year (ЕГЭ, ОГЭ,
olympiad protocols, medalist lists), and those sources share only the full name, the school and
the year: ЕГЭ files carry a document number, olympiad protocols do not. So:

1. at read time: ``person_key = HMAC-SHA-256(secret, "person:v1|<year>|<region>|<NORMALISED FULL
   NAME>")``, truncated to 128 bits (32 hex characters);
2. in the warehouse, once the school is resolved: ``participant_key = md5(person_key | school_id)``.

Collision rule: two pupils of the same school with the same full name in the same academic year
get the same ``participant_key``. Within one exam sitting that shows up as a duplicate
(participant_key, sitting), which fails the blocking uniqueness check naming the file and rows;
the remedy is a person's decision recorded in the source file (e.g. the pupil's second given
name or a "-2" suffix: letters and hyphens survive normalisation, digits do not, so "(2)"
alone does not separate them). Namesakes in
different schools get different participant keys. Keys differ between years by design (a pupil
cannot be followed across years by key alone).

The secret lives outside the warehouse, in ``MSOKO_PSEUDONYM_SECRET`` (at least 32 characters).
A fixed demo secret exists for the bundled demo data and is refused unless ``MSOKO_DEMO=1``.
"""

from __future__ import annotations

import hashlib
import os
import re

DEMO_SECRET = "msoko-demo-secret-not-for-real-pupil-data-0000"
SECRET_ENV = "MSOKO_PSEUDONYM_SECRET"
DEMO_ENV = "MSOKO_DEMO"
KEY_HEX_CHARS = 32
KEY_VERSION = "person:v1"


class SecretError(RuntimeError):
    """The pseudonymisation secret is missing, too short, or the demo secret outside demo mode."""


def secret_from_env() -> tuple[str, bool]:
    """The secret source: ``MSOKO_PSEUDONYM_SECRET`` and whether ``MSOKO_DEMO`` is on (read here
    and by ``Settings.from_env``, nowhere else)."""
    demo = os.environ.get(DEMO_ENV, "").strip() in {"1", "true", "yes"}
    return os.environ.get(SECRET_ENV, ""), demo


def load_secret(secret: str | None = None, demo: bool | None = None) -> bytes:
    """Return the HMAC secret, refusing unsafe configurations (``Settings.secret()`` passes
    the deployment's; without arguments, the environment's)."""
    if secret is None or demo is None:
        env_secret, env_demo = secret_from_env()
        secret = env_secret if secret is None else secret
        demo = env_demo if demo is None else demo
    if not secret:
        if demo:
            return DEMO_SECRET.encode()
        raise SecretError(
            f"{SECRET_ENV} is not set. Pupil keys are HMACs with a secret kept outside the "
            f"warehouse: set {SECRET_ENV} (32+ characters) or, for the bundled demo data only, "
            f"{DEMO_ENV}=1."
        )
    if secret == DEMO_SECRET and not demo:
        raise SecretError(
            f"{SECRET_ENV} holds the published demo secret; it is accepted only with {DEMO_ENV}=1."
        )
    if len(secret) < 32 and not demo:
        raise SecretError(f"{SECRET_ENV} must be at least 32 characters long.")
    return secret.encode()


def hmac_pads(secret: bytes) -> tuple[str, str]:
    """The inner and outer HMAC-SHA-256 pads as hex, so that DuckDB SQL can compute the HMAC.

    HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m)), K' = K padded to the 64-byte block.
    Passing the pads as query parameters keeps the secret out of SQL text and error messages.
    """
    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in key).hex()
    opad = bytes(b ^ 0x5C for b in key).hex()
    return ipad, opad


def normalise_full_name_sql(expr: str) -> str:
    """SQL for the normalised full name: upper case, Ё→Е, letters, hyphens and single spaces."""
    return (
        "trim(regexp_replace(regexp_replace(upper(replace(replace("
        f"{expr}, 'ё', 'е'), 'Ё', 'Е')), '[^\\p{{L}}\\- ]', ' ', 'g'), '\\s+', ' ', 'g'))"
    )


def person_key_sql(year_expr: str, region_expr: str, full_name_expr: str) -> str:
    """SQL computing ``person_key`` with query parameters ``$ipad`` and ``$opad``."""
    message = (
        f"'{KEY_VERSION}|' || {year_expr} || '|' || {region_expr} || '|' || "
        f"{normalise_full_name_sql(full_name_expr)}"
    )
    return (
        "left(sha256(unhex($opad) || unhex(sha256(unhex($ipad) || encode("
        f"{message})))), {KEY_HEX_CHARS})"
    )


def person_key(secret: bytes, year: int | str, region: str, full_name: str) -> str:
    """Python reference implementation of ``person_key_sql`` (used by tests and small readers)."""
    import hmac
    import re

    name = full_name.replace("ё", "е").replace("Ё", "Е").upper()
    name = re.sub(r"[^\w\- ]|[\d_]", " ", name)
    name = re.sub(r"\s+", " ", name).strip()
    message = f"{KEY_VERSION}|{year}|{region}|{name}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]


def redact_sql(value_expr: str, personal_exprs: list[str], *, hide_digit_runs: bool = True) -> str:
    """SQL that hides a quarantined value when it could be personal data.

    A bad cell of a pupil-level file is usually a damaged number ("ЗД7"), which is kept as is so
    that people can find and fix it. But a shifted row can put a surname into a score column:
    a value equal to one of the row's personal cells, or a word of four or more letters, is
    replaced by its shape ("<hidden: 6 characters of text>"). Cells are compared trimmed and
    case-folded. A run of four or more digits (a document series or number shifted into a
    score column; no score or mark has four digits) is hidden the same way.
    """
    equal_to_personal = (
        " or ".join(
            f"lower(trim({value_expr})) = lower(trim(cast({p} as varchar)))" for p in personal_exprs
        )
        or "false"
    )
    return (
        f"case when {value_expr} is not null and (({equal_to_personal}) or "
        f"regexp_full_match({value_expr}, '[\\p{{L}}\\s.\\-]{{4,}}') or "
        # pupil-level files: no score or mark has four digits; a document number does
        + (f"regexp_matches({value_expr}, '\\d{{4,}}')" if hide_digit_runs else "false")
        + ") "
        f"then '<hidden: ' || length({value_expr}) || ' characters of text>' "
        f"else {value_expr} end"
    )


def redact_error(exc: BaseException) -> str:
    """An exception's message, safe for logs and the quarantine report: its first line only
    (DuckDB appends the offending input line), quoted values and runs of 4+ digits (document
    numbers) replaced by their shape, at most 300 characters."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    text = re.sub(
        r"'([^']*)'|\"([^\"]*)\"",
        lambda m: f"<hidden: {len(m.group(1) or m.group(2) or '')} characters>",
        text,
    )
    text = re.sub(r"\d{4,}", lambda m: f"<hidden: {len(m.group(0))} digits>", text)
    text = text.split("Original Line")[0].strip()
    return text[:300]
