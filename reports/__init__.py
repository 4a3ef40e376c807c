"""Reports: why documents were dropped and what was kept, from what every step of a run wrote.

    inputs.py  what a run left behind (the ledger and final/ required, the rest optional)
    tables.py  the Polars builders: funnel, drop reasons, languages, domains, lengths, ...
    views.py   the tables as shown, for one run or two side by side
    charts.py  matplotlib charts as SVG
    html.py    the self-contained report.html
    cli.py     `refinery report RUN [RUN_B]`
"""
