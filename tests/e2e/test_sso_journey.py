"""Single sign-on in the browser, against a real OpenID Connect provider (oidc-provider-mock) on a local
port: a team member of the municipality logs in with the municipal account and logs out at the
provider too; a care provider logs in with eHerkenning for its organisation, another registers its
organisation with the KvK number from the login; a login below the eHerkenning level is refused on a
page that says why. The links are found by where they go, so the journeys hold in every language."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth.models import ExternalIdentity, User
from consult.consultations.models import Status, TeamMember, TeamRole
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, Organisation, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import check_accessibility
from tests.test_consultations import make_consultation
from tests.test_sso import IdentityProvider, sso_config

pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config.*is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def idp():
    provider = IdentityProvider()
    yield provider
    provider.stop()


@pytest.fixture
def sso(live, idp, monkeypatch, page):
    for key, value in sso_config(idp, TWO_FACTOR_REQUIRED=True).items():
        monkeypatch.setitem(live.app.config, key, value)
    # The provider's pages load a stylesheet from a CDN; the test machine has no internet.
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(body="", content_type="text/css"))
    return idp


def at_provider(page, sub: str) -> None:
    """The provider's login page: type the subject and authorise."""
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_a_team_member_logs_in_with_the_municipal_account_and_out_at_the_provider(page, live, sso):
    consultation = make_consultation(Status.OPEN)
    municipality = consultation.municipalities[0]
    member = make_user("team@gemeente.example", name="Teun Team", org=municipality)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=member.id, role=TeamRole.EDITOR))
    db.session.commit()
    # The provider vouches for the address: the existing account of the municipality's member is linked.
    sso.set_user("teun-1", email="team@gemeente.example", email_verified=True, name="Teun Team",
                 groups=["consult-medewerkers"], amr=["pwd", "mfa"])
    page.goto("/login")
    check_accessibility(page, "login page with single sign-on")
    page.locator("a[href^='/login/sso/staff']").click()
    at_provider(page, "teun-1")
    # Back on the platform, logged in: the provider asserted two factors, so no code and no set-up.
    expect(page.get_by_role("link", name="Mijn account")).to_be_visible()
    page.goto("/account")
    expect(page.get_by_text("team@gemeente.example")).to_be_visible()
    identity = db.session.scalar(select(ExternalIdentity))
    assert (identity.user_id, identity.subject, identity.provider) == (member.id, "teun-1", "staff")
    # Logging out ends the platform's session, then the provider's.
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()
    assert page.url.startswith(f"{sso.url}/oauth2/end_session?")
    page.get_by_role("button", name="End session").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert page.url.startswith(f"{live.url}/?state=")  # the provider returns the logout's state
    page.goto("/account")
    assert page.url.startswith(f"{live.url}/login")


def test_a_provider_logs_in_with_eherkenning_for_its_organisation(page, live, sso):
    org = make_org("Zorg BV", kvk="12345678")
    org.kvk_verified_at = utcnow()  # only an organisation with a verified KvK number is joined
    db.session.commit()
    sso.set_user("eh-jan", kvk="12345678", acr="urn:etoegang:core:assurance-class:loa3",
                 email="jan@zorgbv.example", email_verified=True, name="Jan Zorg")
    page.goto("/login")
    page.locator("a[href^='/login/sso/eherkenning']").click()
    at_provider(page, "eh-jan")
    expect(page.get_by_role("link", name="Mijn account")).to_be_visible()
    page.goto("/organisation")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zorg BV")
    user = db.session.scalar(select(User).where(User.email == "jan@zorgbv.example"))
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(org.id, MemberRole.MEMBER)]


def test_a_provider_registers_its_organisation_with_the_kvk_number_from_eherkenning(page, live, sso):
    sso.set_user("eh-mo", kvk="22223333", acr="eH3", email="mo@dagbesteding.example", email_verified=True,
                 name="Mo Dag")
    page.goto("/login")
    page.locator("a[href^='/login/sso/eherkenning']").click()
    at_provider(page, "eh-mo")
    expect(page.locator("#org_name")).to_be_visible()
    expect(page.locator(".details-list")).to_contain_text("22223333")
    check_accessibility(page, "eHerkenning registration")
    expect(page.locator("#email")).to_have_value("mo@dagbesteding.example")
    expect(page.locator("input[name=kind][value=provider]")).to_be_checked()
    page.locator("input[name=kind][value=council]").check()
    page.locator("#org_name").fill("Dagbesteding Mo")
    page.locator("form[action='/login/eherkenning/complete'] button[type=submit]").click()
    expect(page.get_by_role("link", name="Mijn account")).to_be_visible()
    org = db.session.scalar(select(Organisation).where(Organisation.kvk_number == "22223333"))
    assert (org.name, org.kind, org.kvk_verified_at is not None) == ("Dagbesteding Mo", OrgKind.COUNCIL, True)


def test_a_login_below_the_eherkenning_level_is_refused_on_a_clear_page(page, live, sso, page_errors):
    page_errors.allowed_statuses.add(403)
    make_org("Zorg BV", kvk="12345678")
    sso.set_user("eh-low", kvk="12345678", acr="eH2", email="laag@zorgbv.example")
    page.goto("/login")
    page.locator("a[href^='/login/sso/eherkenning']").click()
    at_provider(page, "eh-low")
    expect(page.locator("main")).to_contain_text("eH2")
    expect(page.locator("main")).to_contain_text("eH3")
    expect(page.locator("main a[href='/login']")).to_be_visible()
    check_accessibility(page, "refused login")
    assert db.session.scalar(select(User).where(User.email == "laag@zorgbv.example")) is None
