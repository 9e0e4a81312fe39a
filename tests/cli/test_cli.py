"""The `rapport` command: usage, dispatch to management commands, serve and quickstart without a server."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import CommandError, call_command

from rapport.accounts.models import User
from rapport.cli import USAGE, main
from rapport.contacts.models import Contact
from rapport.core.demo import DEMO_LOGINS
from rapport.core.management.commands.quickstart import quickstart_banner
from rapport.core.management.commands.serve import gunicorn_argv, serve, server_url


def test_rapport_without_arguments_prints_the_usage(capsys):
    main([])
    assert capsys.readouterr().out == USAGE


def test_rapport_dispatches_to_django_management_commands(capsys):
    main(["diffsettings"])
    assert "AUTH_USER_MODEL = 'accounts.User'" in capsys.readouterr().out


def test_rapport_reports_an_unknown_command_and_exits_with_an_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 1
    assert "Unknown command: 'no-such-command'" in capsys.readouterr().err


def test_serve_runs_gunicorn_with_sync_workers_on_the_loopback_address():
    argv = gunicorn_argv(host="127.0.0.1", port=8000, workers=3)
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--worker-class") + 1] == "sync"


def test_serve_rejects_a_port_out_of_range():
    with pytest.raises(CommandError, match="--port must be from 1 to 65535"):
        serve(host="127.0.0.1", port=70000, workers=None, dev=False, stdout=io.StringIO())


def test_serve_rejects_zero_workers():
    with pytest.raises(CommandError, match="--workers must be from 1 to 64"):
        serve(host="127.0.0.1", port=8000, workers=0, dev=False, stdout=io.StringIO())


def test_server_url_shows_a_reachable_address():
    assert server_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert server_url("0.0.0.0", 9000) == "http://127.0.0.1:9000/"
    assert server_url("::1", 8000) == "http://[::1]:8000/"


def test_quickstart_banner_prints_the_url_and_the_four_demo_logins():
    text = quickstart_banner("http://127.0.0.1:8000/", DEMO_LOGINS)
    assert "Rapport is running at http://127.0.0.1:8000/" in text
    assert "admin    password admin-demo     (Administrator)" in text
    assert "manager  password manager-demo   (Sales manager, Inside Sales)" in text
    assert "rep1     password rep1-demo      (Sales rep, Inside Sales)" in text
    assert "rep2     password rep2-demo      (Sales rep, Inside Sales)" in text
    assert "rep3" not in text


def test_quickstart_banner_without_demo_users_says_how_to_add_people():
    text = quickstart_banner("http://127.0.0.1:8000/", [])
    assert "Log in with your user name and password." in text
    assert "rapport createuser NAME --role admin|manager|rep|readonly" in text


@pytest.mark.django_db
def test_quickstart_loads_demo_data_into_an_empty_database_and_prints_the_logins(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("quickstart", contacts=40, no_serve=True, port=8123, stdout=out)
    assert Contact.objects.count() == 40
    assert "Rapport is running at http://127.0.0.1:8123/" in out.getvalue()
    assert "rep2     password rep2-demo" in out.getvalue()


@pytest.mark.django_db
def test_quickstart_leaves_a_database_with_users_alone(settings):
    User.objects.create_user("owner", password="long-enough-pw-1", role="admin")
    out = io.StringIO()
    call_command("quickstart", contacts=40, no_serve=True, stdout=out)
    assert Contact.objects.count() == 0
    assert "Log in with your user name and password." in out.getvalue()
