//! Redaction of personal data (personnummer, phone numbers, e-mail addresses).
