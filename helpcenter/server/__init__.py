"""Serving the built site and the endpoint: the app that serves both (app), its connections'
limits (protocol), the writers' live reload (livereload), its processes (workers) and the front
server's configuration (nginx)."""

# Where `helpcenter serve` and `tickets serve` listen unless told (the port also from $PORT).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
