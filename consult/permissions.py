"""The registry of named permission predicates, shared by views and templates.

Each feature defines its predicates in its own ``permissions.py``; this module only
collects them so templates can call the same functions the views use.
"""
from consult.admin.permissions import can_administer
from consult.orgs.permissions import can_manage_organisation, can_view_organisation

PREDICATES = {
    "can_administer": can_administer,
    "can_manage_organisation": can_manage_organisation,
    "can_view_organisation": can_view_organisation,
}
