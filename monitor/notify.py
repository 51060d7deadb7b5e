"""Delivery channels: where a digest goes. A registry keyed by ``type``, so a new channel is
one class and one line in ``CHANNEL_TYPES``.

- ``smtp``: an email, multipart/alternative with a text/plain part and a right-to-left
  text/html part (CSS inlined into ``style`` attributes, which mail clients keep), UTF-8
  subject, a stable Message-ID per digest and channel; ``security`` = starttls | ssl | none.
- ``webhook``: the JSON digest POSTed to ``url`` (with ``Idempotency-Key: raqib-digest-N``).
- ``file``: one file per digest in the directory ``path``, written atomically.
- ``apprise``: Telegram, Slack, Matrix and the rest through Apprise URLs (needs the
  ``apprise`` package); the URLs carry tokens, so they come from ``url_env``.

Secrets come only from environment variables, read at send time; a channel's ``secrets()``
lets the outbox scrub them from any error it records.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import smtplib
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from crawler.tomlfile import Problem, text_value, unknown

from monitor.digest import FORMATS, DeliveryRef, render_digest
from crawler.redact import scrub, scrub_credentials, url_secrets

if TYPE_CHECKING:
    from monitor.records import Alert, DigestSettings

logger = logging.getLogger(__name__)

# Keys that would put a secret in the config file, and what to write instead.
_SECRET_KEYS = {"password": "password_env", "username": "username_env", "token": "token_env",
                "secret": "token_env", "api_key": "token_env"}


MAX_REASON = 1000  # characters of a failure reason recorded and printed


class DeliveryError(Exception):
    """A digest could not be delivered through a channel; the message says why, in words a
    user can act on, and never holds a secret."""


def failure_reason(exc: BaseException, secrets: list[str]) -> str:
    """What to record and print for a failed delivery: the message of raqib's own
    ``DeliveryError``, or the exception's type and message; scrubbed of ``secrets`` and of
    whatever has a credential's shape (``crawler.redact.scrub_credentials``), and bounded. A ``UnicodeError`` keeps its type and reason only: its message quotes the very
    characters it could not encode."""
    if isinstance(exc, DeliveryError):
        text = str(exc)
    elif isinstance(exc, UnicodeError):
        text = f"{type(exc).__name__}: {getattr(exc, 'reason', 'cannot encode')}"
    else:
        message = str(exc)
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return scrub(scrub_credentials(text), secrets)[:MAX_REASON]


@dataclass
class DigestMessage:
    """One digest, as the outbox hands it to every channel: built once, rendered on demand."""

    id: int
    generated: str
    alerts: list[Alert]
    subject: str
    delivery: int | None = None   # the outbox's delivery of it to this channel
    channel: str | None = None
    tz: tzinfo | None = None      # the reader's time zone (raqib.toml ``timezone``)
    names: Mapping[str, str] | None = None  # site id -> the name its seed gives

    def render(self, fmt: str) -> str:
        return render_digest(self.alerts, fmt, generated=self.generated,
                             delivery=DeliveryRef(self.id, self.delivery, self.channel),
                             tz=self.tz, names=self.names)


class Channel:
    """A place digests go. Subclasses set ``type`` and ``keys`` and implement ``send``."""

    type: ClassVar[str]
    keys: ClassVar[set[str]] = set()

    def __init__(self, name: str):
        self.name = name

    def send(self, message: DigestMessage) -> str:
        """Deliver ``message``; return a short note of where it went; raise DeliveryError."""
        raise NotImplementedError

    def describe(self) -> str:
        return self.type

    def secrets(self) -> list[str]:
        return []


def env_secret(variable: str | None) -> str | None:
    """The value of environment variable ``variable`` (``None`` when no variable is named);
    DeliveryError when it is named but not set."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise DeliveryError(f"environment variable {variable} is not set")
    return value


# --- smtp ---------------------------------------------------------------------------------


