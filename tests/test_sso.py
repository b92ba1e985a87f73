"""Single sign-on over OpenID Connect, end to end against a real provider (oidc-provider-mock) on a
free local port: the municipality's provider for staff, an eHerkenning-style broker for providers.

The app under test talks to the provider over HTTP (discovery, JWKS, token endpoint); the tests play
the browser: they follow the app's redirect to the provider, post its form with the subject, and bring
the provider's redirect back to the app's callback.
"""
from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
import warnings
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pyotp
import pytest
from flask import g
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select
from werkzeug.serving import make_server

from consult.audit.models import AuditEvent
from consult.auth.models import ExternalIdentity, User
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, Organisation, OrgKind
from consult.sso.services import BACKCHANNEL_EVENT, SESSION_KEY
from tests.conftest import PASSWORD, csrf_token_from, get_csrf, login, make_org, make_user, post_form, sign_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the mock imports Authlib modules that Authlib marks deprecated
    import oidc_provider_mock

# The mock provider signs id tokens through an Authlib interface that Authlib now marks deprecated
# (in the provider's thread, while a test runs); not the platform's code.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config.*is deprecated:DeprecationWarning")

STAFF_CLIENT = "consult-staff"
EH_CLIENT = "consult-eherkenning"
APP = "http://localhost"


