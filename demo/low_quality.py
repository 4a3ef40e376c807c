"""The junk pages of the demo crawl: one maker per kind of page the quality filters exist for.

Each maker returns (title, blocks) like the prose writers, and each aims at a published
rule: keyword stuffing and repeated lines at Gopher repetition, link lists at the bullet-line
rule, "..." teasers at the ellipsis rule, short pages at the word minimum, lorem ipsum at
language ID, hashtag soup at the symbol ratio. Every page varies with the random source.
"""
from __future__ import annotations

import random

from prose_en import COMMON

KEYWORDS = [("cheap flights", "flights"), ("best casino bonus", "casino"), ("buy followers", "followers"),
            ("weight loss pills", "pills"), ("payday loans", "loans"), ("replica watches", "watches"),
            ("crypto signals", "crypto"), ("seo services", "seo")]
SPAM_LINES = ["Click here to claim your free prize now!", "You are the lucky visitor of the day!",
              "Limited offer, only today!", "Work from home and earn money fast!",
              "Congratulations, you have been selected!", "Download now, it is totally free!"]
TEASERS = ["Ten things you never knew about", "You will not believe what happened to", "Doctors hate this trick for",
           "The secret behind", "Everyone is talking about", "This changes everything for", "Shocking news about"]
LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
         "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip "
         "ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla "
         "pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim "
         "id est laborum").split()
HASHTAGS = ["#love", "#instagood", "#photooftheday", "#travel", "#summer", "#fashion", "#food", "#happy",
            "#nofilter", "#tbt", "#wanderlust", "#fitness", "#sunset", "#style", "#goals", "#vibes"]
SYMBOLS = ["★★★★★", ">>>", "$$$", "!!!", "***", "<3", "→", "✔", "♥", "%%%", "@@", "~~~"]


def keyword_stuffing(rng: random.Random) -> tuple[str, list]:
    phrase, word = rng.choice(KEYWORDS)
    town = rng.choice(COMMON["town"])
    lines = []
    for _ in range(rng.randint(8, 14)):
        bits = [phrase, f"best {phrase}", f"{phrase} {town}", f"{word} online", f"cheap {word}",
                f"{phrase} 2024", f"top {word} deals", f"{word} {word} {word}"]
        rng.shuffle(bits)
        lines.append(("p", " ".join(bits[:rng.randint(5, 8)]) + f" {phrase}!"))
    return f"{phrase.title()} {town} | Best {phrase.title()} | {word.title()} Online", lines


def repeated_lines(rng: random.Random) -> tuple[str, list]:
    line = rng.choice(SPAM_LINES)
    other = rng.choice(SPAM_LINES)
    return line, [("p", line if rng.random() < 0.8 else other) for _ in range(rng.randint(25, 45))]


def link_list(rng: random.Random) -> tuple[str, list]:
    topic = rng.choice(["Directory", "Links", "Resources", "Partner sites", "Sitemap"])
    items = [("li", f"{rng.choice(TEASERS)} {rng.choice(COMMON['town'])} {rng.randint(1, 999)}")
             for _ in range(rng.randint(40, 80))]
    return f"{topic} {rng.randint(1, 50)}", [("p", f"{topic}:")] + items


def very_short(rng: random.Random) -> tuple[str, list]:
    text = rng.choice(["Page under construction. Please come back soon.", "Coming soon!",
                       "This domain may be for sale.", "Nothing to see here yet.", "Site maintenance in progress."])
    return rng.choice(["Welcome", "Home", "Untitled", "New site"]), [("p", text)]


def ellipsis_teasers(rng: random.Random) -> tuple[str, list]:
    lines = [("p", f"{rng.choice(TEASERS)} {rng.choice(COMMON['town'])} and the {rng.choice(['results', 'reasons', 'photos', 'story'])}...")
             for _ in range(rng.randint(15, 30))]
    return f"{rng.choice(TEASERS)} {rng.choice(COMMON['town'])}", lines


def lorem_ipsum(rng: random.Random) -> tuple[str, list]:
    paragraphs = []
    for _ in range(rng.randint(3, 8)):
        words = [rng.choice(LOREM) for _ in range(rng.randint(40, 90))]
        paragraphs.append(("p", (" ".join(words) + ".").capitalize()))
    return "Lorem ipsum " + rng.choice(LOREM), paragraphs


def hashtag_soup(rng: random.Random) -> tuple[str, list]:
    lines = []
    for _ in range(rng.randint(10, 20)):
        tags = rng.sample(HASHTAGS, rng.randint(5, 10)) + rng.sample(SYMBOLS, rng.randint(2, 4))
        rng.shuffle(tags)
        lines.append(("p", " ".join(tags)))
    return f"{rng.choice(HASHTAGS)} {rng.choice(SYMBOLS)}", lines


MAKERS = {f.__name__: f for f in (keyword_stuffing, repeated_lines, link_list, very_short,
                                  ellipsis_teasers, lorem_ipsum, hashtag_soup)}
