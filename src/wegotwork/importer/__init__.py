"""Moving an installation of the original WeGotWork (TypeScript, Better Auth, Prisma on
PostgreSQL) into this one: ``wegotwork import wegotwork --source postgresql://...``."""

# Connections writing applicants side by side on PostgreSQL, by default and at most (here, with
# no other import, so that the command line reads them without loading the importer).
WRITERS = 2
MAX_WRITERS = 8
