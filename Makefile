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

.PHONY: setup dataset tokenizer train-small report ablation test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	# An editable install compiles nothing. Bytecode now, once: where writing it is off
	# (PYTHONDONTWRITEBYTECODE), every process of every run would compile the sources again.
	$(BIN)/python -m compileall -q -x '/\.venv/' .
	touch $@

dataset: setup
	$(BIN)/refinery dataset --input $(INPUT) --out $(RUN) --recipe $(RECIPE) --workers $(WORKERS)

tokenizer: setup
	$(BIN)/refinery tokenizer $(RUN) $(if $(VOCAB),--vocab-size $(VOCAB))

train-small: setup
	$(BIN)/refinery train $(RUN) --preset $(PRESET) $(if $(RESUME),--resume)

report: setup
	$(BIN)/refinery report $(RUN)

# raw.toml against the demo's recipe on the demo WARC: tiny models (1 layer, 64 wide), two seeds,
# two budgets; a few minutes on 2 CPU cores. Results in runs/ablation/ablation.{parquet,html}.
ablation: setup
	$(BIN)/refinery ablate --input $(INPUT) --recipes recipes/raw.toml $(RECIPE) --out runs/ablation \
	  --tokens 65536 262144 --seeds 2 --vocab-size 2048 --workers $(WORKERS) --eval-tokens 65536 \
	  --set n_layer=1 n_head=2 n_embd=64 seq_len=128 batch_rows=8 warmup_steps=10 eval_every=32 \
	  eval_tokens=8192 ckpt_every=1000 sample_tokens=16

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) runs
