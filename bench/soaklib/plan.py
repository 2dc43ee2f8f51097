"""The plan: every job, fault and kill of a soak, drawn from its seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .settings import (
    EVENT_WAVES,
    EVENTS,
    FAULT_WINDOW_S,
    ONE_REQUEST_ROUTES,
    ROUTES,
    STORY_KILLERS,
    TAGGED_ROUTES,
    WAVE_WINDOW_S,
    WAVES,
    WORKER_EVENT_WAVES,
    WORKER_EVENTS,
    Options,
)

STYLES = ("paper-cut animation", "soft watercolour", "grainy 16 mm film", "bold comic inks")
THEMES = (
    "a lighthouse keeper befriends the storm",
    "a bakery that only opens at midnight",
    "two rival kites over a windy beach",
    "a robot learns to water a desert garden",
    "the last train before the snow closes the pass",
    "a cat who guards a library of maps",
    "ein Geiger spielt für die Möwen am Hafen",
    "une horloge qui avance quand on rit",
    "a street market on the back of a whale",
    "an old radio that catches tomorrow's weather",
)


@dataclass(frozen=True)
class JobPlan:
    """One job. Its ``style`` carries a tag that ends up in its story request, every clip
    prompt and the thumbnail prompt, so that ``faults`` (rules matching the tag, installed
    just before the job is posted) hit this job and no other."""

    index: int
    wave: int
    delay_s: float
    idea: str
    style: str
    segments: int
    duration_seconds: int
    faults: list[dict[str, Any]]


@dataclass(frozen=True)
class FaultPlan:
    """A rule for whichever request comes next on its route, installed during a wave."""

    wave: int
    delay_s: float
    rule: dict[str, Any]


@dataclass(frozen=True)
class EventPlan:
    """A disruption of the server (a signal in ``EVENTS``), or in workers mode one of
    ``WORKER_EVENTS`` ("WORKER": a worker SIGKILLed and replaced), ``after_s`` into its wave."""

    kind: str
    wave: int
    after_s: float


@dataclass(frozen=True)
class SoakPlan:
    jobs: list[JobPlan]
    faults: list[FaultPlan]
    events: list[EventPlan]
    unscheduled: list[dict[str, Any]]


def required_faults(rng: random.Random) -> list[dict[str, Any]]:
    """Every fault kind on every route it applies to, each bounded by ``times``."""
    rules: list[dict[str, Any]] = []
    for route in ROUTES:
        retry_after = rng.choice([0.5, 1.0, 2.0])
        rules.append(_rule(route, "status", status=429, retry_after_s=retry_after))
        rules.append(_rule(route, "status", status=500))
        rules.append(_rule(route, "status", status=503, times=rng.randint(1, 2)))
        # A job makes one story and one thumbnail request: more delays there would go unused.
        times = rng.randint(1, 3) if route not in ONE_REQUEST_ROUTES else 1
        rules.append(_rule(route, "delay", delay_s=round(rng.uniform(0.5, 3.0), 2), times=times))
        rules.append(_rule(route, "drop_after_accept"))
        rules.append(_rule(route, "safety_block"))
        rules.append(_rule(route, "malformed"))
    rules.append(_rule("predictLongRunning", "drop_after_accept"))
    rules.append(_rule("predictLongRunning", "operation_error"))
    rules.append(_rule("fetchPredictOperation", "operation_error"))
    return rules


def extra_faults(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """More transient faults (throttling, 5xx, delays) on any route, for any job."""
    extras = []
    for _ in range(count):
        route = rng.choice(ROUTES)
        if rng.random() < 0.3:
            extras.append(_rule(route, "delay", delay_s=round(rng.uniform(0.3, 2.0), 2)))
        else:
            status = rng.choice([429, 500, 502, 503])
            retry_after = 1.0 if status == 429 else None
            extras.append(_rule(route, "status", status=status, retry_after_s=retry_after))
    return extras


def _rule(route: str, kind: str, *, times: int = 1, **fields: Any) -> dict[str, Any]:
    fields = {key: value for key, value in fields.items() if value is not None}
    return {"route": route, "kind": kind, "times": times, **fields}


def assign_faults(
    rules: list[dict[str, Any]], jobs: int, rng: random.Random
) -> tuple[dict[int, list[dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Share the rules out: to one job each (by its tag), or untargeted for a poll (its body
    names only the operation). A job takes at most one rule per route, so that one fault
    does not hide the next; a rule that fails the story goes to a job of its own, at most
    one job in four. Returns (rules by job index, untargeted rules, rules left out)."""
    order = list(range(jobs))
    rng.shuffle(order)
    victims = order[: jobs // 4]
    others = order[len(victims) :]
    by_job: dict[int, list[dict[str, Any]]] = {index: [] for index in range(jobs)}
    untargeted, unscheduled = [], []
    for rule in rules:
        if rule["route"] not in TAGGED_ROUTES:
            untargeted.append(rule)
            continue
        if (rule["route"], rule["kind"]) in STORY_KILLERS:
            free = [index for index in victims if not by_job[index]]
        else:
            free = [index for index in others if _route_free(by_job[index], rule)]
            # The next rule starts looking at the next job.
            others = others[1:] + others[:1]
        if free:
            by_job[free[0]].append(rule)
        else:
            unscheduled.append(rule)
    return by_job, untargeted, unscheduled


def _route_free(taken: list[dict[str, Any]], rule: dict[str, Any]) -> bool:
    return all(other["route"] != rule["route"] for other in taken)


def make_plan(options: Options, rng: random.Random) -> SoakPlan:
    waves = WAVES
    rules = required_faults(rng)
    rng.shuffle(rules)
    by_job, untargeted, unscheduled = assign_faults(rules, options.jobs, rng)
    untargeted += extra_faults(rng, options.jobs // 2)
    order = list(range(options.jobs))
    rng.shuffle(order)
    jobs = []
    for position, index in enumerate(order):
        tag = f"s{options.seed}j{index + 1:03d}x"
        theme = THEMES[index % len(THEMES)]
        jobs.append(
            JobPlan(
                index=index,
                wave=position % waves,
                delay_s=round(rng.uniform(0.0, WAVE_WINDOW_S), 2),
                idea=f"{theme} (soak {options.seed}, job {index + 1})",
                style=f"{rng.choice(STYLES)}, tag {tag}",
                segments=options.segments,
                duration_seconds=rng.choice([4, 6, 8]),
                faults=[{**rule, "match": tag} for rule in by_job[index]],
            )
        )
    jobs.sort(key=lambda job: job.index)
    # Untargeted rules go in early in their wave, so that the wave's requests meet them.
    faults = [
        FaultPlan(rng.randrange(waves), round(rng.uniform(0.0, FAULT_WINDOW_S), 2), rule)
        for rule in untargeted
    ]
    # A SIGTERM waits for a submit held by the emulator, installed as its wave starts, so
    # that the wave's first clip submit is held: its moment is that submit's.
    kinds, waves_of = (
        (EVENTS, EVENT_WAVES) if options.workers is None else (WORKER_EVENTS, WORKER_EVENT_WAVES)
    )
    events = [
        EventPlan(kind, wave, 0.0 if kind == "SIGTERM" else after)
        for kind, wave in zip(kinds, waves_of, strict=True)
        for after in [round(rng.uniform(1.0, WAVE_WINDOW_S), 2)]
    ]
    return SoakPlan(jobs=jobs, faults=faults, events=events, unscheduled=unscheduled)
