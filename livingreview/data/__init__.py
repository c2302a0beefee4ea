"""The data and its rules: where the files are, the schema and vocabularies, validation, the study
table, counting, the studies the source cites, links, filters and exports of any set of studies."""