class IdentityProvider:
    """oidc-provider-mock in a thread on a free port. ``spoil`` changes what its token endpoint does,
    as a provider that is wrong or an attacker in between would: "audience" redeems the code as
    another client (the code was issued to that client), "signature" alters the id token's claims
    after it was signed."""

    def __init__(self, **options):
        self.app = oidc_provider_mock.app(require_nonce=True, **options)
        self.spoil: str | None = None
        self.server = make_server("localhost", 0, self._wsgi, threaded=True)
        self.url = f"http://localhost:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def _wsgi(self, environ, start_response):
        if environ["PATH_INFO"] != "/oauth2/token" or self.spoil is None:
            return self.app(environ, start_response)
        if self.spoil == "audience":
            environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(b"someone-else:secret").decode()
            return self.app(environ, start_response)
        answered = {}

        def keep(status, headers, exc_info=None):
            answered.update(status=status, headers=headers)

        body = json.loads(b"".join(self.app(environ, keep)))
        header, payload, signature = body["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["sub"] = "intruder"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        body["id_token"] = ".".join((header, forged, signature))
        data = json.dumps(body).encode()
        headers = [(k, v) for k, v in answered["headers"] if k.lower() != "content-length"]
        start_response(answered["status"], [*headers, ("Content-Length", str(len(data)))])
        return [data]

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def set_user(self, sub: str, **claims) -> None:
        assert httpx.put(f"{self.url}/users/{sub}", json=claims).status_code == 204

    def signing_key(self) -> RSAKey:
        """The provider's own private key (read in-process from the mock's storage)."""
        with self.app.test_request_context():
            self.app.preprocess_request()
            return RSAKey.import_key(g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()


@pytest.fixture(scope="module")
def idp():
    provider = IdentityProvider()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def expired_idp():
    """A provider whose tokens expired ten minutes before they were issued."""
    provider = IdentityProvider(access_token_max_age=timedelta(minutes=-10))
    yield provider
    provider.stop()


def sso_config(idp: IdentityProvider, **overrides) -> dict:
    return {
        "SSO_STAFF_DISCOVERY_URL": idp.discovery_url, "SSO_STAFF_CLIENT_ID": STAFF_CLIENT,
        "SSO_STAFF_CLIENT_SECRET": "staff-secret", "SSO_STAFF_SCOPES": "openid email profile",
        "SSO_STAFF_ROLE_CLAIM": "groups", "SSO_STAFF_ROLE_MAP": "consult-beheer=admin, consult-medewerkers=member",
        "SSO_EHERKENNING_DISCOVERY_URL": idp.discovery_url, "SSO_EHERKENNING_CLIENT_ID": EH_CLIENT,
        "SSO_EHERKENNING_CLIENT_SECRET": "eh-secret", "SSO_EHERKENNING_SCOPES": "openid email profile",
        **overrides,
    }


@pytest.fixture
def english(app, monkeypatch):
    """Pages in English for visitors (the texts below are the messages' own words in every build)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


@pytest.fixture
def configure(app, monkeypatch, idp, english):
    """Point the app at ``idp`` (or another provider) for one test."""
    def apply(provider: IdentityProvider = idp, **overrides):
        for key, value in sso_config(provider, **overrides).items():
            monkeypatch.setitem(app.config, key, value)
    apply()
    return apply


@pytest.fixture(autouse=True)
def unspoiled(idp):
    idp.spoil = None
    yield
    idp.spoil = None


def to_provider(client, name: str, *, next_url: str | None = None) -> str:
    """Start the login at the app; the URL of the provider's authorisation page it sends to."""
    started = client.get(f"/login/sso/{name}" + (f"?{urlencode({'next': next_url})}" if next_url else ""))
    assert started.status_code == 302
    return started.headers["Location"]


def authorise(authorize_url: str, sub: str, *, as_client: str | None = None) -> str:
    """Type ``sub`` into the provider's form; the callback URL the provider sends the browser to."""
    if as_client:
        parts = urlsplit(authorize_url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"client_id": as_client}
        authorize_url = urlunsplit(parts._replace(query=urlencode(query)))
    page = httpx.get(authorize_url)
    assert page.status_code == 200 and "Authorize Client" in page.text
    answer = httpx.post(authorize_url, data={"sub": sub})
    assert answer.status_code == 302
    return answer.headers["location"]


def sso_login(client, name: str, sub: str, **options):
    """The whole round trip; the app's answer to the provider's redirect."""
    return client.get(authorise(to_provider(client, name), sub, **options))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def verified_org(name: str = "Zorg BV", kvk: str = "12345678", kind: OrgKind = OrgKind.PROVIDER) -> Organisation:
    """An organisation whose KvK number is verified (by an earlier eHerkenning registration, or the
    administrator)."""
    org = make_org(name, kind=kind, kvk=kvk)
    org.kvk_verified_at = utcnow()
    db.session.commit()
    return org


# --- the municipality's provider ------------------------------------------------------------------

def test_staff_login_creates_an_account_with_the_mapped_admin_role(client, configure, idp):
    idp.set_user("anna-1", email="Anna@Gemeente.example", name="Anna de Vries", groups=["consult-beheer"],
                 amr=["pwd", "mfa"])
    answer = sso_login(client, "staff", "anna-1")
    assert (answer.status_code, answer.headers["Location"]) == (302, "/")
    user = user_by_email("anna@gemeente.example")
    assert (user.name, user.is_admin, user.password_hash, user.email_verified_at is not None) == \
        ("Anna de Vries", True, None, True)
    identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert (identity.provider, identity.issuer, identity.subject) == ("staff", idp.url, "anna-1")
    assert identity.last_login_at is not None
    assert [e.detail for e in events("sso_account_created")] == [{"provider": "staff"}]
    assert [e.detail for e in events("sso_account_linked")] == [{"provider": "staff", "issuer": idp.url}]
    assert [(e.actor_id, e.detail) for e in events("login")] == \
        [(user.id, {"method": "sso", "provider": "staff", "assurance": None, "multi_factor": True})]
    assert logged_in(client)


def test_staff_member_role_makes_a_member_of_the_municipality(client, configure, idp):
    municipality = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    make_org("Zorg BV")
    idp.set_user("bram-1", email="bram@gemeente.example", name="Bram", groups="consult-medewerkers other-group")
    assert sso_login(client, "staff", "bram-1").status_code == 302
    user = user_by_email("bram@gemeente.example")
    assert user.is_admin is False
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(municipality.id, MemberRole.MEMBER)]


def test_staff_second_login_uses_the_linked_account_even_with_a_new_address(app, configure, idp):
    idp.set_user("carla-1", email="carla@gemeente.example", name="Carla", groups=["consult-beheer"], amr=["mfa"])
    assert sso_login(app.test_client(), "staff", "carla-1").status_code == 302
    idp.set_user("carla-1", email="c.jansen@gemeente.example", name="Carla", groups=["consult-beheer"],
                 amr=["mfa"])
    second = app.test_client()
    assert sso_login(second, "staff", "carla-1").status_code == 302
    assert db.session.scalars(select(User.email)).all() == ["carla@gemeente.example"]
    assert db.session.scalar(select(ExternalIdentity.subject)) == "carla-1"
    assert len(events("sso_account_linked")) == 1
    assert logged_in(second)


def test_staff_login_links_an_existing_account_by_a_verified_address(client, configure, idp):
    existing = make_user("dirk@gemeente.example", admin=False, org=make_org("Gemeente", kind=OrgKind.MUNICIPALITY))
    idp.set_user("dirk-1", email="dirk@gemeente.example", email_verified=True, groups=["consult-beheer"],
                 amr=["mfa"])
    assert sso_login(client, "staff", "dirk-1").status_code == 302
    identity = db.session.scalar(select(ExternalIdentity))
    assert (identity.user_id, db.session.get(User, existing.id).is_admin) == (existing.id, True)
    assert events("sso_account_created") == []


@pytest.mark.parametrize("verified", [None, False, "true"])
def test_staff_login_does_not_link_an_account_by_an_unverified_address(client, configure, idp, verified):
    """Only the boolean true proves the address: absent, false or the string "true" do not."""
    existing = make_user("dirk@gemeente.example", admin=False)
    claims = {} if verified is None else {"email_verified": verified}
    idp.set_user("dirk-1", email="dirk@gemeente.example", groups=["consult-beheer"], amr=["mfa"], **claims)
    answer = sso_login(client, "staff", "dirk-1")
    assert answer.status_code == 403
    assert "e-mail address and password first" in answer.get_data(as_text=True)
    assert db.session.scalar(select(ExternalIdentity)) is None
    assert db.session.get(User, existing.id).is_admin is False
    assert [e.detail for e in events("sso_refused")] == [
        {"provider": "staff", "reason": "link_needed", "user_id": str(existing.id), "why": "email_not_verified"}]
    assert not logged_in(client)


def test_staff_login_never_links_a_providers_account_by_address(client, configure, idp):
    """Even with a verified address: the account of a provider's contact person is not taken over by
    whoever the municipality's provider gives that address."""
    contact = make_user("contact@zorgbv.example", org=make_org("Zorg BV"), role=MemberRole.CONTACT)
    idp.set_user("mallory", email="contact@zorgbv.example", email_verified=True, groups=["consult-beheer"],
                 amr=["mfa"])
    answer = sso_login(client, "staff", "mallory")
    assert answer.status_code == 403
    assert db.session.scalar(select(ExternalIdentity)) is None
    assert db.session.get(User, contact.id).is_admin is False
    assert [e.detail["why"] for e in events("sso_refused")] == ["organisation_account"]
    assert not logged_in(client)


def test_a_logged_in_person_links_their_municipal_account(app, client, configure, idp):
    """Logged in with the password, the person starts the municipal login: its identity is linked to
    the account they are logged in with (the refused case above, done with proof)."""
    user = make_user("dirk@gemeente.example", org=make_org("Zorg BV"))
    login(client, "dirk@gemeente.example")
    idp.set_user("dirk-1", email="d.other@gemeente.example", groups=["consult-medewerkers"], amr=["mfa"])
    municipality = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    answer = sso_login(client, "staff", "dirk-1")
    assert answer.headers["Location"] == "/account"
    identity = db.session.scalar(select(ExternalIdentity))
    assert (identity.user_id, identity.provider, identity.subject) == (user.id, "staff", "dirk-1")
    assert municipality.id in {m.organisation_id for m in db.session.get(User, user.id).memberships}
    # (told in the account's language, Dutch)
    assert "Uw account bij de identiteitsprovider is nu aan dit account gekoppeld." in \
        client.get("/account").get_data(as_text=True)
    # Once linked, the municipal login alone finds the account.
    other = app.test_client()
    assert sso_login(other, "staff", "dirk-1").headers["Location"] == "/"
    with other.session_transaction() as sess:
        assert sess["_user_id"].startswith(f"{user.id}:")


def test_linking_an_identity_that_belongs_to_another_account_is_refused(app, client, configure, idp):
    idp.set_user("erik-1", email="erik@gemeente.example", groups=["consult-beheer"], amr=["mfa"])
    assert sso_login(app.test_client(), "staff", "erik-1").status_code == 302
    other = make_user("someone@example.org")
    sign_in(client, other)
    answer = sso_login(client, "staff", "erik-1")
    assert answer.status_code == 403
    assert [e.detail["reason"] for e in events("sso_refused")] == ["identity_taken"]
    assert db.session.scalar(select(ExternalIdentity.user_id)) != other.id


def test_staff_roles_follow_the_provider_at_each_login(app, configure, idp):
    municipality = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    idp.set_user("ruud-1", email="ruud@gemeente.example", groups=["consult-medewerkers", "consult-beheer"],
                 amr=["mfa"])
    assert sso_login(app.test_client(), "staff", "ruud-1").status_code == 302
    user = user_by_email("ruud@gemeente.example")
    assert (user.is_admin, [m.organisation_id for m in user.memberships]) == (True, [municipality.id])
    idp.set_user("ruud-1", email="ruud@gemeente.example", groups=["consult-beheer"], amr=["mfa"])
    assert sso_login(app.test_client(), "staff", "ruud-1").status_code == 302
    db.session.expire_all()
    user = user_by_email("ruud@gemeente.example")
    assert (user.is_admin, user.memberships) == (True, [])
    assert [e.detail["organisation_id"] for e in events("membership_removed")] == [municipality.id]
    idp.set_user("ruud-1", email="ruud@gemeente.example", groups=["consult-medewerkers"], amr=["mfa"])
    assert sso_login(app.test_client(), "staff", "ruud-1").status_code == 302
    db.session.expire_all()
    user = user_by_email("ruud@gemeente.example")
    assert (user.is_admin, [m.organisation_id for m in user.memberships]) == (False, [municipality.id])


def test_identities_of_two_providers_with_one_issuer_are_apart(app, configure, idp):
    """Both providers are the same mock here (one issuer): a staff subject does not log in through
    eHerkenning as the staff account."""
    idp.set_user("same-sub", email="boss@gemeente.example", groups=["consult-beheer"], amr=["mfa"],
                 kvk="12345678", acr="eH3")
    assert sso_login(app.test_client(), "staff", "same-sub").status_code == 302
    browser = app.test_client()
    answer = sso_login(browser, "eherkenning", "same-sub")
    # Not the staff account: an organisation new here, to register.
    assert answer.headers["Location"] == "/login/eherkenning/complete"
    assert not logged_in(browser)
    assert db.session.scalars(select(ExternalIdentity.provider)).all() == ["staff"]


def test_staff_login_without_a_mapped_role_is_refused(client, configure, idp):
    idp.set_user("eva-1", email="eva@gemeente.example", groups=["iedereen"])
    answer = sso_login(client, "staff", "eva-1")
    assert answer.status_code == 403
    assert "gives you no role on this platform" in answer.get_data(as_text=True)
    assert user_by_email("eva@gemeente.example") is None
    assert [(e.result, e.detail["reason"]) for e in events("sso_refused")] == [("failure", "no_role")]
    assert not logged_in(client)


def test_staff_login_with_multi_factor_at_the_provider_skips_the_code(app, client, configure, idp, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    idp.set_user("fleur-1", email="fleur@gemeente.example", groups=["consult-beheer"], amr=["pwd", "otp"])
    answer = sso_login(client, "staff", "fleur-1")
    assert answer.headers["Location"] == "/"
    # An admin without the platform's own authenticator is not sent to set it up either.
    assert client.get("/").status_code == 200


def test_staff_login_without_multi_factor_asks_for_the_code(app, configure, idp):
    user = make_user("gijs@gemeente.example", admin=True)
    user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
    db.session.commit()
    idp.set_user("gijs-1", email="gijs@gemeente.example", email_verified=True, groups=["consult-beheer"],
                 amr=["pwd"])
    client = app.test_client()
    answer = sso_login(client, "staff", "gijs-1")
    assert answer.headers["Location"] == "/login/code"
    assert not logged_in(client)
    token = csrf_token_from(client.get("/login/code").get_data(as_text=True))
    coded = client.post("/login/code", data={"csrf_token": token, "code": pyotp.TOTP(user.totp_secret).now()})
    assert coded.headers["Location"] == "/"
    assert logged_in(client)
    with client.session_transaction() as sess:
        assert (sess[SESSION_KEY]["provider"], sess[SESSION_KEY]["mfa"]) == ("staff", False)


def test_staff_login_without_multi_factor_must_set_up_the_code(app, client, configure, idp, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    idp.set_user("hans-1", email="hans@gemeente.example", groups=["consult-beheer"], amr=["pwd"])
    assert sso_login(client, "staff", "hans-1").headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/account/two-factor"


def test_password_login_is_refused_for_staff_when_switched_off(app, configure, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_PASSWORD_LOGIN", False)
    municipality = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    make_user("admin@gemeente.example", admin=True)
    make_user("medewerker@gemeente.example", org=municipality)
    make_user("zorg@example.org", org=make_org("Zorg BV"))
    for email in ("admin@gemeente.example", "medewerker@gemeente.example"):
        client = app.test_client()
        page = login(client, email)
        assert page.status_code == 200
        assert "Staff of the municipality log in with their municipal account" in page.get_data(as_text=True)
        assert not logged_in(client)
    provider = app.test_client()
    assert login(provider, "zorg@example.org").headers["Location"] == "/"
    assert [e.detail for e in events("login") if e.result == "refused"] == \
        [{"reason": "staff_password_login_off"}] * 2


def test_password_login_of_staff_stays_when_switched_on(app, client, configure):
    make_user("admin@gemeente.example", admin=True)
    assert login(client, "admin@gemeente.example").headers["Location"] == "/"


# --- eHerkenning ------------------------------------------------------------------------------------

LOA3 = "urn:etoegang:core:assurance-class:loa3"


def test_eherkenning_links_the_person_to_the_organisation_with_the_kvk_number(client, configure, idp):
    org = verified_org("Zorg BV", kvk="12345678")
    idp.set_user("eh-jan", kvk="12345678", acr=LOA3, email="jan@zorgbv.example", email_verified=True,
                 name="Jan Zorg")
    answer = sso_login(client, "eherkenning", "eh-jan")
    assert answer.headers["Location"] == "/"
    user = user_by_email("jan@zorgbv.example")
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(org.id, MemberRole.MEMBER)]
    identity = db.session.scalar(select(ExternalIdentity))
    assert (identity.provider, identity.assurance_level, identity.user_id) == ("eherkenning", LOA3, user.id)
    assert [e.detail for e in events("login")] == \
        [{"method": "sso", "provider": "eherkenning", "assurance": LOA3, "multi_factor": True}]
    with client.session_transaction() as sess:
        assert sess[SESSION_KEY]["assurance"] == LOA3
    assert logged_in(client)


def test_eherkenning_address_of_another_organisations_account_is_refused(client, configure, idp):
    verified_org("Zorg BV", kvk="12345678")
    make_user("kim@example.org", org=make_org("Ander BV", kvk="11111111"))
    idp.set_user("eh-kim", kvk="12345678", acr="eH3", email="kim@example.org", email_verified=True)
    answer = sso_login(client, "eherkenning", "eh-kim")
    assert answer.status_code == 403
    assert [e.detail["reason"] for e in events("sso_refused")] == ["email_taken"]
    assert db.session.scalar(select(ExternalIdentity)) is None


def test_eherkenning_unknown_kvk_number_starts_the_registration_with_it_verified(app, client, configure, idp, mail):
    idp.set_user("eh-lotte", kvk="8765 4321", acr="eH3")
    answer = sso_login(client, "eherkenning", "eh-lotte")
    assert answer.headers["Location"] == "/login/eherkenning/complete"
    page = client.get("/login/eherkenning/complete").get_data(as_text=True)
    assert "87654321" in page and 'name="org_name"' in page and 'name="kvk_number"' not in page
    done = client.post("/login/eherkenning/complete", data={
        "csrf_token": csrf_token_from(page), "kind": "provider", "org_name": "Thuiszorg Lotte", "website": "",
        "name": "Lotte Bakker", "email": "lotte@thuiszorg.example"})
    assert done.status_code == 200
    assert "lotte@thuiszorg.example" in done.get_data(as_text=True)
    org = db.session.scalar(select(Organisation).where(Organisation.kvk_number == "87654321"))
    assert (org.name, org.kind, org.kvk_verified_at is not None) == ("Thuiszorg Lotte", OrgKind.PROVIDER, True)
    user = user_by_email("lotte@thuiszorg.example")
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(org.id, MemberRole.CONTACT)]
    assert user.email_verified_at is None  # the address did not come from the broker: confirmed by mail
    assert [m["To"] for m in mail] == ["lotte@thuiszorg.example"]
    assert db.session.scalar(select(ExternalIdentity.assurance_level)) == "eH3"
    assert not logged_in(client)


def test_eherkenning_registration_with_the_brokers_address_logs_in(client, configure, idp):
    idp.set_user("eh-mo", kvk="22223333", acr="eH4", email="mo@dagbesteding.example", email_verified=True,
                 name="Mo")
    assert sso_login(client, "eherkenning", "eh-mo").headers["Location"] == "/login/eherkenning/complete"
    page = client.get("/login/eherkenning/complete").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*type="radio" value="provider"', page)
    done = client.post("/login/eherkenning/complete", data={
        "csrf_token": csrf_token_from(page), "kind": "council", "org_name": "Cliëntenraad Mo", "name": "Mo",
        "email": "mo@dagbesteding.example"})
    assert done.headers["Location"] == "/"
    assert logged_in(client)
    assert [e.detail for e in events("provider_registered")] == [{"provider": "eherkenning", "kind": "council"}]
    org = db.session.scalar(select(Organisation).where(Organisation.kvk_number == "22223333"))
    assert (org.kind, org.kvk_verified_at is not None) == (OrgKind.COUNCIL, True)


def test_eherkenning_registration_with_an_unverified_brokers_address_confirms_it_by_mail(client, configure,
                                                                                         idp, mail):
    idp.set_user("eh-pim", kvk="22224444", acr="eH3", email="pim@dagbesteding.example", name="Pim")
    assert sso_login(client, "eherkenning", "eh-pim").headers["Location"] == "/login/eherkenning/complete"
    token = get_csrf(client, "/login/eherkenning/complete")
    done = client.post("/login/eherkenning/complete", data={
        "csrf_token": token, "kind": "provider", "org_name": "Dagbesteding Pim", "name": "Pim",
        "email": "pim@dagbesteding.example"})
    assert done.status_code == 200
    assert user_by_email("pim@dagbesteding.example").email_verified_at is None
    assert [m["To"] for m in mail] == ["pim@dagbesteding.example"]
    assert not logged_in(client)


def test_eherkenning_registration_refused_when_the_kvk_number_was_taken_meanwhile(client, configure, idp):
    idp.set_user("eh-ria", kvk="22225555", acr="eH3", email="ria@example.org", email_verified=True)
    assert sso_login(client, "eherkenning", "eh-ria").headers["Location"] == "/login/eherkenning/complete"
    token = get_csrf(client, "/login/eherkenning/complete")
    make_org("Eerder BV", kvk="22225555")  # registered by someone else while Ria fills in the form
    done = client.post("/login/eherkenning/complete", data={
        "csrf_token": token, "kind": "provider", "org_name": "Ria BV", "name": "Ria", "email": "ria@example.org"})
    assert done.status_code == 409
    assert "was registered on this platform" in done.get_data(as_text=True)
    assert user_by_email("ria@example.org") is None
    assert [e.detail for e in events("sso_refused")] == [
        {"provider": "eherkenning", "reason": "kvk_taken", "kvk": "22225555"}]
    assert client.get("/login/eherkenning/complete").headers["Location"] == "/login"  # the pending login is gone


def test_eherkenning_registration_survives_the_kvk_race_at_the_database(app, client, configure, idp, monkeypatch):
    """The number is taken between the check and the insert: the unique index answers, the person
    gets the same page, not an error."""
    idp.set_user("eh-sep", kvk="22226666", acr="eH3", email="sep@example.org", email_verified=True)
    assert sso_login(client, "eherkenning", "eh-sep").headers["Location"] == "/login/eherkenning/complete"
    token = get_csrf(client, "/login/eherkenning/complete")
    make_org("Eerder BV", kvk="22226666")
    monkeypatch.setattr("consult.orgs.services.kvk_taken", lambda *args, **kwargs: False)
    done = client.post("/login/eherkenning/complete", data={
        "csrf_token": token, "kind": "provider", "org_name": "Sep BV", "name": "Sep", "email": "sep@example.org"})
    assert done.status_code == 409
    assert [(e.detail["reason"], e.detail["error"]) for e in events("sso_refused")] == [("kvk_taken", "IntegrityError")]
    assert user_by_email("sep@example.org") is None
    assert db.session.scalars(select(Organisation.name)).all() == ["Eerder BV"]


@pytest.mark.parametrize("kind", [OrgKind.PROVIDER, OrgKind.MUNICIPALITY])
def test_eherkenning_does_not_join_an_organisation_with_an_unverified_kvk_number(client, configure, idp, kind):
    """Anyone can register an organisation with any KvK number by the ordinary form: eHerkenning logins
    for that number do not join it, and do not verify it. Nor an organisation of another kind."""
    squatter = make_org("Kraak BV", kind=kind, kvk="12345678")
    if kind == OrgKind.MUNICIPALITY:
        squatter.kvk_verified_at = utcnow()
        db.session.commit()
    idp.set_user("eh-echt", kvk="12345678", acr="eH3", email="echt@zorgbv.example", email_verified=True)
    answer = sso_login(client, "eherkenning", "eh-echt")
    assert answer.status_code == 403
    assert "has not been verified" in answer.get_data(as_text=True)
    assert [e.detail for e in events("sso_refused")] == [{
        "provider": "eherkenning", "reason": "kvk_unverified", "kvk": "12345678",
        "organisation_id": str(squatter.id), "kind": kind.value}]
    assert (db.session.get(Organisation, squatter.id).kvk_verified_at is None) == (kind == OrgKind.PROVIDER)
    assert user_by_email("echt@zorgbv.example") is None
    assert events("organisation_kvk_verified") == []
    assert not logged_in(client)


def test_a_returning_eherkenning_login_must_name_the_persons_organisation(app, configure, idp):
    verified_org("Zorg BV", kvk="12345678")
    verified_org("Ander BV", kvk="87654321")
    idp.set_user("eh-jan", kvk="12345678", acr="eH3", email="jan@zorgbv.example", email_verified=True)
    assert sso_login(app.test_client(), "eherkenning", "eh-jan").headers["Location"] == "/"
    idp.set_user("eh-jan", kvk="87654321", acr="eH3", email="jan@zorgbv.example", email_verified=True)
    browser = app.test_client()
    answer = sso_login(browser, "eherkenning", "eh-jan")
    assert answer.status_code == 403
    assert "KvK number 87654321" in answer.get_data(as_text=True)
    jan = user_by_email("jan@zorgbv.example")
    assert [e.detail for e in events("sso_refused")] == [
        {"provider": "eherkenning", "reason": "kvk_mismatch", "kvk": "87654321", "user_id": str(jan.id)}]
    assert not logged_in(browser)
    assert len(jan.memberships) == 1


def test_eherkenning_links_an_existing_member_only_with_a_verified_address(app, configure, idp):
    org = verified_org()
    kees = make_user("kees@zorgbv.example", org=org)
    idp.set_user("eh-kees", kvk="12345678", acr="eH3", email="kees@zorgbv.example")
    answer = sso_login(app.test_client(), "eherkenning", "eh-kees")
    assert answer.status_code == 403
    assert [e.detail["why"] for e in events("sso_refused")] == ["email_not_verified"]
    assert db.session.scalar(select(ExternalIdentity)) is None
    idp.set_user("eh-kees", kvk="12345678", acr="eH3", email="kees@zorgbv.example", email_verified=True)
    browser = app.test_client()
    assert sso_login(browser, "eherkenning", "eh-kees").headers["Location"] == "/"
    assert db.session.scalar(select(ExternalIdentity.user_id)) == kees.id


def test_eherkenning_never_links_a_staff_account_by_address(client, configure, idp):
    org = verified_org()
    boss = make_user("boss@zorgbv.example", org=org, admin=True)
    idp.set_user("eh-boss", kvk="12345678", acr="eH3", email="boss@zorgbv.example", email_verified=True)
    assert sso_login(client, "eherkenning", "eh-boss").status_code == 403
    assert [e.detail["why"] for e in events("sso_refused")] == ["staff_account"]
    assert db.session.scalar(select(ExternalIdentity)) is None
    assert boss.id


def test_a_logged_in_member_links_eherkenning_for_their_own_organisation(client, configure, idp):
    org = verified_org()
    kees = make_user("kees@zorgbv.example", org=org)
    sign_in(client, kees)
    idp.set_user("eh-kees", kvk="12345678", acr="eH3", email="k@elders.example")
    assert sso_login(client, "eherkenning", "eh-kees").headers["Location"] == "/account"
    assert db.session.scalar(select(ExternalIdentity.user_id)) == kees.id
    # Not for an organisation they do not belong to.
    verified_org("Ander BV", kvk="87654321")
    idp.set_user("eh-kees-2", kvk="87654321", acr="eH3")
    assert sso_login(client, "eherkenning", "eh-kees-2").status_code == 403
    assert [e.detail["reason"] for e in events("sso_refused")] == ["kvk_mismatch"]


def invitation_link() -> str:
    """The link in the latest invitation in the outbox (queued outside a request: not delivered)."""
    from consult.core.outbox import OutboundMail

    text = db.session.scalar(select(OutboundMail.text_body).order_by(OutboundMail.id.desc()).limit(1))
    match = re.search(r"http://localhost(/invitation/[\w-]+)", text)
    assert match
    return match.group(1)


def test_an_invitation_into_the_municipality_gives_no_password_when_staff_use_the_provider(app, configure,
                                                                                          monkeypatch):
    from consult.orgs.services import invite

    monkeypatch.setitem(app.config, "STAFF_PASSWORD_LOGIN", False)
    municipality = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    admin = make_user("admin@gemeente.example", admin=True)
    with app.test_request_context():
        invite(municipality, "nieuw@gemeente.example", MemberRole.MEMBER, by=admin, locale="en")
        db.session.commit()
    link = invitation_link()
    invitee = app.test_client()
    answer = post_form(invitee, link, {"name": "Nieuw", "password": PASSWORD, "password_repeat": PASSWORD},
                       csrf_from=link)
    assert answer.headers["Location"] == "/login"
    user = user_by_email("nieuw@gemeente.example")
    assert user.password_hash is None
    assert [m.organisation_id for m in user.memberships] == [municipality.id]
    assert not logged_in(invitee)
    assert login(app.test_client(), "nieuw@gemeente.example").status_code == 200  # no password to log in with
    # With password login for staff on, the invitation sets the password and logs in as before.
    monkeypatch.setitem(app.config, "STAFF_PASSWORD_LOGIN", True)
    with app.test_request_context():
        invite(municipality, "ander@gemeente.example", MemberRole.MEMBER, by=admin, locale="en")
        db.session.commit()
    link = invitation_link()
    answer = post_form(app.test_client(), link, {"name": "Ander", "password": PASSWORD,
                                                 "password_repeat": PASSWORD}, csrf_from=link)
    assert answer.headers["Location"] == f"/organisation/{municipality.id}"
    assert user_by_email("ander@gemeente.example").password_hash is not None


def test_eherkenning_below_the_minimum_level_is_refused(client, configure, idp):
    make_org("Zorg BV", kvk="12345678")
    idp.set_user("eh-nina", kvk="12345678", acr="eH2", email="nina@zorgbv.example")
    answer = sso_login(client, "eherkenning", "eh-nina")
    assert answer.status_code == 403
    assert "level eH2" in answer.get_data(as_text=True) and "at least eH3" in answer.get_data(as_text=True)
    assert [e.detail for e in events("sso_refused")] == \
        [{"provider": "eherkenning", "reason": "assurance", "level": "eH2", "minimum": "eH3"}]
    assert user_by_email("nina@zorgbv.example") is None


# --- refused tokens -------------------------------------------------------------------------------

def refused(answer, reason: str, error: str, description: str) -> None:
    assert answer.status_code == 400
    assert "Logging in did not work" in answer.get_data(as_text=True)
    assert [(e.detail["reason"], e.detail["error"], e.detail["description"]) for e in events("sso_refused")] == \
        [(reason, error, description)]
    assert db.session.scalar(select(User)) is None


def test_a_token_for_another_client_is_refused(client, configure, idp):
    idp.set_user("olga-1", email="olga@gemeente.example", groups=["consult-beheer"])
    idp.spoil = "audience"
    answer = sso_login(client, "staff", "olga-1", as_client="someone-else")
    # Authlib asks the authorised party (azp) of a token whose audience is not this client.
    refused(answer, "token", "MissingClaimError", "missing_claim: Missing claim: 'azp'")
    assert not logged_in(client)


def test_an_expired_token_is_refused(client, configure, expired_idp):
    configure(expired_idp)
    expired_idp.set_user("piet-1", email="piet@gemeente.example", groups=["consult-beheer"])
    answer = client.get(authorise(to_provider(client, "staff"), "piet-1"))
    refused(answer, "token", "ExpiredTokenError", "expired_token: The token is expired")


def test_a_token_altered_after_signing_is_refused(client, configure, idp):
    idp.set_user("quinn-1", email="quinn@gemeente.example", groups=["consult-beheer"])
    idp.spoil = "signature"
    refused(sso_login(client, "staff", "quinn-1"), "token", "BadSignatureError", "bad_signature: ")


def test_a_token_with_the_nonce_of_another_login_is_refused(client, configure, idp):
    idp.set_user("rosa-1", email="rosa@gemeente.example", groups=["consult-beheer"])
    first = authorise(to_provider(client, "staff"), "rosa-1")  # its token carries the first nonce
    second = authorise(to_provider(client, "staff"), "rosa-1")
    code_of_first = parse_qs(urlsplit(first).query)["code"][0]
    state_of_second = parse_qs(urlsplit(second).query)["state"][0]
    answer = client.get(f"{APP}/login/sso/staff/callback?{urlencode({'code': code_of_first, 'state': state_of_second})}")
    refused(answer, "token", "InvalidClaimError", "invalid_claim: Invalid claim: 'nonce'")


def test_a_replayed_callback_is_refused(app, client, configure, idp):
    idp.set_user("sam-1", email="sam@gemeente.example", groups=["consult-beheer"], amr=["mfa"])
    callback = authorise(to_provider(client, "staff"), "sam-1")
    assert client.get(callback).headers["Location"] == "/"
    # The person now logged in reads in their account's language (Dutch); a stranger in the site's (here English).
    for replayer, said in ((client, "Deze login is al gebruikt"), (app.test_client(), "This login was already used")):
        again = replayer.get(callback)
        assert again.status_code == 400
        assert said in again.get_data(as_text=True)
    assert [(e.detail["reason"], e.detail["error"]) for e in events("sso_refused")] == \
        [("state", "MismatchingStateError")] * 2


def test_a_login_denied_at_the_provider_is_refused(client, configure, idp):
    authorize_url = to_provider(client, "staff")
    httpx.get(authorize_url)
    denied = httpx.post(authorize_url, data={"action": "deny"})
    answer = client.get(denied.headers["location"])
    assert answer.status_code == 403
    assert [e.detail["reason"] for e in events("sso_refused")] == ["denied"]


# --- logout -------------------------------------------------------------------------------------

def test_logout_ends_the_session_and_sends_to_the_providers_logout_with_the_id_token(client, configure, idp):
    idp.set_user("tara-1", email="tara@gemeente.example", groups=["consult-beheer"], amr=["mfa"])
    assert sso_login(client, "staff", "tara-1").status_code == 302
    with client.session_transaction() as sess:
        id_token = sess[SESSION_KEY]["id_token"]
        assert set(sess[SESSION_KEY]) == {"provider", "iss", "sub", "sid", "mfa", "assurance", "id_token"}
    # The logout button may send the browser on to the provider (the form's redirect is allowed).
    assert f"form-action 'self' {idp.url};" in client.get("/account").headers["Content-Security-Policy"]
    answer = client.post("/logout", data={"csrf_token": get_csrf(client)})
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{idp.url}/oauth2/end_session"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert (params["id_token_hint"], params["post_logout_redirect_uri"], params["client_id"]) == \
        (id_token, f"{APP}/", STAFF_CLIENT)
    assert not logged_in(client)
    # At the provider: its end-session page, and back to the platform.
    assert "End Session" in httpx.get(answer.headers["Location"]).text
    back = httpx.post(f"{idp.url}/oauth2/end_session/confirm",
                      data={"redirect_uri": params["post_logout_redirect_uri"]})
    assert back.headers["location"] == f"{APP}/"
    # Nothing of the logout lingers in the session (Authlib would keep its state there).
    with client.session_transaction() as sess:
        assert [key for key in sess if key.startswith("_state_")] == []


def test_a_long_id_token_stays_out_of_the_session_and_logout_names_the_client(app, client, configure, idp):
    """Many groups make the id token long: kept in the cookie session it would pass 4 KB and the
    browser would drop the cookie. The session keeps what logout needs; logout names the client."""
    groups = ["consult-beheer", *(f"afdeling-{n:04d}-met-een-lange-naam" for n in range(150))]
    idp.set_user("lang-1", email="lang@gemeente.example", groups=groups, amr=["mfa"], sid="idp-session-9")
    assert sso_login(client, "staff", "lang-1").headers["Location"] == "/"
    assert logged_in(client)
    with client.session_transaction() as sess:
        assert sess[SESSION_KEY] == {"provider": "staff", "iss": idp.url, "sub": "lang-1", "sid": "idp-session-9",
                                     "mfa": True, "assurance": None}
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert len(cookie.value) < 1500
    answer = client.post("/logout", data={"csrf_token": get_csrf(client)})
    params = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    assert "id_token_hint" not in params
    assert (params["client_id"], params["post_logout_redirect_uri"]) == (STAFF_CLIENT, f"{APP}/")


def test_logout_after_a_password_login_stays_on_the_platform(client, configure):
    make_user("uma@example.org")
    login(client, "uma@example.org", PASSWORD)
    assert "form-action 'self';" in client.get("/account").headers["Content-Security-Policy"]
    assert client.post("/logout", data={"csrf_token": get_csrf(client)}).headers["Location"] == "/"


def logout_token(key: RSAKey, **claims) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "logout+jwt"}, claims, key)


