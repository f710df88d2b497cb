"""The site's languages and their catalogs."""


def N_(message: str) -> str:
    """A UI string to translate later (`make messages` extracts it), as it is."""
    return message
