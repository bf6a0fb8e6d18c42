from django.apps import AppConfig


def _link_calls_on_verification(sender, email_address, **kwargs) -> None:
    # directory sits above calls and accounts, web above directory: allauth's signal, sent
    # whichever path verified the address (page, API, reset link), reaches the linking here.
    from callstudio.directory.services import team_member_link_verified_email

    team_member_link_verified_email(account=email_address.user, email=email_address.email)


class WebConfig(AppConfig):
    name = "callstudio.web"
    label = "web"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        email_confirmed.connect(
            _link_calls_on_verification, dispatch_uid="callstudio.web.link_verified_email"
        )