def backchannel(client, token: str):
    return client.post("/sso/staff/backchannel-logout", data={"logout_token": token})


def test_backchannel_logout_ends_the_persons_sessions(app, configure, idp):
    idp.set_user("vera-1", email="vera@gemeente.example", groups=["consult-beheer"], amr=["mfa"])
    browser = app.test_client()
    assert sso_login(browser, "staff", "vera-1").status_code == 302
    assert logged_in(browser)
    token = logout_token(idp.signing_key(), iss=idp.url, aud=STAFF_CLIENT, iat=int(time.time()),
                         jti=str(uuid.uuid4()), sub="vera-1", events={BACKCHANNEL_EVENT: {}})
    answer = backchannel(app.test_client(), token)  # no CSRF token: the provider posts
    assert (answer.status_code, answer.headers["Cache-Control"]) == (200, "no-store")
    assert not logged_in(browser)
    user = user_by_email("vera@gemeente.example")
    assert [(e.result, e.object_id, e.detail["provider"]) for e in events("sso_backchannel_logout")] == \
        [("success", str(user.id), "staff")]


def test_backchannel_logout_by_the_providers_session_alone(app, configure, idp):
    idp.set_user("yara-1", email="yara@gemeente.example", groups=["consult-beheer"], amr=["mfa"], sid="idp-session-7")
    browser = app.test_client()
    assert sso_login(browser, "staff", "yara-1").status_code == 302
    assert db.session.scalar(select(ExternalIdentity.last_sid)) == "idp-session-7"
    token = logout_token(idp.signing_key(), iss=idp.url, aud=STAFF_CLIENT, iat=int(time.time()),
                         jti=str(uuid.uuid4()), sid="idp-session-7", events={BACKCHANNEL_EVENT: {}})
    assert backchannel(app.test_client(), token).status_code == 200
    assert not logged_in(browser)


