# Makefile: convenience targets around the CMake build.
#
#   make datasets   build, then create the training and validation folders
#                   from config/covid19xray.yaml (downloads the pinned sources)
#   make datasets CONFIG=config/demo.yaml SET='seed=7 sample.archive_root=auto'
#                   another config, and --set overrides (one per SET word)
#   make demo       build, then run the whole pipeline offline on the demo
#   make test       the test suite (plain and sanitizer builds)
#   make coverage   line coverage of the suite (last line: lines: NN.N%)
#
# The Debian packages are installed, and CMake configured, only when their
# inputs changed (deps/*.txt; the CMakeLists.txt files): stamp files in
# $(BUILD) remember the last time.
BUILD ?= build
CONFIG ?= config/covid19xray.yaml
SET ?=
TO ?= layout

CMAKE_INPUTS := $(shell find . -name CMakeLists.txt -not -path './build*' -not -path './.git/*') \
                $(wildcard cmake/*)

.PHONY: all build datasets demo test coverage clean

all: build

$(BUILD)/.deps-stamp: $(wildcard deps/*.txt) scripts/install-deps.sh
	sh scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/CMakeCache.txt: $(BUILD)/.deps-stamp $(CMAKE_INPUTS)
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	@touch $@

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j2

datasets: build
	$(BUILD)/bin/cxrprep run $(CONFIG) --to $(TO) $(foreach s,$(SET),--set '$(s)')

demo:
	sh scripts/demo.sh

test:
	sh scripts/test.sh

coverage:
	sh scripts/coverage.sh

clean:
	rm -rf $(BUILD) build-asan build-cov
