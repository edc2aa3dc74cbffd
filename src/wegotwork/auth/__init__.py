"""Authentication: Better Auth's wire protocol under /api/auth, sessions, and sign-in pages."""
