"""The API twins of the admin's people actions (:mod:`.users`): invites, reset links,
deactivation; for scripts that keep a chain's people in code, with an admin token."""
