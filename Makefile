# Two commands for a fresh machine:
#   make demo   venv with the runtime only (no TensorFlow), read the bundled samples with the shipped model
#   make test   venv with [train,dev,serve,ray,pdf]; the gates (ruff lint and format check, mypy), then the whole
#               test suite on real MNIST
PYTHON ?= python3
RUNTIME_VENV := .venv-runtime
DEV_VENV := .venv-dev
RUNTIME_FILES := pyproject.toml $(wildcard runtime/*.py runtime/serve/*.py runtime/web/* models/*.onnx models/*.json)
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: demo test gates lint typecheck clean samples

demo: $(RUNTIME_VENV)/.installed
	$(RUNTIME_VENV)/bin/edgedigits classify samples --format table
	@echo "(the command is $(RUNTIME_VENV)/bin/edgedigits; '. $(RUNTIME_VENV)/bin/activate' puts it on your PATH)"

test: gates
	$(DEV_VENV)/bin/python -m pytest

# Quality gates (configured in pyproject.toml): seconds, so they run before the tests.
gates: lint typecheck

lint: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/ruff check .
	$(DEV_VENV)/bin/ruff format --check .

# mypy checks the package as it is imported: edgedigits.runtime, .train, .export are the folders runtime/,
# train/, export/ (pyproject's package-dir), linked under build/typecheck/edgedigits/ for it.
typecheck: $(DEV_VENV)/.installed
	rm -rf build/typecheck
	mkdir -p build/typecheck/edgedigits
	for folder in runtime train export models; do ln -s ../../../$$folder build/typecheck/edgedigits/$$folder; done
	$(DEV_VENV)/bin/mypy -p edgedigits

# A plain, non-editable install without extras: exactly what a user gets from `pip install edgedigits`.
$(RUNTIME_VENV)/.installed: $(RUNTIME_FILES)
	$(PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(RUNTIME_VENV)/bin/pip install $(PIP_FLAGS) .
	touch $@

# The test suite's venv takes the versions CI passed with (constraints-dev.txt): its material is drawn with OpenCV.
$(DEV_VENV)/.installed: pyproject.toml constraints-dev.txt
	$(PYTHON) -m venv $(DEV_VENV)
	$(DEV_VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(DEV_VENV)/bin/pip install $(PIP_FLAGS) -c constraints-dev.txt -e '.[train,dev,serve,ray,pdf]'
	touch $@

samples: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/python samples/make_samples.py

clean:
	rm -rf $(RUNTIME_VENV) $(DEV_VENV) build *.egg-info
