"""The action types of automations, one class each. A new type is one more class here with
`@ACTIONS.add`; it acts through the engine's effects (rules/engine.py `Effects`), so the analysis
pass keeps owning every change to the call and every delivery it stores."""

import secrets
from urllib.parse import urlsplit

from callstudio.core.errors import Invalid
from callstudio.core.netguard import check_url
from callstudio.core.validation import clean_name

from .base import ACTIONS, ActionKind, FormField


def clean_url(value, *, field: str) -> str:
    url = clean_name(value, field=field, max_length=2000)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number from 0 to 65535)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise Invalid("Must be an http:// or https:// URL.", field=field) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("Must be an http:// or https:// URL.", field=field)
    check_url(url, field=field)  # not loopback/private/reserved (checked again when delivered)
    return url


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


@ACTIONS.add
class AddTag(ActionKind):
    type = "add_tag"
    label = "Add a tag"
    example = {"type": "add_tag", "tag": "escalate"}
    description = "Adds `tag` to the call's tags (once)."
    properties = {"tag": {"type": "string", "maxLength": 100}}
    required = ("tag",)
    form_fields = (FormField("tag", "Tag", max_length=100),)

    def clean_fields(self, value, field):
        return {"tag": clean_name(value.get("tag"), field=f"{field}.tag")}

    def run(self, action, effects):
        effects.add_tag(action["tag"])

    def describe(self, value):
        return f"Add tag “{value['tag']}”"


@ACTIONS.add
class ArchiveCall(ActionKind):
    type = "archive_call"
    label = "Archive the call"
    example = {"type": "archive_call"}
    description = "Archives the call: it leaves the default call list and the figures."

    def run(self, action, effects):
        effects.archive()


@ACTIONS.add
class Webhook(ActionKind):
    type = "webhook"
    label = "Send a signed webhook"
    example = {
        "type": "webhook",
        "url": "https://hooks.example.com/calls",
        "secret": "whsec_change-me",
    }
    description = (
        "POSTs the event as JSON to `url` (`http://` or `https://`), signed with `secret` "
        "(at least 8 characters, shown back only to those who manage automations)."
    )
    properties = {
        "url": {"type": "string", "maxLength": 2000},
        "secret": {"type": "string", "minLength": 8, "maxLength": 200},
    }
    required = ("url", "secret")
    secret_fields = ("secret",)
    form_fields = (
        FormField("url", "Webhook URL", widget="url", max_length=2000),
        FormField(
            "secret",
            "Signing secret",
            help="At least 8 characters; leave blank to have one made for you.",
            max_length=200,
        ),
    )

    def clean_fields(self, value, field):
        url = clean_url(value.get("url"), field=f"{field}.url")
        secret = clean_name(value.get("secret"), field=f"{field}.secret", max_length=200)
        if len(secret) < 8:
            raise Invalid("At least 8 characters.", field=f"{field}.secret")
        return {"url": url, "secret": secret}

    def run(self, action, effects):
        effects.webhook(url=action["url"], secret=action["secret"])

    def describe(self, value):
        return f"Signed webhook to {value['url']}"

    def form_initial(self, value):
        return {"url": value.get("url", ""), "secret": value.get("secret", "")}

    def from_form(self, data, path):
        return {"type": self.type, "url": data["url"], "secret": data["secret"] or new_secret()}
