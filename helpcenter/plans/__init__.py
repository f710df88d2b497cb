"""Plans: one data file, rendered as comparison tables in every language."""
