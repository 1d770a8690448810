# The two commands of the README's quick start, and a few for developers.
#   make demo   install what is missing, build, run ferry's demo on SQLite
#   make test   install what is missing, build, run every test (starts throwaway servers)
#   make install [PREFIX=/usr/local] [DESTDIR=]  ferry, its manual pages and completion, docs
#   make package                                 build/ferry_VERSION_ARCH.deb (CPack)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WERROR=ON
PREFIX ?= /usr/local
# What an installation holds: the executable, and the pages and scripts it generates.
INSTALLED = ferry ferry_man ferry_completion

.PHONY: all deps configure build demo test unit install package format clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target ferry
	@$(BUILD)/cli/ferry demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

install: configure
	@cmake --build $(BUILD) -j $(JOBS) --target $(INSTALLED)
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

package: configure
	@cmake --build $(BUILD) -j $(JOBS) --target $(INSTALLED)
	@cd $(BUILD) && cpack -G DEB

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD)
