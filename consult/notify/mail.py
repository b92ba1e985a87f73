"""The one way the application sends e-mail.

Backends: ``console`` (the embedded default: mail is written to the log), ``smtp`` (when
MAIL_SERVER is set) and ``memory`` (tests: messages are kept in ``outbox()``).
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def outbox() -> list[EmailMessage]:
    """Messages sent with the memory backend (tests read what a person would receive)."""
    return current_app.extensions.setdefault("consult_outbox", [])


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="consult.local")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send_message(message: EmailMessage) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(message)
    elif backend == "smtp":
        cfg = current_app.config
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        log.warning("E-mail (console backend)\n%s", message.as_string())


def send_template(to: str, template: str, *, locale: str, **context) -> EmailMessage:
    """Render ``mail/<template>.txt`` (and ``.html``) in the recipient's language and send it.

    The subject is the first line of the text template, after ``Subject:``.
    """
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", text_body=text, **context)
    first, _, body = text.partition("\n")
    subject = first.removeprefix("Subject:").strip()
    message = build_message(to, subject, body.lstrip("\n"), html)
    send_message(message)
    return message
