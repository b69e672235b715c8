"""Background jobs: re-plans and re-pricing run by a worker, off the request path."""
