"""What `refinery dataset` prints at the end (the funnel) and what every command leaves in
RUN/refinery.log."""
import re

from pipeline.cli import main
from tests.conftest import MECHANICS_RECIPE, article, write_warc


def test_the_summary_is_a_funnel_of_pages_and_names_the_next_command(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    write_warc(tmp_path / "in" / "a.warc.gz", [
        {"url": "https://a.test/1", "body": article("rivers")},
        {"url": "https://a.test/2", "body": article("bridges")},
        {"url": "https://a.test/3", "body": b"<html><body><p>Kurz.</p></body></html>"},   # too short to tell its language
        {"url": "https://a.test/404", "body": b"<html>no</html>", "status": "404 Not Found"},
    ])
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(MECHANICS_RECIPE)
    run = tmp_path / "run"
    assert main(["dataset", "--input", str(tmp_path / "in"), "--out", str(run), "--recipe", str(recipe),
                 "--workers", "1"]) == 0
    out = capsys.readouterr().out
    funnel = out[out.index("funnel:"):out.index("dropped or skipped")]
    assert funnel.splitlines()[0] == "funnel: 4 pages (WARC response records), then what is left after each step"
    rows = re.findall(r"^  (\S.*?)\s+([\d,]+)\s+([\d.]+)%", funnel, re.M)
    assert rows == [("pages", "4", "100.0"), ("after read", "3", "75.0"), ("after extract", "3", "75.0"),
                    ("after language", "2", "50.0"), ("final", "2", "50.0")]
    assert "other WARC records, not pages: 4 (request 4)" in funnel
    drops = out[out.index("dropped or skipped"):]
    assert "read:http_status" in drops and "request_record" not in drops      # requests are no drops
    assert out.rstrip().endswith(f"next: refinery tokenizer {run}")

    assert main(["dataset", "--input", str(tmp_path / "in"), "--out", str(run), "--recipe", str(recipe),
                 "--workers", "1", "--format", "jsonl"]) == 2            # a run keeps its format
    log = (run / "refinery.log").read_text().splitlines()
    assert len(log) == 3
    assert re.match(r"\d{4}-\d\d-\d\dT[\d:]+Z \.\. \d{4}-\d\d-\d\dT[\d:]+Z \([\d.]+ s\)  exit 0  refinery dataset --input ",
                    log[0])
    assert log[1].split() == ["pages=4", "read=3", "extract=3", "language=2", "final=2"]
    assert "  exit 2  refinery dataset " in log[2] and log[2].endswith("--format jsonl")


def test_a_command_refused_before_its_run_folder_exists_leaves_no_folder(tmp_path):
    assert main(["dataset", "--input", str(tmp_path / "none*.warc.gz"), "--out", str(tmp_path / "run")]) == 2
    assert not (tmp_path / "run").exists()