class SmtpChannel(Channel):
    type = "smtp"
    keys = {"host", "port", "security", "from", "to", "username_env", "password_env",
            "timeout"}
    _DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}

    def __init__(self, name: str, *, host: str, port: int, security: str, sender: str,
                 to: list[str], subject: str, username_env: str | None = None,
                 password_env: str | None = None, timeout: float = 30):
        super().__init__(name)
        self.host, self.port, self.security = host, port, security
        self.sender, self.to, self.subject = sender, to, subject
        self.username_env, self.password_env = username_env, password_env
        self.timeout = timeout

    @classmethod
    def from_table(cls, name: str, data: dict[str, Any], digest: DigestSettings,
                   problem: Problem) -> SmtpChannel | None:
        host = text_value(data, "host", problem, required=True)
        security = data.get("security", "starttls")
        if security not in cls._DEFAULT_PORTS:
            problem("security", f"{security!r} is not one of starttls, ssl, none")
            security = "starttls"
        port = data.get("port", cls._DEFAULT_PORTS[security])
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            problem("port", f"{port!r} is not a port number")
        sender = text_value(data, "from", problem, required=True)
        to = data.get("to")
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to or not all(isinstance(t, str) and "@" in t
                                                          for t in to):
            problem("to", "must be a list of email addresses")
            to = []
        if sender and "@" not in sender:
            problem("from", f"{sender!r} is not an email address")
        timeout = _number(data, "timeout", 30, problem)
        if None in (host, sender) or not to:
            return None
        return cls(name, host=host, port=port, security=security, sender=sender, to=to,
                   subject=digest.subject, username_env=_env_name(data, "username_env", problem),
                   password_env=_env_name(data, "password_env", problem), timeout=timeout)

    def describe(self) -> str:
        return f"smtp {self.host}:{self.port} ({self.security}) → {', '.join(self.to)}"

    def secrets(self) -> list[str]:
        return [v for v in (os.environ.get(self.password_env or ""),) if v]

    def email(self, message: DigestMessage) -> EmailMessage:
        """The email for ``message``: text/plain and an inlined, right-to-left text/html."""
        email = EmailMessage()
        email["Subject"] = self.subject.format(count=len(message.alerts))
        email["From"] = self.sender
        email["To"] = ", ".join(self.to)
        email["Date"] = formatdate(localtime=False)
        domain = self.sender.rpartition("@")[2] or "raqib.invalid"
        email["Message-ID"] = f"<raqib-digest-{message.id}.{_slug(self.name)}@{domain}>"
        email["X-Raqib-Digest"] = str(message.id)
        email.set_content(message.render("text"), charset="utf-8")
        email.add_alternative(email_html(message.render("html")), subtype="html",
                              charset="utf-8")
        return email

    def send(self, message: DigestMessage) -> str:
        username = env_secret(self.username_env)
        password = env_secret(self.password_env)
        email = self.email(message)
        where = f"{self.host}:{self.port}"
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if username is not None or password is not None:
                    _login(smtp, username or "", password or "")
                refused = smtp.send_message(email)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"the mail server {where} refused the login "
                                f"({exc.smtp_code})") from exc
        except smtplib.SMTPException as exc:
            raise DeliveryError(f"the mail server {where} refused the digest: {exc}") from exc
        except (OSError, socket.timeout) as exc:
            raise DeliveryError(f"cannot reach the mail server {where}: "
                                f"{exc.strerror or exc}") from exc
        if refused:
            raise DeliveryError(f"the mail server refused recipients: {', '.join(refused)}")
        return f"emailed to {', '.join(self.to)} via {where}"


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; smtplib's own login encodes credentials as ASCII only, so a non-ASCII user name
    or password goes as UTF-8 in AUTH PLAIN (RFC 4616), which every modern server takes."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError(
            "the server offers no AUTH PLAIN, the only way to send a non-ASCII login")
    blob = base64.b64encode(b"\0" + username.encode("utf-8") + b"\0" + password.encode("utf-8"))
    code, response = smtp.docmd("AUTH", "PLAIN " + blob.decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


# --- webhook ------------------------------------------------------------------------------


class WebhookChannel(Channel):
    type = "webhook"
    keys = {"url", "url_env", "token_env", "timeout"}

    def __init__(self, name: str, *, url: str | None, url_env: str | None,
                 token_env: str | None, timeout: float = 30):
        super().__init__(name)
        self.url, self.url_env, self.token_env, self.timeout = url, url_env, token_env, timeout

    @classmethod
    def from_table(cls, name: str, data: dict[str, Any], digest: DigestSettings,
                   problem: Problem) -> WebhookChannel | None:
        url = text_value(data, "url", problem)
        url_env = _env_name(data, "url_env", problem)
        if (url is None) == (url_env is None):
            problem("url", "give either url or url_env (the name of an environment variable "
                           "holding a URL that contains a token)")
            return None
        if url is not None and not re.match(r"^https?://[^/\s]+", url):
            problem("url", f"{url!r} is not an http(s) URL")
            return None
        return cls(name, url=url, url_env=url_env, token_env=_env_name(data, "token_env", problem),
                   timeout=_number(data, "timeout", 30, problem))

    def describe(self) -> str:
        if self.url:
            return f"webhook {_without_query(self.url)}"
        return f"webhook ${self.url_env}"

    def secrets(self) -> list[str]:
        url = os.environ.get(self.url_env or "") or self.url
        return [v for v in (os.environ.get(self.url_env or ""),
                            os.environ.get(self.token_env or ""), *url_secrets(url)) if v]

    def send(self, message: DigestMessage) -> str:
        url, basic = _split_userinfo(self.url or env_secret(self.url_env))
        token = env_secret(self.token_env)
        payload = {"digest_id": message.id, **json.loads(message.render("json"))}
        request = urllib.request.Request(
            url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "User-Agent": "raqib",
                     "Idempotency-Key": f"raqib-digest-{message.id}",
                     "X-Raqib-Digest": str(message.id)},
        )
        if token:
            try:
                token.encode("latin-1")
            except UnicodeEncodeError:
                raise DeliveryError(f"${self.token_env} holds characters an HTTP header cannot "
                                    "carry (Latin-1 at most)") from None
            request.add_header("Authorization", f"Bearer {token}")
        elif basic:
            request.add_header("Authorization", f"Basic {basic}")
        shown = _without_query(url) if self.url else f"${self.url_env}"
        try:
            with _NO_REDIRECTS.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                location = _without_query(exc.headers.get("Location") or "(none)")
                raise DeliveryError(
                    f"the webhook {shown} answered HTTP {exc.code}, a redirect to {location}: "
                    "not followed (a digest is POSTed only to the configured URL); "
                    "will be retried") from exc
            raise DeliveryError(f"the webhook {shown} answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"cannot reach the webhook {shown}: {reason}") from exc
        return f"posted to {shown} (HTTP {status})"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is not followed: urllib would turn the POST into a body-less GET and carry the
    Authorization header to whatever host the Location names. The 3xx surfaces as an
    HTTPError instead, a failed delivery retried later."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)


def _split_userinfo(url: str) -> tuple[str, str | None]:
    """``url`` without its user-info, and that user-info as a Basic credential (or None):
    urllib would otherwise take ``user:token@host`` for the host, and quote it in errors."""
    match = re.match(r"^(https?://)([^/?#@]*)@(.*)$", url, re.S)
    if match is None:
        return url, None
    user, _, password = match.group(2).partition(":")
    credential = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
    return match.group(1) + match.group(3), base64.b64encode(
        credential.encode("utf-8")).decode("ascii")


# --- file ---------------------------------------------------------------------------------


class FileChannel(Channel):
    type = "file"
    keys = {"path", "format"}
    _SUFFIX = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}

    def __init__(self, name: str, *, path: Path, fmt: str):
        super().__init__(name)
        self.path, self.format = path, fmt

    @classmethod
    def from_table(cls, name: str, data: dict[str, Any], digest: DigestSettings,
                   problem: Problem) -> FileChannel | None:
        path = text_value(data, "path", problem, required=True)
        fmt = data.get("format", digest.format)
        if fmt not in FORMATS:
            problem("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
            return None
        if path is None:
            return None
        return cls(name, path=Path(path), fmt=fmt)

    def describe(self) -> str:
        return f"file {self.path}/ ({self.format})"

    def file_for(self, message: DigestMessage) -> Path:
        stamp = re.sub(r"[^0-9T]", "", message.generated[:19])
        return self.path / f"digest-{message.id:06d}-{stamp}.{self._SUFFIX[self.format]}"

    def send(self, message: DigestMessage) -> str:
        target = self.file_for(message)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            partial.write_text(message.render(self.format), encoding="utf-8")
            partial.replace(target)  # atomic: a reader never sees half a digest
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return f"wrote {target}"


# --- apprise ------------------------------------------------------------------------------


class AppriseChannel(Channel):
    type = "apprise"
    keys = {"url_env", "format"}
    _BODY_FORMATS = {"text": "text", "markdown": "markdown", "html": "html"}

    def __init__(self, name: str, *, url_env: str, fmt: str, subject: str):
        super().__init__(name)
        self.url_env, self.format, self.subject = url_env, fmt, subject

    @classmethod
    def from_table(cls, name: str, data: dict[str, Any], digest: DigestSettings,
                   problem: Problem) -> AppriseChannel | None:
        if "url" in data or "urls" in data:
            problem("url", "Apprise URLs carry tokens: put them in an environment variable "
                           "and name it with url_env")
            return None
        url_env = _env_name(data, "url_env", problem)
        fmt = data.get("format", "markdown")
        if fmt not in cls._BODY_FORMATS:
            problem("format", f"{fmt!r} is not one of {', '.join(cls._BODY_FORMATS)}")
            return None
        if url_env is None:
            problem("url_env", "missing: name the environment variable holding the Apprise "
                               "URL(s), separated by spaces")
            return None
        return cls(name, url_env=url_env, fmt=fmt, subject=digest.subject)

    def describe(self) -> str:
        return f"apprise ${self.url_env}"

    def secrets(self) -> list[str]:
        return [v for v in (os.environ.get(self.url_env),) if v]

    def send(self, message: DigestMessage) -> str:
        try:
            import apprise
        except ImportError as exc:
            raise DeliveryError("the apprise package is not installed "
                                "(pip install apprise)") from exc
        urls = env_secret(self.url_env).split()
        notifier = apprise.Apprise()
        for url in urls:
            if not notifier.add(url):
                raise DeliveryError(f"${self.url_env} holds a URL Apprise does not understand")
        ok = notifier.notify(title=self.subject.format(count=len(message.alerts)),
                             body=message.render(self.format),
                             body_format=self._BODY_FORMATS[self.format])
        if not ok:
            raise DeliveryError(f"Apprise could not notify every URL in ${self.url_env}")
        return f"notified {len(urls)} Apprise URL(s)"


# --- the registry -------------------------------------------------------------------------

CHANNEL_TYPES: dict[str, type[Channel]] = {
    cls.type: cls for cls in (SmtpChannel, WebhookChannel, FileChannel, AppriseChannel)
}


def build_channel(data: dict[str, Any], digest: DigestSettings, problem: Problem,
                  index: int = 0) -> Channel | None:
    """A channel from one ``[[channel]]`` table; problems reported by key, None if unusable."""
    kind = data.get("type")
    if kind not in CHANNEL_TYPES:
        problem("type", f"{kind!r} is not a channel type (known: {', '.join(CHANNEL_TYPES)})"
                if kind is not None else f"missing (one of {', '.join(CHANNEL_TYPES)})")
        return None
    cls = CHANNEL_TYPES[kind]
    for key, instead in _SECRET_KEYS.items():
        if key in data:
            problem(key, "secrets never go in the config file: put it in an environment "
                         f"variable and name that variable with {instead}")
    unknown({k: v for k, v in data.items() if k not in _SECRET_KEYS},
            cls.keys | {"type", "name"}, "", problem)
    name = data.get("name", kind)
    if not isinstance(name, str) or not re.match(r"^[\w.-]+$", name):
        problem("name", f"{name!r} is not a name (letters, digits, _ . -)")
        return None
    return cls.from_table(name, data, digest, problem)


def _env_name(data: dict[str, Any], key: str, problem: Problem) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
        problem(key, f"{value!r} is not an environment variable name")
        return None
    return value


def _number(data: dict[str, Any], key: str, default: float, problem: Problem) -> float:
    value = data.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        problem(key, "must be a positive number of seconds")
        return default
    return float(value)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text) or "channel"