@pytest.mark.parametrize(("change", "reason"), [
    ({"aud": "someone-else"}, "InvalidClaimError"),
    ({"iss": "https://elsewhere.example"}, "InvalidClaimError"),
    ({"nonce": "n-1"}, "nonce"),
    ({"events": {"http://schemas.openid.net/event/other": {}}}, "events"),
    ({"sub": None}, "subject"),
    ({"iat": int(time.time()) - 3600}, "old"),
    ({"key": "foreign"}, "BadSignatureError"),
])
def test_backchannel_logout_refuses_a_wrong_token(app, configure, idp, change, reason):
    idp.set_user("wim-1", email="wim@gemeente.example", groups=["consult-beheer"], amr=["mfa"])
    browser = app.test_client()
    assert sso_login(browser, "staff", "wim-1").status_code == 302
    claims = {"iss": idp.url, "aud": STAFF_CLIENT, "iat": int(time.time()), "jti": str(uuid.uuid4()),
              "sub": "wim-1", "events": {BACKCHANNEL_EVENT: {}}, **change}
    key = idp.signing_key()
    if claims.pop("key", None) == "foreign":
        key = RSAKey.generate_key(2048, parameters={"kid": key.kid})
    answer = backchannel(app.test_client(), logout_token(key, **{k: v for k, v in claims.items() if v is not None}))
    assert answer.status_code == 400
    assert logged_in(browser)
    assert [(e.result, e.detail["reason"]) for e in events("sso_backchannel_logout")] == [("failure", reason)]


