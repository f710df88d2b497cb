"""helpcenter: a static, multilingual help center built on MkDocs."""

# The environment variable that may hold the database's URL (it may hold a password): what the
# commands that serve or read the endpoint's data use unless given `--db`, named in the storage's
# errors (helpcenter.engines) and by the command line, which must not load the storage to say it.
DATABASE_URL_VARIABLE = "HELPCENTER_DATABASE_URL"
