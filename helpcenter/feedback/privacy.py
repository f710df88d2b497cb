"""What readers type in a search box or a comment may identify them: an email address, a phone
number, a parcel's tracking number. Such things are masked before anything is stored, so the
reports show `[email]`, `[phone]` or `[number]` in their place and the database never holds them.
"""

from __future__ import annotations

import re

EMAIL = "[email]"
PHONE = "[phone]"
NUMBER = "[number]"

# Anything around an @ that looks like a mailbox and a domain (with or without a dot: an
# unfinished address is still personal).
EMAILS = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+", re.UNICODE)
# A run of digits with the separators phone numbers are written with, an international prefix
# (`+33`, `0033`) or a bracketed area code; judged by how many digits it holds.
PHONE_CANDIDATES = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \u00a0.\-/()]*\d(?!\w)")
# A token mixing letters and digits, or a long run of digits: tracking numbers (1Z999AA10123456784,
# CL123456789FR), order numbers, IBANs, card numbers.
TOKENS = re.compile(r"(?<![\w])[^\W_]*\d[^\W_]*(?![\w])")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15
MIN_TOKEN_LENGTH = 8
MIN_TOKEN_DIGITS = 5


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(char.isdigit() for char in text)
    if digits > MAX_PHONE_DIGITS:
        return NUMBER
    if digits >= MIN_PHONE_DIGITS:
        return PHONE
    return text


def _token(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(char.isdigit() for char in text)
    if len(text) >= MIN_TOKEN_LENGTH and digits >= MIN_TOKEN_DIGITS:
        return NUMBER
    return text


def mask_personal_data(text: str) -> str:
    """`text` with email addresses, phone numbers and tracking-number-like tokens masked."""
    text = EMAILS.sub(EMAIL, text)
    text = PHONE_CANDIDATES.sub(_phone, text)
    return TOKENS.sub(_token, text)
