"""Figures computed once, when a call arrives: talk time per speaker, talk ratio, silence share,
longest monologue."""

from datetime import timedelta
from operator import itemgetter

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
    # On the ingest hot path: plain locals and one pass over the sorted segments.
    agent = customer = other = 0.0
    spans = []
    longest = run_start = run_end = 0.0
    run_speaker = None
    for seg in sorted(segments, key=_by_time):
        speaker, start, end = seg["speaker"], seg["start"], seg["end"]
        length = end - start
        if speaker == AGENT:
            agent += length
        elif speaker == CUSTOMER:
            customer += length
        else:
            other += length
        spans.append((start, end))
        # A monologue: consecutive segments of one speaker, whatever the pauses between them.
        if speaker == run_speaker:
            if end > run_end:
                run_end = end
        else:
            run_speaker, run_start, run_end = speaker, start, end
        if run_end - run_start > longest:
            longest = run_end - run_start
    both = agent + customer
    return {
        "agent_talk_seconds": round(agent, 3),
        "customer_talk_seconds": round(customer, 3),
        "other_talk_seconds": round(other, 3),
        "talk_ratio": round(agent / both, 4) if both else None,
        "silence_share": round(max(0.0, 1 - _union_length(spans) / duration), 4)
        if duration > 0 and spans
        else None,
        "longest_monologue_seconds": round(longest, 3),
    }


_by_time = itemgetter("start", "end")


def _union_length(spans) -> float:
    """Spans arrive sorted by start."""
    total, cur_start, cur_end = 0.0, None, None
    for start, end in spans:
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total
