"""Desktop semantic search: find documents on your own machine by meaning."""

__version__ = "0.1.0"
APP_NAME = "Desktop Semantic Search"
