"""Notifications: an outbox table in the governance store, and an SMTP sender that drains it.

Writing to the outbox happens inside the action's own governance transaction, so a notification is
never lost and never sent for an action that did not happen. Sending is a separate step.
"""

from __future__ import annotations

import os
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

import duckdb
from pydantic import BaseModel, Field

from sandbox.db import fetch_row
from sandbox.workspace import Workspace


class SmtpSettings(BaseModel):
    """SMTP server settings: ``SANDBOX_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_FROM``, ``_TLS``."""

    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = Field(default="crm-sandbox@localhost")
    starttls: bool = False

    @classmethod
    def from_env(cls) -> SmtpSettings:
        env = os.environ
        return cls(host=env.get("SANDBOX_SMTP_HOST"), port=int(env.get("SANDBOX_SMTP_PORT", "25")),
                   user=env.get("SANDBOX_SMTP_USER"), password=env.get("SANDBOX_SMTP_PASSWORD"),
                   sender=env.get("SANDBOX_SMTP_FROM", "crm-sandbox@localhost"),
                   starttls=env.get("SANDBOX_SMTP_TLS", "") in {"1", "true", "yes"})


def enqueue(con: duckdb.DuckDBPyConnection, recipient: str, subject: str, body: str, *, kind: str = "",
            obj: str = "") -> int:
    """Add a message to the outbox inside the caller's governance connection; returns its id."""
    (last,) = fetch_row(con, "SELECT coalesce(max(id), 0) FROM outbox")
    con.execute("INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [last + 1, datetime.now(UTC).replace(tzinfo=None), recipient, subject, body, kind, obj])
    return last + 1


def pending(ws: Workspace, recipient: str | None = None) -> list[dict]:
    """Unsent messages (optionally for one recipient)."""
    with ws.governance() as g:
        rows = g.execute("SELECT id, recipient, subject, body, kind, object FROM outbox WHERE sent_at IS NULL "
                         "AND (? IS NULL OR recipient = ?) ORDER BY id", [recipient, recipient]).fetchall()
    return [dict(zip(("id", "recipient", "subject", "body", "kind", "object"), r, strict=True)) for r in rows]


def send_pending(ws: Workspace, settings: SmtpSettings | None = None, domain: str = "localhost") -> int:
    """Send every unsent message by SMTP; user names without '@' get ``@domain``. Returns the number sent."""
    settings = settings or SmtpSettings.from_env()
    if not settings.host:
        return 0
    sent = 0
    with smtplib.SMTP(settings.host, settings.port, timeout=10) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        for msg in pending(ws):
            email = EmailMessage()
            email["From"], email["Subject"] = settings.sender, msg["subject"]
            email["To"] = msg["recipient"] if "@" in msg["recipient"] else f"{msg['recipient']}@{domain}"
            email.set_content(msg["body"])
            try:
                smtp.send_message(email)
                error = None
                sent += 1
            except smtplib.SMTPException as exc:
                error = type(exc).__name__
            with ws.governance() as g:
                g.execute("UPDATE outbox SET sent_at = CASE WHEN ? IS NULL THEN now() END, error = ? WHERE id = ?",
                          [error, error, msg["id"]])
    return sent
