"""Every route of HQ's app, with what it is and so how tests/hq/people/test_access.py checks
it (:data:`ROUTES`), and the routes the app has (:func:`app_routes`): a new route that
nobody has classified (and so nobody has checked) fails that test."""

from __future__ import annotations

# Each route: what it is, and so what is checked of it.
#   public: anyone; device: a device's token; store: /…/{store_id}… of one store;
#   device-of-store: of one device; list: shows stores (only the reader's);
#   admin: only an admin; own: the reader's own session (logout, language);
#   page: a logged-in page that shows no store's data; import: changes the stores the
#   reader acts on, named in its body (tests/hq/insight/business/test_business_import.py);
#   write-off: only an admin, checked in tests/hq/ingest/test_writeoff.py;
#   enrol: an admin, or a manager for their own stores' enrol codes (tests/hq/dashboard/
#   enrol/test_pages.py, tests/hq/api/test_enrol.py).
#   region: /…/{region_id}… of one region; regions: lists regions (only the reader's);
#   raw: single ratings, for analysts, admins and tokens (their stores only), no manager.
#   admin-token: only an admin's API token (not a session, not a read token).
#   poster: a web link's QR poster, for whoever sees its store (a 404 to anyone else).
ROUTES = {
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/help"): "public",
    ("POST", "/logout"): "own",
    ("POST", "/language"): "own",
    ("POST", "/api/v1/ratings"): "device",
    ("POST", "/api/v1/heartbeat"): "device",
    ("GET", "/api/v1/config"): "device",
    ("POST", "/api/v1/enrol"): "device",
    ("GET", "/api/v1/release"): "device",
    ("GET", "/api/v1/release-metadata"): "device",
    ("GET", "/api/v1/releases/{version}/manifest"): "device",
    ("GET", "/api/v1/releases/{version}/signature"): "device",
    ("GET", "/api/v1/releases/{version}/files/{name}"): "device",
    ("GET", "/"): "list",
    ("GET", "/fleet"): "list",
    ("GET", "/api/v1/export.csv"): "raw",
    ("GET", "/api/v1/export.xlsx"): "raw",
    ("GET", "/stores/{store_id}"): "store",
    ("GET", "/stores/{store_id}/what-if"): "store",
    ("GET", "/api/v1/stores/{store_id}/daily"): "store",
    ("GET", "/api/v1/stores/{store_id}/what-if"): "store",
    ("GET", "/api/v1/stores/{store_id}/actions"): "store",
    ("POST", "/stores/{store_id}/actions"): "store-act",
    ("POST", "/stores/{store_id}/message"): "store-act",
    ("GET", "/api/v1/devices/{device_id}/gaps"): "device-of-store",
    ("GET", "/alerts"): "list",
    ("GET", "/alerts/{alert_id}"): "alert",
    ("POST", "/alerts/{alert_id}/acknowledge"): "alert",
    ("POST", "/alerts/{alert_id}/comment"): "alert",
    ("POST", "/alerts/{alert_id}/close"): "alert",
    ("POST", "/alerts/{alert_id}/track"): "alert",
    # setup: an admin or a manager within their part (tests/hq/dashboard/test_alert_setup.py)
    ("GET", "/alerts/setup"): "setup",
    ("POST", "/alerts/rules"): "setup",
    ("POST", "/alerts/rules/{rule_id}"): "setup",
    ("POST", "/alerts/channels"): "setup",
    ("POST", "/alerts/channels/{name}"): "setup",
    ("POST", "/alerts/channels/{name}/test"): "setup",
    ("POST", "/alerts/subscriptions"): "own",
    ("POST", "/alerts/subscriptions/{subscription_id}/remove"): "own",
    ("GET", "/api/v1/alert-rules"): "setup",
    ("POST", "/api/v1/alert-rules"): "setup",
    ("PUT", "/api/v1/alert-rules/{rule_id}"): "setup",
    ("GET", "/api/v1/alert-channels"): "setup",
    ("POST", "/api/v1/alert-channels"): "setup",
    ("PUT", "/api/v1/alert-channels/{name}"): "setup",
    ("POST", "/api/v1/alert-channels/{name}/test"): "setup",
    ("GET", "/reports"): "list",
    ("POST", "/reports"): "report",
    ("POST", "/reports/{subscription_id}/remove"): "report",
    ("GET", "/admin"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{username}/role"): "admin",
    ("POST", "/admin/users/{username}/remove"): "admin",
    ("POST", "/admin/regions"): "admin",
    ("POST", "/admin/tokens"): "admin",
    ("POST", "/admin/tokens/{name}/remove"): "admin",
    ("GET", "/enrolment-codes"): "enrol",
    ("POST", "/enrolment-codes"): "enrol",
    ("POST", "/enrolment-codes/{code_id}/revoke"): "enrol",
    ("GET", "/api/v1/enrolment-codes"): "enrol",
    ("POST", "/api/v1/enrolment-codes"): "enrol",
    ("DELETE", "/api/v1/enrolment-codes/{code_id}"): "enrol",
    ("GET", "/api/v1/stores/{store_id}/business"): "store",
    ("GET", "/business"): "page",
    ("GET", "/business/sample.csv"): "page",
    ("POST", "/business"): "import",
    ("POST", "/api/v1/business-hours"): "import",
    ("GET", "/api/v1/export-business.csv"): "list",
    ("POST", "/fleet/write-offs"): "write-off",
    ("POST", "/api/v1/devices/{device_id}/write-offs"): "write-off",
    ("GET", "/regions"): "regions",
    ("GET", "/regions/{region_id}"): "region",
    ("GET", "/api/v1/regions/{region_id}/figures"): "region",
    ("GET", "/api/v1/stores/{store_id}/weekly-changes"): "store",
    ("GET", "/api/v1/regions/{region_id}/weekly-changes"): "region",
    ("GET", "/admin/audit"): "admin",
    ("GET", "/api/v1/audit"): "admin",
    ("GET", "/api/v1/audit.csv"): "admin",
    # stores and kiosks (tests/hq/fleet/test_chain.py): an admin all, a manager theirs
    ("GET", "/chain/stores"): "manage",
    ("GET", "/chain/stores/{store_id}"): "manage",
    ("POST", "/chain/stores"): "manage",
    ("POST", "/chain/stores/{store_id}/name"): "manage",
    ("POST", "/chain/stores/{store_id}/region"): "manage",
    ("POST", "/chain/stores/{store_id}/timezone"): "manage",
    ("POST", "/chain/stores/{store_id}/hours"): "manage",
    ("POST", "/chain/stores/{store_id}/exceptions"): "manage",
    ("POST", "/chain/stores/{store_id}/exceptions/{day}/remove"): "manage",
    ("POST", "/chain/stores/{store_id}/retire"): "manage",
    ("POST", "/chain/devices/{device_id}/name"): "manage",
    ("POST", "/chain/devices/{device_id}/store"): "manage",
    ("POST", "/chain/devices/{device_id}/retire"): "manage",
    ("POST", "/chain/devices/{device_id}/token"): "manage",
    ("GET", "/api/v1/stores"): "list",
    ("GET", "/api/v1/devices"): "list",
    ("GET", "/api/v1/stores/{store_id}/hours"): "store",
    ("POST", "/api/v1/stores"): "manage",
    ("PATCH", "/api/v1/stores/{store_id}"): "manage",
    ("POST", "/api/v1/stores/{store_id}/retire"): "manage",
    ("PUT", "/api/v1/stores/{store_id}/hours"): "manage",
    ("PUT", "/api/v1/stores/{store_id}/exceptions/{day}"): "manage",
    ("DELETE", "/api/v1/stores/{store_id}/exceptions/{day}"): "manage",
    ("POST", "/api/v1/devices"): "manage",
    ("PATCH", "/api/v1/devices/{device_id}"): "manage",
    ("POST", "/api/v1/devices/{device_id}/retire"): "manage",
    ("POST", "/api/v1/devices/{device_id}/token"): "manage",
    # touchpoints (tests/hq/fleet/test_touchpoints.py): an admin all, a manager theirs
    ("POST", "/chain/stores/{store_id}/touchpoints"): "manage",
    ("POST", "/chain/devices/{device_id}/stage"): "manage",
    ("POST", "/chain/devices/{device_id}/retire-link"): "manage",
    ("GET", "/api/v1/stores/{store_id}/touchpoints"): "store",
    ("POST", "/api/v1/stores/{store_id}/touchpoints"): "manage",
    ("PATCH", "/api/v1/touchpoints/{device_id}"): "manage",
    ("POST", "/api/v1/touchpoints/{device_id}/retire"): "manage",
    # receipt links and posters (tests/hq/fleet/test_receipts.py, tests/hq/dashboard/
    # test_posters.py): links by an admin's token; a poster for whoever sees the store
    ("POST", "/api/v1/touchpoints/{code}/receipt-links"): "admin-token",
    ("GET", "/chain/touchpoints/{code}/poster.pdf"): "poster",
    # the web survey (tests/hq/answer): anyone with the link; it shows no figures
    ("GET", "/r/{code}"): "public",
    ("POST", "/r/{code}"): "public",
    ("GET", "/r/{code}/more"): "public",
    ("POST", "/r/{code}/more"): "public",
    ("GET", "/r/{code}/thanks"): "public",
    # The survey editor (tests/hq/dashboard/survey, tests/hq/api/survey): an admin anywhere,
    # a manager within their stores, an analyst nothing.
    ("GET", "/surveys"): "survey",
    ("POST", "/surveys"): "survey",
    ("POST", "/surveys/preview"): "survey",
    ("POST", "/surveys/schedules"): "survey",
    ("POST", "/surveys/schedules/{campaign_id}/cancel"): "survey",
    ("GET", "/surveys/pictograms/{name}"): "public",
    ("GET", "/api/v1/surveys"): "survey",
    ("POST", "/api/v1/surveys"): "survey",
    ("GET", "/api/v1/surveys/schedules"): "survey",
    ("POST", "/api/v1/surveys/schedules"): "survey",
    ("POST", "/api/v1/surveys/schedules/{campaign_id}/cancel"): "survey",
    ("GET", "/login/forgot"): "public",
    ("POST", "/login/forgot"): "public",
    ("GET", "/login/set-password"): "public",
    ("POST", "/login/set-password"): "public",
    ("POST", "/admin/invites"): "admin",
    ("POST", "/admin/users/{username}/invite"): "admin",
    ("POST", "/admin/users/{username}/reset"): "admin",
    ("POST", "/admin/users/{username}/deactivate"): "admin",
    ("POST", "/admin/users/{username}/reactivate"): "admin",
    ("GET", "/login/oidc"): "public",
    ("GET", "/login/oidc/callback"): "public",
    ("GET", "/login/code"): "public",
    ("POST", "/login/code"): "public",
    ("POST", "/login/code/setup"): "public",
    ("GET", "/account"): "own",
    ("POST", "/account/totp/start"): "own",
    ("POST", "/account/totp/confirm"): "own",
    ("POST", "/account/totp/off"): "own",
    ("POST", "/admin/users/{username}/totp/require"): "admin",
    ("POST", "/admin/users/{username}/totp/reset"): "admin",
    ("POST", "/api/v1/users"): "admin-token",
    ("POST", "/api/v1/users/{username}/invite"): "admin-token",
    ("POST", "/api/v1/users/{username}/reset"): "admin-token",
    ("POST", "/api/v1/users/{username}/deactivate"): "admin-token",
    ("POST", "/api/v1/users/{username}/reactivate"): "admin-token",
    ("GET", "/api/v1/regions"): "regions",
    # admin-token-other: only an admin's API token, with more than a POST of a user
    # (tests/e2e/test_chain_api.py, tests/hq/api/test_alert_people_api.py)
    ("POST", "/api/v1/regions"): "admin-token-other",
    ("GET", "/api/v1/users/{username}/subscriptions"): "admin-token-other",
    ("POST", "/api/v1/users/{username}/subscriptions"): "admin-token-other",
    ("DELETE", "/api/v1/users/{username}/subscriptions/{subscription_id}"): "admin-token-other",
    # alert-api: an alert's API twin (tests/hq/api/test_alert_people_api.py): read within
    # the reader's stores, acted on with the token of someone who acts on the store
    ("GET", "/api/v1/alerts"): "alert-api",
    ("GET", "/api/v1/alerts/{alert_id}"): "alert-api",
    ("PUT", "/api/v1/alerts/{alert_id}/tracking"): "alert-api",
    # comments (tests/hq/words/test_comments_page.py): read within the reader's stores (a
    # store or touchpoint outside them is a 404); topics set by an analyst or an admin
    ("GET", "/comments"): "comments",
    ("POST", "/comments/{rating_id}/topics"): "comments",
    ("GET", "/api/v1/comments"): "comments",
    ("PUT", "/api/v1/comments/{rating_id}/topics"): "comments",
}


def flat_routes(routes, prefix: str = ""):
    """Every route, through the routers included (FastAPI keeps them nested)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flat_routes(inner.routes, prefix + route.include_context.prefix)
        else:
            yield prefix, route


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for prefix, route in flat_routes(app.routes):
        methods = getattr(route, "methods", None) or set()
        for method in methods - {"HEAD", "OPTIONS"}:
            found.add((method, prefix + route.path))
    return found
