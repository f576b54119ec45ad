.PHONY: setup demo test lint format serve worker beat prod loadtest

setup:          ## create .venv and install pinned dependencies
	bin/setup

demo:           ## set up, load reference data and demo history, score it, serve on :8000
	bin/demo

test:           ## set up and run lint, checks and the whole test suite (both passes)
	bin/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

serve:
	.venv/bin/python manage.py runserver 127.0.0.1:8000

worker:         ## a Celery worker on every queue (needs REDIS_URL)
	.venv/bin/celery -A config worker -Q default,scoring,imports,notifications -l info

beat:           ## the Celery schedule, its state file in var/ (needs REDIS_URL; one per deployment)
	mkdir -p var && .venv/bin/celery -A config beat -l info --schedule var/celerybeat-schedule

prod:           ## the production profile: gunicorn + Celery worker + beat (needs DATABASE_URL, REDIS_URL, SECRET_KEY)
	bin/prod

loadtest:       ## 60 s of hospitals' API traffic against the production profile on 127.0.0.1:8100
	tests/load/run.sh
