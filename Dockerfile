# ISCM Survey: one image for the web (gunicorn), the Celery worker and Celery beat.
#
# The Debian release is pinned (trixie) rather than left to the moving `python:3.11-slim` tag so that
# its postgresql-client (17) stays at least as new as the postgres:16 server of docker-compose.yml:
# pg_dump refuses to dump a server newer than itself.
FROM python:3.11-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ISCM_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/var/media

# chromium and the DejaVu fonts render PDFs; gettext compiles the translations; the PostgreSQL client
# is for scripts/backup.sh and scripts/restore.sh.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

COPY . .

# Translations and static files are built into the image; the secret is a throw-away for the build
# (the settings need one to load; nothing is signed here).
RUN DJANGO_SECRET_KEY=build-only-not-secret python manage.py compile_catalogues --force \
    && DJANGO_SECRET_KEY=build-only-not-secret DJANGO_DEBUG=0 python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 --user-group app \
    && mkdir -p /app/var/media /app/var/backups \
    && chown -R app:app /app/var
USER app

EXPOSE 8000
CMD ["sh", "-c", "exec gunicorn iscm_survey.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