def test_an_unreachable_provider_gives_a_page_not_an_error(app, client, configure, idp, monkeypatch):
    with make_server("localhost", 0, lambda environ, start_response: []) as closed:
        port = closed.server_port  # a port nothing listens on once the server is closed
    monkeypatch.setitem(app.config, "SSO_STAFF_DISCOVERY_URL", f"http://localhost:{port}/.well-known/openid-configuration")
    answer = client.get("/login/sso/staff")
    assert answer.status_code == 503
    assert "cannot be reached" in answer.get_data(as_text=True)
    assert [(e.detail["reason"], e.detail["error"]) for e in events("sso_refused")] == [("unavailable", "ConnectionError")]
    assert backchannel(client, "a.b.c").status_code == 503


def test_eherkenning_without_a_kvk_number_is_refused(client, configure, idp):
    idp.set_user("eh-zoe", acr="eH3", email="zoe@example.org")
    answer = sso_login(client, "eherkenning", "eh-zoe")
    assert answer.status_code == 403
    assert [e.detail["reason"] for e in events("sso_refused")] == ["no_kvk"]


# --- not configured, limits ---------------------------------------------------------------------------

def test_without_configuration_there_are_no_buttons_and_no_routes(client, english):
    page = client.get("/login").get_data(as_text=True)
    assert "Log in with your municipal account" not in page and "Log in with eHerkenning" not in page
    assert [client.get(url).status_code for url in (
        "/login/sso/staff", "/login/sso/eherkenning", "/login/sso/staff/callback?code=x&state=y",
        "/login/eherkenning/complete")] == [404, 404, 404, 404]
    assert client.post("/sso/staff/backchannel-logout", data={"logout_token": "x"}).status_code == 404


