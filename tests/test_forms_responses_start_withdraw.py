"""Starting a response and confirming its withdrawal are read through their form classes
(StartForm, WithdrawForm): an organisation number that is not one reads as none (the person's
only organisation, or 403), and only the confirmation "1" withdraws; anything else asks again."""
from __future__ import annotations

from sqlalchemy import func, select

from consult.extensions import db
from consult.orgs.models import MemberRole, Membership
from consult.responses.models import Response, ResponseStatus
from tests.conftest import post_form, text_of
from tests.test_responses import fill_and_submit, start, world  # noqa: F401  (the fixture)

RESPOND = "/consultations/wmo/respond"


def test_starting_with_an_organisation_number_that_is_not_one_takes_the_only_organisation(world):  # noqa: F811
    client = world["clients"]["b"]
    started = post_form(client, RESPOND, {"organisation_id": "abc"}, csrf_from="/consultations/wmo")
    response = db.session.scalar(select(Response))
    assert started.status_code == 302 and started.headers["Location"] == f"/responses/{response.id}"
    assert response.organisation_id == world["orgs"]["b"].id


def test_starting_for_someone_with_two_organisations_needs_one_of_theirs(world):  # noqa: F811
    db.session.add(Membership(user=world["users"]["b"], organisation=world["orgs"]["a"], role=MemberRole.MEMBER))
    db.session.commit()
    client = world["clients"]["b"]
    for wrong in ("abc", "", str(world["orgs"]["council"].id)):
        assert post_form(client, RESPOND, {"organisation_id": wrong}, csrf_from="/consultations/wmo").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert start(client, world, "a").organisation_id == world["orgs"]["a"].id


def test_withdrawing_needs_the_confirmation_itself(world):  # noqa: F811
    client = world["clients"]["a"]
    resp = start(client, world)
    fill_and_submit(client, resp, world)
    url = f"/responses/{resp.id}/withdraw"
    page = client.get(url).get_data(as_text=True)
    assert '<input id="confirm" name="confirm" type="hidden" value="1">' in page
    for wrong in ("0", "yes", ""):
        again = post_form(client, url, {"confirm": wrong}, csrf_from=url)
        assert again.status_code == 200 and "Ja, onze reactie intrekken" in text_of(again)
        db.session.expire_all()
        assert db.session.get(Response, resp.id).status == ResponseStatus.SUBMITTED
    done = post_form(client, url, {"confirm": "1"}, csrf_from=url)
    assert done.status_code == 302 and done.headers["Location"] == f"/responses/{resp.id}"
    db.session.expire_all()
    assert db.session.get(Response, resp.id).status == ResponseStatus.WITHDRAWN
