# callqa — every target is idempotent and works on a fresh Debian machine as root.
# Not root? Targets that need system packages print the apt-get line to run and stop.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

# Build: whisper.cpp (via whisper-rs) compiles with cmake and needs libclang for bindgen.
BUILD_PKGS := cmake clang libclang-dev pkg-config
# Media tools: only for regenerating fixtures and for the ffmpeg baseline in `make bench`.
MEDIA_PKGS := sox ffmpeg

.PHONY: help setup setup-media build test demo bench models datasets fixtures clean

help:
	@echo "make demo      build and run callqa on the bundled recordings"
	@echo "make test      run the test suite (what CI runs)"
	@echo "make bench     decode+resample throughput beside ffmpeg"
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

test: setup
	$(CARGO) test --locked

demo: build datasets
	./target/release/callqa probe datasets/zh-thchs30/*.wav tests/fixtures/mulaw_8k_stereo.wav

bench: setup setup-media
	$(CARGO) bench --locked --bench audio_frontend

# The THCHS-30 clips are committed; this refreshes them from ../shared when it is there.
datasets:
	@if [ -d ../shared/audio/zh-thchs30 ]; then \
	  cp -u ../shared/audio/zh-thchs30/*.wav ../shared/audio/zh-thchs30/*.TextGrid datasets/zh-thchs30/; fi
	@ls datasets/zh-thchs30/A2_0.wav >/dev/null

fixtures: setup-media
	tests/fixtures/make_fixtures.sh

models:
	@echo "make models: the CTranslate2 → ggml Whisper import is not built yet (issue #3)." >&2; exit 1

clean:
	$(CARGO) clean