def _without_query(url: str) -> str:
    """A URL fit for logs: no query string, no user info (either may hold a token)."""
    url = re.sub(r"^(https?://)[^/@]*@", r"\1", url)
    return url.split("?", 1)[0]


# --- html for mail clients ------------------------------------------------------------------

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def email_html(document: str) -> str:
    """The digest's HTML made ready for mail clients: every CSS rule of its ``<style>`` copied
    into the ``style`` attributes of the elements it selects (many clients drop ``<style>``
    and ``<html>`` attributes), and the body wrapped in a ``dir="rtl" lang="ar"`` block."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(document, "html.parser")
    style = soup.find("style")
    inline: dict[int, list[str]] = {}
    elements: dict[int, Any] = {}
    if style is not None:
        for selectors, declarations in _RULE.findall(style.get_text()):
            declarations = " ".join(declarations.split()).strip().rstrip(";")
            if not declarations:
                continue
            for selector in selectors.split(","):
                selector = selector.strip()
                try:
                    matched = soup.select(selector)
                except Exception:  # a selector soupsieve cannot apply: leave it to <style>
                    continue
                for element in matched:
                    inline.setdefault(id(element), []).append(declarations)
                    elements[id(element)] = element
    for key, element in elements.items():
        own = element.get("style")
        element["style"] = "; ".join(inline[key] + ([own] if own else []))
    body = soup.body
    if body is not None:
        wrapper = soup.new_tag("div", attrs={"dir": "rtl", "lang": "ar",
                                             "style": body.get("style", "direction: rtl")})
        for child in list(body.children):
            wrapper.append(child.extract())
        body.append(wrapper)
        body["dir"] = "rtl"
    return str(soup)
