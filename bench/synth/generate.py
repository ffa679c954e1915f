"""Agreements, visits and citations, generated in batches from a `World`."""

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bench.synth.vocabulary import KINDS, PREFIX, SECTOR_TOPICS, SOURCE_ID
from bench.synth.world import Visit, World, join, parse, search_text

BATCH = 10_000


def digest(rng: random.Random, world: World) -> tuple[str, list[str]]:
    """A generated press digest; every citation quotes one of its sentences verbatim."""
    sentences: list[str] = []
    verbs = ("signed", "concluded", "agreed on", "exchanged", "initialled", "adopted")
    for _ in range(600):
        a, b = world.countries_for(2)
        ca, cb = world.countries[a], world.countries[b]
        sector_id, sector_name = rng.choice(world.sectors)
        topic = rng.choice(SECTOR_TOPICS.get(sector_id, (f"cooperation in {sector_name.lower()}",)))
        kind = rng.choice(list(KINDS.values()))[0].lower()
        where = f" in {ca.capital}" if ca.capital else ""
        sentences.append(
            f"Officials of {ca.name} and {cb.name} {rng.choice(verbs)} a {kind} on {topic}"
            f"{where}, and agreed to review its implementation every {rng.randint(2, 5)} years."
        )
    body = "\n".join(
        " ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)
    )  # paragraphs
    return "Synthetic diplomatic digest (generated for benchmarks)\n\n" + body + "\n", sentences


@dataclass
class Batch:
    visits: list[tuple[Any, ...]] = field(default_factory=list)
    agreements: list[tuple[Any, ...]] = field(default_factory=list)
    parties: list[tuple[Any, ...]] = field(default_factory=list)
    sectors: list[tuple[Any, ...]] = field(default_factory=list)
    signers: list[tuple[Any, ...]] = field(default_factory=list)
    citations: list[tuple[Any, ...]] = field(default_factory=list)


def batches(
    world: World, sentences: list[str], total: int, dates_as_text: bool
) -> Iterator[tuple[int, Batch]]:
    rng = world.rng
    width = max(7, len(str(total)))
    party_counts, party_cum = [2, 3, 4, 5], list(itertools.accumulate([60, 20, 12, 8]))
    sector_counts, sector_cum = [1, 2, 3], list(itertools.accumulate([50, 35, 15]))
    signer_counts, signer_cum = [1, 2, 3], list(itertools.accumulate([25, 50, 25]))

    def day(d: date) -> Any:
        return d.isoformat() if dates_as_text else d

    def dated(text_: str) -> tuple[Any, ...]:
        p = parse(text_)
        return (p.text, p.precision, False, None, day(p.start), day(p.end))

    for start in range(0, total, BATCH):
        end = min(total, start + BATCH)
        batch = Batch()
        visits: list[Visit] = []
        for v in range(start // 10, end // 10):
            vid = f"{PREFIX}v-{v + 1:0{width}d}"
            guest, host = world.countries_for(2)
            g, h = world.countries[guest], world.countries[host]
            vkind = rng.choices(world.visit_kinds, cum_weights=world.visit_kind_cum)[0]
            leader = world.names[g.leader]
            title = f"{vkind.capitalize()} visit of {g.leader_title} {leader} to {h.name}"
            when = world.date()
            city = h.capital
            summary = (
                f"{g.leader_title} {leader} of {g.name} paid a {vkind} visit to "
                f"{city + ', ' if city else ''}{h.name}, holding talks on bilateral cooperation."
            )
            visits.append(Visit(vid, guest, host, city, when))
            batch.visits.append(
                (
                    vid,
                    title,
                    vkind,
                    g.leader,
                    g.leader_title,
                    guest,
                    host,
                    city,
                    summary,
                    *dated(when),
                    search_text(
                        title, summary, city, g.leader_title, leader, f"{g.leader_title} {leader}"
                    ),
                )
            )
            batch.citations.append(("visit", vid, 0, None, SOURCE_ID, rng.choice(sentences)))
        for i in range(start, end):
            aid = f"{PREFIX}a-{i + 1:0{width}d}"
            n_parties = rng.choices(party_counts, cum_weights=party_cum)[0]
            visit = rng.choice(visits) if visits and rng.random() < 0.5 else None
            if visit is not None:
                parties = world.countries_for(n_parties, (visit.guest_country, visit.host_country))
                when, place_country, place = visit.date, visit.host_country, visit.city
            else:
                parties = world.countries_for(n_parties)
                when = world.date()
                place_country = parties[rng.randrange(2)]
                place = world.countries[place_country].capital
            kind = rng.choices(world.kinds, cum_weights=world.kind_cum)[0]
            phrase = KINDS[kind][0]
            sectors = rng.sample(
                world.sectors, rng.choices(sector_counts, cum_weights=sector_cum)[0]
            )
            sector_id, sector_name = sectors[0]
            topic = rng.choice(
                SECTOR_TOPICS.get(sector_id, (f"cooperation in {sector_name.lower()}",))
            )
            cs = [world.countries[p] for p in parties]
            names = [c.name for c in cs]
            shape = rng.random()
            if shape < 0.1:
                title = f"{phrase} on {topic}"
            elif len(cs) == 2 and shape < 0.45:
                title = (
                    f"{phrase} between the Government of {names[0]} and the Government of "
                    f"{names[1]} on {topic}"
                )
            elif len(cs) == 2:
                title = f"{phrase} on {topic} between {names[0]} and {names[1]}"
            else:
                title = f"{phrase} among {join(names)} on {topic}"
            aliases = (
                [f"{'–'.join(c.alpha3 for c in cs[:3])} {phrase.split()[0]} {when[:4]}"]
                if rng.random() < 0.2
                else []
            )
            # Who signed: a ministry, company or government of each side; the leader witnesses.
            n_signers = rng.choices(signer_counts, cum_weights=signer_cum)[0]
            signers: list[tuple[str, str, str]] = []
            for side in cs[: min(2, n_signers)]:
                pick = rng.random()
                sid = (
                    side.government
                    if pick < 0.3
                    else side.company
                    if pick < 0.45
                    else rng.choice(side.ministries)
                )
                signers.append((sid, "signatory", side.id))
            if n_signers == 3:
                signers.append((cs[0].leader, "witness", cs[0].id))
            signer_names = [world.names[s] for s, _, _ in signers]
            summary = (
                f"{phrase} on {topic}, signed{' in ' + place if place else ''} by "
                f"{join(signer_names)}. It covers {join([n.lower() for _, n in sectors])}."
            )
            status = rng.choices(world.statuses, cum_weights=world.status_cum)[0]
            batch.agreements.append(
                (
                    aid,
                    title,
                    aliases,
                    kind,
                    place,
                    place_country,
                    summary,
                    status,
                    visit.id if visit else None,
                    *dated(when),
                    search_text(title, *aliases, summary, place, *signer_names),
                )
            )
            batch.parties.extend((aid, p, None) for p in parties)
            batch.sectors.extend((aid, s) for s, _ in sectors)
            batch.signers.extend(
                (aid, sid, role, side, pos) for pos, (sid, role, side) in enumerate(signers)
            )
            batch.citations.append(("agreement", aid, 0, None, SOURCE_ID, rng.choice(sentences)))
        yield end, batch
