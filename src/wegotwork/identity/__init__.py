"""Who is calling: the session (cookie or bearer token) resolved to a user, Better Auth's cookie
formats, and signed cookies. Below tenancy, which asks it for the signed-in user."""
