"""The one way the application sends e-mail.

Mail is rendered in the recipient's language and stored in the outbox (``OutboundMail``);
``consult.core.outbox`` hands it to a backend after the transaction commits.

Backends: ``console`` (the embedded default: mail is written to the log), ``smtp`` (when
MAIL_SERVER is set) and ``memory`` (tests: messages are kept in ``outbox()``).
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def outbox() -> list[EmailMessage]:
    """Messages sent with the memory backend (tests read what a person would receive)."""
    return current_app.extensions.setdefault("consult_outbox", [])


def send_message(message: EmailMessage) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(message)
    elif backend == "smtp":
        cfg = current_app.config
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:  # console: who, what and the plain text, readable in the development log
        body = message.get_body(("plain",))
        log.warning("E-mail (console backend) to %s: %s\n%s", message["To"], message["Subject"],
                    body.get_content() if body is not None else "")


def render_template_mail(template: str, *, locale: str, **context) -> tuple[str, str, str]:
    """Render ``mail/<template>.txt`` and ``.html`` in ``locale``: (subject, text, html).

    The subject is the first line of the text template, after ``Subject:``.
    """
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", text_body=text, **context)
    first, _, body = text.partition("\n")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n"), html


def queue_mail(to: str, subject: str, text: str, html: str = "", *, user=None,
               headers: dict[str, str] | None = None, dedupe_key: str | None = None):
    """Put one mail in the outbox; it is delivered after the current transaction commits."""
    from consult.core.outbox import OutboundMail, register_new_mail
    from consult.extensions import db

    mail = OutboundMail(to_address=to, subject=subject[:300], text_body=text, html_body=html,
                        user_id=getattr(user, "id", None), headers=headers or {}, dedupe_key=dedupe_key)
    db.session.add(mail)
    register_new_mail(mail)
    return mail


def send_template(to: str, template: str, *, locale: str, user=None, **context):
    """Render a mail template in the recipient's language and queue it in the outbox."""
    subject, text, html = render_template_mail(template, locale=locale, user=user, **context)
    return queue_mail(to, subject, text, html, user=user)
