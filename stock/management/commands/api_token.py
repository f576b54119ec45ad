"""Create, list and revoke the API tokens of a user.

manage.py api_token create <username> --name "logiciel pharmacie"   # prints the token once
manage.py api_token list <username>
manage.py api_token revoke <username> <token id or prefix>
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from stock.models import ApiToken
from stock.services.tokens import TokenLimitReached, token_issue, token_revoke


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
            self.stdout.write(f"Token {token.pk} ({token.name}) for {username}; store it now, it is not shown again:")
            self.stdout.write(raw)
        elif action == "list":
            for token in ApiToken.objects.filter(user=user):
                state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
                last = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(f"{token.pk}\t{token.prefix}…\t{token.name}\t{state}\tlast used {last}")
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
            token_revoke(token=token)
            self.stdout.write(f"Token {token.pk} ({token.name}) revoked.")
