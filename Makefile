# Entry points: `make demo` and `make test` set everything up on a fresh Debian machine.
.PHONY: setup build test demo clean

setup:
	@scripts/setup.sh

build: setup
	@npm run --silent build

# Every *.test.js under dist/ (Node 20's --test takes no globs).
test: build
	@node --test --test-reporter=spec $$(find dist -name '*.test.js' | sort)

demo: build
	@scripts/demo.sh

clean:
	rm -rf dist
