"""Open data: a read-only, versioned JSON API of everything public, its OpenAPI description, a DCAT-AP
catalogue for data portals and the Woo sitemaps for the national Woo-index.

Everything here is read as an anonymous visitor would read it (``public.VIEWER``): the same
permission predicates and the same disclosure gate as the public pages, never a rule of its own.
"""
from flask import Blueprint

bp = Blueprint("api", __name__)
