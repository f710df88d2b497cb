"""Serving the built site and the endpoint: the preview and the endpoint's app (app), their
processes (workers), the front server's configuration (nginx)."""

# Where `helpcenter serve` and `tickets serve` listen unless told (the port also from $PORT).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
