# Entry points: `make demo` and `make test` set everything up on a fresh Debian machine.
.PHONY: setup build lint test demo clean

setup:
	@scripts/setup.sh

build: setup
	@npm run --silent build

# ESLint over the TypeScript and scripts (eslint.config.js: typescript-eslint's recommended rules
# and the module boundaries), then shellcheck over every shell script: those of pkg/ (found by their #!/bin/sh line, and the
# sourced *.sh libraries; busybox's dialect is set in pkg/.shellcheckrc) and the host's.
# Each exception is a `# shellcheck disable=SCnnnn # reason` line above what it excuses.
lint:
	@npx eslint .
	@shellcheck $$( { grep -rlE '^#! ?/bin/sh' pkg; find pkg -name '*.sh'; } | sort -u) scripts/*.sh bench/*.sh .ci/run

# Every *.test.js under dist/ (Node 20's --test takes no globs).
test: build lint
	@node --test --test-reporter=spec $$(find dist -name '*.test.js' | sort)

demo: build
	@scripts/demo.sh

clean:
	rm -rf dist
