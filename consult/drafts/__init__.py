"""Drafts open for comment: the team opens a draft (a document written in the platform, such as a
programme of requirements, or the strategy draft) for a set period; providers and councils comment
per numbered paragraph, and the team answers each comment with a disposition and a reply."""
from flask import Blueprint

bp = Blueprint("drafts", __name__)
