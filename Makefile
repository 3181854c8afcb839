# Makefile: convenience targets around the CMake build.
#
#   make datasets   build, then create the training and validation folders
#                   from config/covid19xray.yaml (downloads the pinned sources)
#   make demo       build, then run the whole pipeline offline on the demo
#   make test       the test suite (plain and sanitizer builds)
BUILD ?= build
CONFIG ?= config/covid19xray.yaml

.PHONY: all build datasets demo test clean

all: build

build:
	sh scripts/install-deps.sh
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j2

datasets: build
	$(BUILD)/bin/cxrprep run $(CONFIG) --to layout

demo:
	sh scripts/demo.sh

test:
	sh scripts/test.sh

clean:
	rm -rf $(BUILD) build-asan
