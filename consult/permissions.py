"""The registry of named permission predicates, shared by views and templates.

Each feature defines its predicates in its own ``permissions.py``; this module only
collects them so templates can call the same functions the views use.
"""
from consult.admin.permissions import can_administer
from consult.advice.permissions import (
    can_comment_as_council,
    can_draft_advice,
    can_read_council_comments,
    can_reply_advice,
    can_request_advice,
    can_see_advice,
    can_see_advice_page,
    can_submit_advice,
)
from consult.analysis.permissions import can_analyse
from consult.audit.permissions import can_read_audit
from consult.consultations.permissions import (
    can_create_consultation,
    can_edit_consultation,
    can_manage_team,
    can_set_access,
    can_view_consultation,
    is_team,
    team_role,
)
from consult.dialogue.permissions import (
    can_delete_post,
    can_edit_post,
    can_moderate,
    can_read_threads,
    can_reply,
    can_report_post,
    can_see_post,
    can_start_thread,
)
from consult.orgs.permissions import can_manage_organisation, can_view_organisation
from consult.qa.permissions import can_read_qa
from consult.reports.permissions import can_read_report, can_write_report
from consult.responses.permissions import (
    can_edit_response,
    can_respond,
    can_view_submission,
    responding_organisations,
)

PREDICATES = {
    "can_read_audit": can_read_audit,
    "can_read_report": can_read_report,
    "can_write_report": can_write_report,
    "can_analyse": can_analyse,
    "can_comment_as_council": can_comment_as_council,
    "can_draft_advice": can_draft_advice,
    "can_read_council_comments": can_read_council_comments,
    "can_reply_advice": can_reply_advice,
    "can_request_advice": can_request_advice,
    "can_see_advice": can_see_advice,
    "can_see_advice_page": can_see_advice_page,
    "can_submit_advice": can_submit_advice,
    "can_delete_post": can_delete_post,
    "can_edit_post": can_edit_post,
    "can_moderate": can_moderate,
    "can_read_threads": can_read_threads,
    "can_reply": can_reply,
    "can_report_post": can_report_post,
    "can_see_post": can_see_post,
    "can_start_thread": can_start_thread,
    "can_edit_response": can_edit_response,
    "can_respond": can_respond,
    "can_view_submission": can_view_submission,
    "responding_organisations": responding_organisations,
    "can_create_consultation": can_create_consultation,
    "can_edit_consultation": can_edit_consultation,
    "can_manage_team": can_manage_team,
    "can_set_access": can_set_access,
    "can_read_qa": can_read_qa,
    "can_view_consultation": can_view_consultation,
    "is_team": is_team,
    "team_role": team_role,
    "can_administer": can_administer,
    "can_manage_organisation": can_manage_organisation,
    "can_view_organisation": can_view_organisation,
}
