"""Moving an installation of the original WeGotWork (TypeScript, Better Auth, Prisma on
PostgreSQL) into this one: ``wegotwork import wegotwork --source postgresql://...``."""
