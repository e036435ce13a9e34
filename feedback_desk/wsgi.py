import os

from django.core.wsgi import get_wsgi_application

from feedback_desk.middleware import ChunkedBodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
# A chunked body (no Content-Length) is read up to its limit here: Django would see none.
application = ChunkedBodyLimit(get_wsgi_application())
