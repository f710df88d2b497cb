"""Search: language-aware analysis and a prebuilt lunr index per language."""
