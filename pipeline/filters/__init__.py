"""Quality filters, one module per rule family, in FineWeb's order:

- urls.py     the URL filter (domain blocklist, banned URL words), before extraction
- gopher.py   Gopher repetition and Gopher quality (Rae et al. 2021)
- c4.py       C4's line and page rules (Raffel et al. 2020)
- fineweb.py  FineWeb's own rules (Penedo et al. 2024)
- pii.py      email and IP replacement, after deduplication

Each filter takes its recipe table as keyword arguments (published defaults as named
constants), and `check(doc)` returns a Decision whose reason names the step and the rule
("gopher_quality:mean_word_length") and whose metrics hold the measured values.
text.py holds the word splitting and repeat counting they share.
"""
