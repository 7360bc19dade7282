"""What a browser sees: the planner page at ``/`` and the API docs at ``/docs``, every asset
served by the app itself (no CDN), so both work offline and behind a firewall."""

from .routes import install_web

__all__ = ["install_web"]
