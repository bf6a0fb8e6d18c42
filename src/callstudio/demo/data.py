"""Realistic demo calls: conversations per team topic, agents, customers, tags, a spread over
the last 60 days. Deterministic (seeded), so loading twice stores nothing new."""

import random
from datetime import timedelta

from django.utils import timezone

from callstudio.calls.ingest import BATCH_SIZE, store_calls
from callstudio.calls.schemas import CallIn

TOPICS = {
    "Billing": [
        (
            "refund",
            [
                "I was charged twice for my subscription this month.",
                "I can see both charges. I'll refund the duplicate today.",
                "How long until I see the money?",
                "Three to five business days, and you'll get an email confirmation.",
            ],
        ),
        (
            "invoice",
            [
                "I need an invoice with our VAT number on it.",
                "Of course. What's the VAT number?",
                "It's GB 123 4567 89.",
                "Done, the corrected invoice is in your inbox.",
            ],
        ),
        (
            "cancel",
            [
                "I want to cancel, it's too expensive.",
                "I'm sorry to hear that. Can I offer you the annual plan at a discount?",
                "How much would that be?",
                "Twenty percent off, billed yearly.",
            ],
        ),
    ],
    "Onboarding": [
        (
            "setup",
            [
                "We just signed up and don't know where to start.",
                "Let's create your first team together.",
                "Great, and how do we add people?",
                "Share your account ID with your admin, they add you in Members.",
            ],
        ),
        (
            "integration",
            [
                "Can we send calls from our phone system?",
                "Yes, every team has a workflow ID for the API.",
                "Is there an example?",
                "Settings shows a ready request you can copy.",
            ],
        ),
    ],
    "Retention": [
        (
            "churn-risk",
            [
                "We're thinking of switching to a competitor.",
                "What's missing for you today?",
                "Reporting is too slow for our managers.",
                "Our new analytics should fix that; let me show you.",
            ],
        ),
        (
            "complaint",
            [
                "Your support never called me back, this is unacceptable.",
                "I apologise, that should not have happened.",
                "I want to speak to a manager.",
                "I'll escalate this right now and call you back within the hour.",
            ],
        ),
    ],
}
GREETINGS = [
    "Thanks for calling {team}, this is your support agent. How can I help?",
    "Hello, you're through to {team}. What can I do for you today?",
]
FILLER = [
    [
        ("agent", "Could you confirm the email on the account?"),
        ("customer", "Sure, it's the one I signed up with."),
    ],
    [
        ("agent", "Let me pull up your account, one moment."),
        ("customer", "No problem, take your time."),
    ],
    [
        ("customer", "Sorry, the line is bad, can you repeat that?"),
        ("agent", "Of course, I said it's all set."),
    ],
]
CLOSINGS = [
    "No, that's everything, thank you!",
    "That's all, thanks for your help.",
    "No. Thanks, bye.",
]
# An unhappy minority, so sentiment, alerts and charts have something to show.
UPSET = [
    ("customer", "Honestly this is awful, I'm really frustrated with your service."),
    ("agent", "I understand, and I'm sorry. Let me fix this."),
]
UPSET_CLOSINGS = [
    "No. This was useless and I'm very disappointed.",
    "Forget it. Terrible experience, I'm angry.",
]
CUSTOMERS = [
    "Jordan Lee",
    "Priya Patel",
    "Sam Carter",
    "Mei Chen",
    "Luis Garcia",
    "Ava Novak",
    "Noah Smith",
    "Fatima Khan",
    "Oliver Brown",
    "Sofia Rossi",
    "Liam Murphy",
    "Hana Sato",
]


def demo_calls(
    team, agent_emails: list[str], count: int, seed: int, *, name: str | None = None
) -> list[CallIn]:
    """`name`: the demo's own name for the team (its topics and the calls' external IDs), so a
    renamed demo team still gets the same calls; the team's current name by default."""
    rng = random.Random(seed)
    name = name or team.name
    topics = TOPICS.get(name, TOPICS["Billing"])
    now = timezone.now().replace(microsecond=0)
    calls = []
    for i in range(count):
        tag, lines = rng.choice(topics)
        started = now - timedelta(days=rng.uniform(0, 60), hours=rng.uniform(0, 9))
        t, transcript = rng.uniform(0.5, 3), []
        script = [("agent", rng.choice(GREETINGS).format(team=name))]
        script += [("customer" if n % 2 == 0 else "agent", line) for n, line in enumerate(lines)]
        upset = rng.random() < 0.15
        script += UPSET if upset else []
        script += rng.choice(FILLER) if rng.random() < 0.5 else []
        script += [
            ("agent", "Is there anything else I can help with?"),
            ("customer", rng.choice(UPSET_CLOSINGS if upset else CLOSINGS)),
        ]
        # Some calls put the customer on hold while the agent looks things up.
        hold_at = rng.randrange(2, len(script)) if rng.random() < 0.5 else None
        for n, (speaker, text) in enumerate(script):
            if n == hold_at:
                t += rng.uniform(15, 400)
            length = len(text) / rng.uniform(12, 18)
            transcript.append(
                {
                    "speaker": speaker,
                    "start": round(t, 2),
                    "end": round(t + length, 2),
                    "text": text,
                }
            )
            t += length + rng.uniform(0.3, 4.0)
        duration = round(t + rng.uniform(2, 20), 1)
        agent = (
            {"email": rng.choice(agent_emails)}
            if agent_emails and rng.random() > 0.03
            else {"external_id": f"ext-{rng.randint(1, 5)}"}
        )
        calls.append(
            CallIn.model_validate(
                {
                    "external_id": f"demo-{name.lower()}-{i:05d}",
                    "started_at": started,
                    "duration_seconds": duration,
                    "direction": rng.choice(["inbound", "inbound", "outbound"]),
                    "agent": agent,
                    "customer": {
                        "name": rng.choice(CUSTOMERS),
                        "phone": f"+1555{rng.randint(1000000, 9999999)}",
                    },
                    "transcript": transcript,
                    "tags": [tag] + (["escalated"] if rng.random() < 0.08 else []),
                    "metadata": {"queue": name.lower(), "csat": rng.randint(1, 5)},
                }
            )
        )
    return calls


def load_demo_calls(
    team, agent_emails: list[str], *, count: int, seed: int, name: str | None = None, progress=print
) -> int:
    """Stores the calls not stored yet (idempotent by external ID); returns how many were new."""
    stored = 0
    calls = demo_calls(team, agent_emails, count, seed, name=name)
    for start in range(0, len(calls), BATCH_SIZE):
        stored += len(store_calls(team=team, calls=calls[start : start + BATCH_SIZE]))
        progress(f"{team.name}: {min(start + BATCH_SIZE, len(calls))}/{len(calls)} calls")
    return stored
