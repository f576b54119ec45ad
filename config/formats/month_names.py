"""Month names of dates (the "F" format), listed so that makemessages keeps them in our Arabic
catalogue, which comes before Django's: Morocco writes يوليوز, غشت, شتنبر, نونبر, دجنبر... where
Django's Arabic catalogue has the Middle-Eastern يوليو, أغسطس, سبتمبر, نوفمبر, ديسمبر."""

from django.utils.translation import gettext_noop

MONTH_NAMES = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
