# Ward's front door: `make` builds build/ward, `make run` sets up and serves,
# `make test` runs every test. See README.md.
BUILD ?= build
DATA ?= ./var
LISTEN ?= 127.0.0.1:8080

.PHONY: all run test test-unit test-integ test-browser deps deps-test asan fuzz bench lint format clean

all:
	@scripts/configure $(BUILD)
	ninja -C $(BUILD)

deps:
	@scripts/deps run

deps-test:
	@scripts/deps test

run: deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/ward --data $(DATA) init
	@echo "ward: open http://$(LISTEN)/ and log in as admin"
	@exec $(BUILD)/ward --data $(DATA) serve --listen $(LISTEN)

test: deps-test
	@$(MAKE) --no-print-directory all
	@scripts/run-tests $(BUILD)

# The unit and integration tests again, under AddressSanitizer and UBSan.
asan:
	@scripts/configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	ninja -C build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		scripts/run-tests build-asan --no-browser

fuzz:
	@scripts/fuzz

bench:
	bench/http/run.sh

lint:
	@scripts/lint

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan build-fuzz
