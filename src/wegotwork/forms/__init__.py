"""Application forms: the questions each job asks, one JSON Schema for the page, the API and
validation, knockout rules, consent to a privacy notice and the organization's library."""
