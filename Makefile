# Thin wrapper: the real build is CMake. `make test` and `make demo` work on a fresh Debian 12 machine as root.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test unit demo bench image clean

all: build

deps:
	@scripts/install-deps.sh

# Ninja for a new build directory (it starts a target's sources before the libraries it links are archived: the
# clean build keeps both cores busy); a directory configured earlier keeps its generator.
GENERATOR = $(if $(wildcard $(BUILD)/CMakeCache.txt),,-G Ninja)

configure: deps
	@cmake $(GENERATOR) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# On a failure, the checks that failed are printed again at the end (scripts/failed-checks.sh).
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) || \
		{ rc=$$?; echo; echo "== what failed (from $(BUILD)/Testing/Temporary/LastTest.log):"; \
		  $(CURDIR)/scripts/failed-checks.sh Testing/Temporary/LastTest.log; exit $$rc; }

demo: build
	@tests/e2e/demo.sh $(BUILD)/mysql-agent

# The agent image, offline with buildah (the Dockerfile's final stage from the binary just built), and the MariaDB test
# image (mmdebstrap from the Debian mirror): README, "Container image".
image: build
	@scripts/build-images.sh $(BUILD)/mysql-agent
	@scripts/build-mariadb-image.sh

bench: build
	@bench/clone_throughput $(BUILD)/mysql-agent

clean:
	rm -rf $(BUILD)
