"""Forms give fields, labels and choices; the services validate and decide. A service's error is
put back on the form next to its field (see `apply_error`)."""

from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.contrib import messages

from callstudio.access.permissions import CATALOG
from callstudio.core.errors import DomainError
from callstudio.core.validation import clean_name
from callstudio.orgs.models import TEAM_DESCRIPTION_MAX, TEAM_NAME_MAX
from callstudio.search.query import MAX_LENGTH as MAX_QUERY_LENGTH


def mark_role_editable(rows, *, roles: list[tuple[str, str]], actor, allowed: bool) -> None:
    """A row's role is a select only when the actor may change it: not their own, and a role the
    actor could have granted (a member above them shows their role as text)."""
    refs = {ref for ref, _ in roles}
    for row in rows:
        row.role_editable = allowed and row.account_id != actor.pk and row.role_ref in refs


def change_role_from_post(
    request, *, roles: list[tuple[str, str]], change, where: str = ""
) -> None:
    """Apply a role select's POST through `change(role)` and say what happened."""
    names = dict(roles)
    role = request.POST.get("role", "")
    if role not in names:
        messages.error(request, "Choose one of the offered roles.")
        return
    try:
        membership = change(role)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{membership.account.name} is now {names[role]}{where}.")


def apply_error(form: forms.Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.detail)


class SignupDetailsForm(forms.Form):
    """Extra sign-up field for allauth: the person's name."""

    name = forms.CharField(label="Your name", max_length=100)

    def clean_name(self):
        from callstudio.core.errors import Invalid

        try:
            return clean_name(self.cleaned_data["name"])
        except Invalid as exc:
            raise forms.ValidationError(exc.detail) from None

    def signup(self, request, user):
        """Nothing left to do: `account_create` (web/adapter.py) stored the name."""


class OrganizationForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=100)


class TeamForm(forms.Form):
    # Lengths are checked by the service too; the attributes only help the browser.
    name = forms.CharField(label="Team name", max_length=TEAM_NAME_MAX, strip=False)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=TEAM_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MemberAddForm(forms.Form):
    account_id = forms.CharField(
        label="Account ID", max_length=64, help_text="Found on the member's profile page."
    )
    role = forms.ChoiceField(label="Organization role")

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["role"].initial = "member"


class TeamMemberAddForm(forms.Form):
    account_id = forms.ChoiceField(label="Member")
    role = forms.ChoiceField(label="Role")
    agent_external_id = forms.CharField(
        label="Agent ID (optional)",
        required=False,
        max_length=200,
        help_text="The member's ID in your call system, if calls name agents by it.",
    )

    def __init__(self, *args, candidates, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_id"].choices = [
            (m.account.account_id, f"{m.account.name} ({m.account.email})") for m in candidates
        ]
        self.fields["role"].choices = roles


class RoleForm(forms.Form):
    name = forms.CharField(label="Role name", max_length=100)
    description = forms.CharField(label="Description", required=False, max_length=500)
    scope = forms.ChoiceField(
        label="Scope",
        choices=[
            ("team", "Team role: held in one team"),
            ("org", "Organization role: held in the organization"),
        ],
    )
    permissions = forms.MultipleChoiceField(
        label="Permissions",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(p.name, p.name) for p in CATALOG],
    )


class TokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100, initial="API token")
    expires_in_days = forms.IntegerField(
        label="Expires after (days)",
        min_value=1,
        max_value=366,
        initial=90,
        required=False,
        help_text="1 to 366 days (90 when left empty). An expired token stops working.",
    )


def permission_groups(selected=()) -> list[dict]:
    """The catalog grouped for the role form's checkboxes, each with its description."""
    groups: dict[str, list] = {}
    for p in CATALOG:
        groups.setdefault(f"{p.scope}:{p.group}", []).append(
            {
                "name": p.name,
                "description": p.description,
                "scope": p.scope,
                "checked": p.name in selected,
                "id": "perm-" + p.name.replace(".", "-"),
            }
        )
    return [
        {"scope": key.split(":")[0], "group": key.split(":")[1], "permissions": perms}
        for key, perms in groups.items()
    ]


