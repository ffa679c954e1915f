"""The ASGI layers around the routes, outermost first (the order `app.main` sets): who the
client is and what every response carries (`outermost`), HEAD, ETag and gzip
(`http_cache`), rate limits (`rate_limits`), the body cap (`body_size`), and the admission
gate (`admission`); and below them all, the HTTP/1.1 protocol that reads the request line
(`request_target`)."""
