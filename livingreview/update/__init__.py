"""The monthly update cycle: the saved search, the registries, matching, candidates and screening,
adding a study, cutting a version, the versions, the PRISMA flows and the feed."""
