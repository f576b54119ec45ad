"""Create, list and revoke the API tokens of a user.

manage.py api_token create <username> --name "logiciel pharmacie"   # prints the token and its expiry once
manage.py api_token list <username>                                 # each token's state, expiry, last use
manage.py api_token revoke <username> <token id or prefix>

Times are local (``TIME_ZONE``). A token expires ``API_TOKEN_MAX_AGE_DAYS`` after its creation and
is void once its user's password changes or the user is deactivated.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from stock.models import ApiToken
from stock.services.tokens import TokenLimitReached, token_issue, token_revoke


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _expiry(token: ApiToken) -> str:
    if token.expires_at:
        return f"expires {_when(token.expires_at)}"
    # Made before tokens had a lifetime and not used since: it gets one on its first use.
    return "expiry set on first use" if token.credential_digest is None else "no expiry"


STATES = {
    "active": "active",
    "user_inactive": "refused: user deactivated",
    "password_changed": "refused: password changed since",
}


def _state(token: ApiToken, user, now: dt.datetime) -> str:
    """What the API answers to ``token`` now: active, or why it is refused."""
    state = token.state(user, now)
    if state == "revoked":
        return f"revoked {_when(token.revoked_at)}"
    if state == "expired":
        return f"expired {_when(token.expires_at)}"
    return STATES[state]


class Command(BaseCommand):
    help = "Create, list or revoke the API tokens of a user (only a hash of each token is stored)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("username")
        create.add_argument("--name", default="api")
        listing = sub.add_parser("list", help="List the tokens of a user.")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by id or prefix.")
        revoke.add_argument("username")
        revoke.add_argument("token")

    def handle(self, *args, action, username, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.")
        if action == "create":
            try:
                token, raw = token_issue(user=user, name=options["name"])
            except TokenLimitReached:
                raise CommandError("This user has too many active tokens: revoke one first.")
            self.stdout.write(
                f"Token {token.pk} ({token.name}) for {username}, {_expiry(token)}; store it now, it is not shown again:"
            )
            self.stdout.write(raw)
        elif action == "list":
            now = timezone.now()
            for token in ApiToken.objects.filter(user=user):
                last = _when(token.last_used_at) if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\t{token.prefix}…\t{token.name}\t{_state(token, user, now)}\t{_expiry(token)}"
                    f"\tlast used {last}"
                )
        else:
            match = ApiToken.objects.filter(user=user)
            match = (
                match.filter(pk=int(options["token"]))
                if options["token"].isdigit()
                else match.filter(prefix=options["token"])
            )
            token = match.first()
            if token is None:
                raise CommandError(f"No token {options['token']!r} for {username}.")
            if token_revoke(token=token):
                self.stdout.write(f"Token {token.pk} ({token.name}) revoked.")
            else:
                self.stdout.write(f"Token {token.pk} ({token.name}) was already revoked {_when(token.revoked_at)}.")
