"""gunicorn settings: `gunicorn -c config/gunicorn.conf.py feedback_desk.wsgi:application`.

Everything comes from the environment so the same file serves ./dev start and production.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or (
    f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
# WEB_CONCURRENCY: worker processes. Default: 2 locally, (2 x CPU) + 1 capped at 8 otherwise.
_default_workers = (
    2
    if os.environ.get("DEBUG", "true").lower() in ("1", "true", "yes")
    else min(2 * multiprocessing.cpu_count() + 1, 8)
)
workers = int(os.environ.get("WEB_CONCURRENCY", _default_workers))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Behind nginx: trust X-Forwarded-* from the local proxy only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