def test_the_login_page_shows_a_button_per_configured_provider(app, client, configure, monkeypatch):
    page = client.get("/login?next=/consultations").get_data(as_text=True)
    assert 'href="/login/sso/staff?next=/consultations"' in page
    assert 'href="/login/sso/eherkenning?next=/consultations"' in page
    monkeypatch.setitem(app.config, "SSO_EHERKENNING_CLIENT_ID", None)
    page = client.get("/login").get_data(as_text=True)
    assert ("Log in with your municipal account" in page, "Log in with eHerkenning" in page) == (True, False)
    assert client.get("/login/sso/eherkenning").status_code == 404


def test_the_login_returns_to_the_page_asked_for(client, configure, idp):
    idp.set_user("xan-1", email="xan@gemeente.example", groups=["consult-beheer"], amr=["mfa"])
    callback = authorise(to_provider(client, "staff", next_url="/account"), "xan-1")
    assert client.get(callback).headers["Location"] == "/account"


def test_sso_routes_that_check_a_token_count_towards_their_limits(app, configure, idp, monkeypatch):
    """What tests/test_access.py proves for every route, for the routes that only exist when a
    provider is configured (the walk there runs without one)."""
    from tests.test_access import _watch_secrets

    seen: dict = {}
    stop = _watch_secrets(app, seen)
    try:
        client = app.test_client()
        client.get("/login/sso/staff/callback?code=x&state=y")
        backchannel(client, "not-a-token")
    finally:
        stop()
    assert {endpoint: (kinds, counted) for endpoint, (kinds, counted) in seen.items() if kinds or counted} == {
        "sso.callback": ({"token"}, {"sso_callback"}),
        "sso.backchannel_logout": ({"token"}, {"sso_backchannel"}),
    }
    monkeypatch.setitem(app.config, "RATELIMIT_SSO_CALLBACK", "2 per hour")
    client = app.test_client()
    assert [client.get("/login/sso/staff/callback?code=x&state=y").status_code for _ in range(3)] == [400, 400, 429]


