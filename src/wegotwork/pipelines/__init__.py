"""Hiring pipelines: stages per organization, jobs on a pipeline, applicants in a stage, and
the applicant activity timeline."""
