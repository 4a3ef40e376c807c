# Refinery: `make dataset` runs the main job on the bundled demo WARC; `make test` runs the tests.
# Every target that needs Python depends on `setup`, which builds .venv once and again only
# when pyproject.toml changes.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
RUN     ?= runs/demo
INPUT   ?= demo/demo.warc.gz
RECIPE  ?= recipes/small.toml
WORKERS ?= 2
PRESET  ?= small
RESUME  ?=
VOCAB   ?=

.PHONY: setup dataset tokenizer train-small report test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $@

dataset: setup
	$(BIN)/refinery dataset --input $(INPUT) --out $(RUN) --recipe $(RECIPE) --workers $(WORKERS)

tokenizer: setup
	$(BIN)/refinery tokenizer $(RUN) $(if $(VOCAB),--vocab-size $(VOCAB))

train-small: setup
	$(BIN)/refinery train $(RUN) --preset $(PRESET) $(if $(RESUME),--resume)

report: setup
	$(BIN)/refinery report $(RUN)

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) runs
