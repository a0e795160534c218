"""WSGI entry point (gunicorn akhbar.wsgi:application)."""

from django.core.wsgi import get_wsgi_application

from akhbar.cli import select_settings
from akhbar.config import private_umask

# The same choices as the `akhbar` command, for a gunicorn started by hand or by systemd.
private_umask()
select_settings()
application = get_wsgi_application()
