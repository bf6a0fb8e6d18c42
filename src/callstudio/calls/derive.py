"""Figures computed once, when a call arrives: talk time per speaker, talk ratio, silence share,
longest monologue."""

from datetime import timedelta

AGENT = "agent"
CUSTOMER = "customer"


def timing(call) -> tuple:
    """(ended_at, duration_seconds), each derived from the other when only one was sent."""
    if call.duration_seconds is not None:
        duration = float(call.duration_seconds)
        ended = call.ended_at or call.started_at + timedelta(seconds=duration)
    else:
        ended = call.ended_at
        duration = (ended - call.started_at).total_seconds()
    return ended, duration


def talk_figures(segments, duration: float) -> dict:
    talk = {AGENT: 0.0, CUSTOMER: 0.0, "other": 0.0}
    spans = []
    longest = 0.0
    run_speaker, run_start, run_end = None, 0.0, 0.0
    for seg in sorted(segments, key=lambda s: (s["start"], s["end"])):
        length = seg["end"] - seg["start"]
        talk[seg["speaker"] if seg["speaker"] in (AGENT, CUSTOMER) else "other"] += length
        spans.append((seg["start"], seg["end"]))
        # A monologue: consecutive segments of one speaker, whatever the pauses between them.
        if seg["speaker"] == run_speaker:
            run_end = max(run_end, seg["end"])
        else:
            run_speaker, run_start, run_end = seg["speaker"], seg["start"], seg["end"]
        longest = max(longest, run_end - run_start)
    spoken = _union_length(spans)
    both = talk[AGENT] + talk[CUSTOMER]
    return {
        "agent_talk_seconds": round(talk[AGENT], 3),
        "customer_talk_seconds": round(talk[CUSTOMER], 3),
        "other_talk_seconds": round(talk["other"], 3),
        "talk_ratio": round(talk[AGENT] / both, 4) if both else None,
        "silence_share": round(max(0.0, 1 - spoken / duration), 4) if duration > 0 and segments else None,
        "longest_monologue_seconds": round(longest, 3),
    }


def _union_length(spans) -> float:
    total, cur_start, cur_end = 0.0, None, None
    for start, end in sorted(spans):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total
