"""Serving the built site and the endpoint: the app that serves both (app), its connections'
limits (protocol), the writers' live reload (livereload), its processes (workers) and the front
server's configuration (nginx)."""

# Where `helpcenter serve` and `tickets serve` listen unless told (the port also from $PORT).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
# The environment variable that may hold the database's URL (it may hold a password): what the
# commands that serve or read the endpoint's data use unless given `--db`.
DATABASE_URL_VARIABLE = "HELPCENTER_DATABASE_URL"
