"""Contact: the form readers file tickets with, from the settings in mkdocs.yml."""
