"""Serving the built site and the endpoint: the preview and the endpoint's app (app), their
processes (workers), the front server's configuration (nginx)."""

# Where `helpcenter serve` and `tickets serve` listen unless told (the port also from $PORT).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
# The environment variable that may hold the database's URL (it may hold a password): what the
# commands that serve or read the endpoint's data use unless given `--db`.
DATABASE_URL_VARIABLE = "HELPCENTER_DATABASE_URL"
