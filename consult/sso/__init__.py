"""Single sign-on over OpenID Connect: staff through the municipality's identity provider, people of
providers and councils through an eHerkenning broker (``services``: providers, tokens, accounts;
``views``: the login, its answer, completing an eHerkenning registration, back-channel logout).

It builds on ``auth`` (accounts, sessions, the two-step login) and ``orgs`` (organisations and
memberships); ``auth`` knows nothing of it: it offers hooks (``auth.session``) that this package
fills when its views are imported.
"""
from flask import Blueprint

bp = Blueprint("sso", __name__)