def test_the_administrator_confirms_a_kvk_number_and_eherkenning_then_joins(app, configure, idp):
    org = make_org("Zorg BV", kvk="12345678")
    idp.set_user("eh-jan", kvk="12345678", acr="eH3", email="jan@zorgbv.example", email_verified=True)
    assert sso_login(app.test_client(), "eherkenning", "eh-jan").status_code == 403
    admin = app.test_client()
    sign_in(admin, make_user("admin@gemeente.example", admin=True))
    page = admin.get(f"/admin/organisations/{org.id}").get_data(as_text=True)
    assert f'action="/admin/organisations/{org.id}/confirm-kvk"' in page
    assert post_form(admin, f"/admin/organisations/{org.id}/confirm-kvk",
                     csrf_from=f"/admin/organisations/{org.id}").status_code == 302
    assert db.session.get(Organisation, org.id).kvk_verified_at is not None
    assert [e.detail for e in events("organisation_kvk_verified")] == \
        [{"kvk_number": "12345678", "by_administrator": True}]
    assert f'action="/admin/organisations/{org.id}/confirm-kvk"' not in \
        admin.get(f"/admin/organisations/{org.id}").get_data(as_text=True)
    browser = app.test_client()
    assert sso_login(browser, "eherkenning", "eh-jan").headers["Location"] == "/"
    assert [m.organisation_id for m in user_by_email("jan@zorgbv.example").memberships] == [org.id]
    # Someone who is not an administrator cannot confirm.
    other = app.test_client()
    sign_in(other, make_user("zorg@example.org"))
    assert other.post(f"/admin/organisations/{org.id}/confirm-kvk", data={"csrf_token": get_csrf(other)}).status_code == 403


def test_the_account_page_offers_to_link_a_login(client, configure):
    sign_in(client, make_user("dirk@gemeente.example"))
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/login/sso/staff"' in page and 'href="/login/sso/eherkenning"' in page
