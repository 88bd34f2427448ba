# Entry points: `make demo` and `make test` set everything up on a fresh Debian machine.
.PHONY: setup build kernel test demo clean

setup:
	@scripts/setup.sh

build: setup
	@npm run --silent build

# pkg/kernel is compiled from source once per machine (minutes on a fresh one, with progress;
# docs/kernel.md), into the kernel build cache (~/.cache/linuxkit-ts/kernel): every test that
# builds the package into its own image cache then takes the compile from there in seconds.
kernel: build
	@node bin/linuxkit.js pkg build pkg/kernel >/dev/null

# Every *.test.js under dist/ (Node 20's --test takes no globs).
test: kernel
	@node --test --test-reporter=spec $$(find dist -name '*.test.js' | sort)

demo: build
	@scripts/demo.sh

clean:
	rm -rf dist