class IngestKeyForm(forms.Form):
    name = forms.CharField(label="Key name", max_length=100)
    scope = forms.ChoiceField(
        label="Teams it may send to",
        widget=forms.RadioSelect,
        initial="all",
        choices=[("all", "Every team, present and future"), ("some", "Only these teams:")],
    )
    teams = forms.MultipleChoiceField(
        label="Teams", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = teams

    def clean(self):
        data = super().clean()
        if data.get("scope") == "some" and not data.get("teams"):
            self.add_error("teams", "Choose at least one team, or every team.")
        return data


RANGE_REVERSED = "From must be on or before To."
RANGE_BAD_DATE = "Enter a date as YYYY-MM-DD, for example 2026-11-28."


class DateRangeForm(forms.Form):
    """The date range of the Calls and Analytics tabs and the analytics overview: From and To are
    UTC days, both included, either may be empty (the page decides what an open end means).
    Bound to the query string; its errors are the only ones a range ever shows, whatever the
    selector behind the page would have said."""

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=["%Y-%m-%d"],
                error_messages={"invalid": RANGE_BAD_DATE},
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("from", RANGE_REVERSED)
        return data

    def days(self) -> tuple[date | None, date | None]:
        return self.cleaned_data.get("from"), self.cleaned_data.get("to")

    def times(self) -> tuple[datetime | None, datetime | None]:
        """The range as [start, end) instants for a list of calls: To's whole day is in."""
        start, end = self.days()
        low = datetime.combine(start, time.min, UTC) if start else None
        high = (
            datetime.combine(end + timedelta(days=1), time.min, UTC)
            if end and end < date.max
            else None
        )
        return low, high

    def picker(self, shown: dict | None = None, presets=()) -> dict:
        """What `_range.html` shows: the values (the resolved range once a page has one, the
        input as typed otherwise), each field's first error and the quick ranges."""
        values = shown or {name: self.data.get(name) or "" for name in ("from", "to")}
        errors = {name: self.errors[name][0] for name in ("from", "to") if name in self.errors}
        return {
            **values,
            "errors": errors,
            "error": " ".join(self.non_field_errors()),
            "presets": presets,
        }


SEARCH_SORTS = [("newest", "Newest first"), ("relevance", "Most relevant first")]


class SearchForm(DateRangeForm):
    """The organization's Search page: the query and the filters of `rules.search.search_calls`,
    bound to the query string (From and To are the shared date range). Types only: the search
    decides the rest, and a team it may not read is its 404 or 403, never a form error."""

    q = forms.CharField(
        label="Search calls",
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "maxlength": MAX_QUERY_LENGTH, "autocomplete": "off"}
        ),
        help_text='Words, "exact phrases", OR, -word, refun*, customer: or agent: (see below).',
    )
    team = forms.CharField(label="Team", required=False, widget=forms.Select)
    agent = forms.CharField(
        label="Agent account ID", required=False, max_length=64, help_text="From their profile."
    )
    tag = forms.CharField(label="Tag", required=False, max_length=64)
    direction = forms.ChoiceField(
        label="Direction",
        required=False,
        choices=[("", "Either direction"), ("inbound", "Inbound"), ("outbound", "Outbound")],
    )
    min_duration = forms.FloatField(label="Shortest (seconds)", required=False, min_value=0)
    max_duration = forms.FloatField(label="Longest (seconds)", required=False, min_value=0)
    sentiment = forms.ChoiceField(
        label="Sentiment",
        required=False,
        choices=[
            ("", "Any sentiment"),
            ("negative", "Negative"),
            ("neutral", "Neutral"),
            ("positive", "Positive"),
        ],
    )
    has_alert = forms.ChoiceField(
        label="Alerts",
        required=False,
        choices=[("", "With or without"), ("true", "Raised an alert"), ("false", "No alert")],
    )
    sort = forms.ChoiceField(label="Order", required=False, choices=SEARCH_SORTS)

    # The query string's names, in the order a "More results" link repeats them.
    PARAMS = (
        "q",
        "team",
        "agent",
        "from",
        "to",
        "tag",
        "direction",
        "min_duration",
        "max_duration",
        "sentiment",
        "has_alert",
        "sort",
    )

    def __init__(self, data, *, teams: list[tuple[str, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["team"].widget.choices = [("", "Every team"), *teams]

    def kept(self) -> dict:
        """The non-empty parameters as typed, for the next page's link."""
        return {name: self.data[name] for name in self.PARAMS if self.data.get(name)}
