from django.core.mail import send_mail


def test_mail_sent_by_smtp_reaches_the_test_server(smtp):
    send_mail("Hello", "Open http://127.0.0.1:8000/x/ now", "cs@localhost", ["a@example.test"])
    message = smtp.wait_for("a@example.test")
    assert message.subject == "Hello"
    assert message.links == ["http://127.0.0.1:8000/x/"]
