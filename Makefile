# Entry points: `make demo` and `make test` set everything up on a fresh Debian machine.
.PHONY: setup build lint kernel test demo clean

setup:
	@scripts/setup.sh

build: setup
	@npm run --silent build

# pkg/kernel is compiled from source once per machine (minutes on a fresh one, with progress;
# docs/kernel.md), into the kernel build cache (~/.cache/linuxkit-ts/kernel): every test that
# builds the package into its own image cache then takes the compile from there in seconds.
kernel: build
	@node bin/linuxkit.js pkg build pkg/kernel >/dev/null

# Prettier's layout (.prettierrc.json; .prettierignore leaves data, fixtures, docs and generated
# files alone), ESLint over the TypeScript and scripts (eslint.config.js: typescript-eslint's recommended rules
# and the module boundaries), then shellcheck over every shell script: those of pkg/ (found by their #!/bin/sh line, and the
# sourced *.sh libraries; busybox's dialect is set in pkg/.shellcheckrc) and the host's.
# Each exception is a `# shellcheck disable=SCnnnn # reason` line above what it excuses.
lint: setup
	@npx prettier --check --log-level warn .
	@npx eslint .
	@shellcheck $$( { grep -rlE '^#! ?/bin/sh' pkg; find pkg -name '*.sh'; } | sort -u) scripts/*.sh bench/*.sh examples/swarm/*.sh .ci/run

# Every *.test.js under dist/ (Node 20's --test takes no globs). LINUXKIT_TEST_PACKAGES: one
# image cache for the run in which each package of pkg/ is built once, for every test file that
# boots it (test/fixtures/packages.ts); removed afterwards.
test: lint kernel
	@pkgs=$$(mktemp -d /tmp/linuxkit-test-packages.XXXXXX); \
	LINUXKIT_TEST_PACKAGES=$$pkgs node --test --test-reporter=spec $$(find dist -name '*.test.js' | sort); \
	rc=$$?; rm -rf "$$pkgs"; exit $$rc

demo: build
	@scripts/demo.sh

clean:
	rm -rf dist
