"""The WSGI entry point for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``."""

from intake import create_app

app = create_app()
