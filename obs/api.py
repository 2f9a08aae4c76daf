"""The read-only HTTP API under /api/v1 and the download routes (issue: open data). Placeholder."""


def init_app(server):
    """Register the API blueprint and download routes on the Flask server."""
    return server
